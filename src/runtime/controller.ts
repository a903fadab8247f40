// The component controller (Alloy's "flow" controller): loads a config, evaluates components
// in dependency order, re-evaluates dependents when exports change, and applies reloads as a
// diff so unchanged components keep running untouched.
import { dirname, join } from 'node:path'
import type { Registry } from 'prom-client'
import type { Span } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import { parseFile } from '../syntax/parser.js'
import type { Logger } from '../logging/logger.js'
import { decodeBody } from '../vm/decode.js'
import { EvalError, evaluate, type Scope } from '../vm/evaluate.js'
import { stdlib } from '../vm/stdlib.js'
import { Capsule, newObject, type Value, type ValueObject } from '../vm/value.js'
import type { Component, ComponentKind, ComponentServices, Exports, Health, Stability } from './component.js'
import { singleNodeCluster } from '../cluster/single.js'
import { DEFAULT_HTTP_LISTEN_ADDR } from '../net/defaults.js'
import { deepEqual } from './equal.js'
import { references } from '../vm/refs.js'
import { buildGraph, type BodyItem, type ComponentNode, type ConfigBlock, type Graph } from './graph.js'
import type { SourceFile } from './source.js'
import { DeclareScope, resolveCustom, type DeclareDef } from './module-scope.js'
import { IMPORT_KINDS, type ArgumentArgs } from './module-kinds.js'
import type { ImportInstance, ModuleSource } from './imports/source.js'

export interface ControllerOptions {
  storagePath: string
  logger: Logger
  registry: Registry
  /** Default: a single-node cluster, DEFAULT_HTTP_LISTEN_ADDR, the default disk buffer bound. */
  services?: ComponentServices
  minStability?: Stability
  /** Called with each accepted config's top-level blocks (logging, ...), before components are applied. */
  onConfigBlocks?: (blocks: ConfigBlock[], scope: Scope) => Diagnostic[]
}

/** How a module controller (a declared component's instance) differs from the root. */
interface ModuleInit {
  /** e.g. "linux_host_metrics.feedback" or "outer.a/inner.b". */
  moduleId: string
  parentScope: DeclareScope
  moduleDir: string
  /** The module's exports changed. */
  onExports (exports: Exports): void
  /** Every module controller of the process, by module id (shared with the root). */
  modules: Map<string, Controller>
  /** Every source file read (imports add theirs), to render diagnostics. */
  sources: Map<string, string>
}

export interface LoadResult {
  ok: boolean
  diagnostics: Diagnostic[]
  /** The sources, so callers can render diagnostics with their lines. */
  sources: Map<string, string>
}

interface Running {
  node: ComponentNode
  instance: Component | undefined
  args: unknown
  exports: Exports
  abort: AbortController
  done: Promise<void> | undefined
  evalHealth: Health
  exitError: Error | undefined
  exited: boolean
  dirty: boolean
  /** custom: the module controller of this instance, and the definition it last loaded. */
  child?: Controller
  def?: DeclareDef
  /** import: the running import. */
  importer?: ImportInstance<unknown>
}

export interface ComponentInfo {
  /** Global id: "prometheus.scrape.x" at the top, "mod.a/prometheus.scrape.x" inside a module instance. */
  id: string
  moduleId: string
  localId: string
  name: string
  label: string
  kind: ComponentKind
  /** builtin, or custom (an instance of a declare). */
  type: 'builtin' | 'custom'
  file: string
  span: Span
  args: unknown
  exports: Exports
  health: Health
  referencesTo: string[]
  referencedBy: string[]
  /** For a custom component: the module id of its inner components. */
  createdModuleIds: string[]
  debugInfo: unknown
}

const STOP_TIMEOUT_MS = 10_000
/** Nesting depth of declared components (a declare that instantiates itself stops here). */
const MAX_DEPTH = 32

const visible = (n: ComponentNode): boolean => n.role === 'component' || n.role === 'custom'
const sameKind = (a: ComponentNode, b: ComponentNode): boolean => a.role === b.role && a.kind.name === b.kind.name

/** What components get when the process provides nothing else: a single node on the default address. */
function defaultServices (): ComponentServices {
  return { cluster: singleNodeCluster(), httpAddress: () => DEFAULT_HTTP_LISTEN_ADDR, walMaxBytes: undefined }
}

export class Controller {
  readonly #opts: ControllerOptions
  readonly #log: Logger
  readonly #module: ModuleInit | undefined
  readonly #modules: Map<string, Controller>
  readonly #sources: Map<string, string>
  #graph: Graph | undefined
  readonly #running = new Map<string, Running>()
  #loading = false
  #flushScheduled = false
  #loadChain: Promise<unknown> = Promise.resolve()
  #stopped = false
  #args: Record<string, Value> = {}
  readonly #exportValues: Exports = {}
  #moduleDir = '.'

  constructor (opts: ControllerOptions, module?: ModuleInit) {
    // Resolved once: module controllers get these options, so the whole process shares one services object.
    this.#opts = opts.services !== undefined ? opts : { ...opts, services: defaultServices() }
    this.#module = module
    this.#log = opts.logger
    this.#modules = module?.modules ?? new Map<string, Controller>()
    this.#sources = module?.sources ?? new Map<string, string>()
    if (module) this.#modules.set(module.moduleId, this)
  }

  get #services (): ComponentServices { return this.#opts.services! }

  get moduleId (): string { return this.#module?.moduleId ?? '' }

  /** Parses and type-checks without running anything (shoal validate). Imported files' text lands in `sourcesOut`. */
  static check (sources: SourceFile[], onConfigBlocks?: ControllerOptions['onConfigBlocks'], minStability?: Stability, sourcesOut?: Map<string, string>): Diagnostic[] {
    const { items, diagnostics } = parseAll(sources)
    if (diagnostics.some(d => d.severity === 'error')) return diagnostics
    const out = sourcesOut ?? new Map<string, string>()
    for (const s of sources) out.set(s.name, s.source)
    const moduleDir = sources.length > 0 ? dirname(sources[0].name) : '.'
    const { graph, diagnostics: gd } = buildGraph(items, { minStability, body: 'root', moduleDir })
    diagnostics.push(...gd)
    const { exports, soft } = placeholders(graph)
    const scope = componentScope(graph, exports, moduleDir)
    // A config block reading a component shoal does not have (logging's write_to = [loki.….receiver]) is not judged on it.
    const readsSoft = (b: ConfigBlock): boolean => references(b.block.body).some(r => r.path.some((_, i) => soft.has(r.path.slice(0, i + 1).join('.'))))
    const checked = checkGraph(graph, exports, soft, {}, new Set(), { minStability, sources: out, depth: 0 }).diagnostics
    if (onConfigBlocks) diagnostics.push(...onConfigBlocks(graph.configBlocks.filter(b => !readsSoft(b)), scope))
    diagnostics.push(...checked)
    return diagnostics
  }

  /** Loads (or reloads) a config. Serialized: concurrent calls wait for each other. */
  load (sources: SourceFile[]): Promise<LoadResult> {
    const next = this.#loadChain.then(async () => {
      for (const s of sources) this.#sources.set(s.name, s.source)
      const { items, diagnostics } = parseAll(sources)
      const result = (ok: boolean): LoadResult => ({ ok, diagnostics, sources: new Map(this.#sources) })
      if (diagnostics.some(d => d.severity === 'error')) return result(false)
      this.#moduleDir = sources.length > 0 ? dirname(sources[0].name) : '.'
      diagnostics.push(...await this.#loadItems(items, {}))
      return result(!diagnostics.some(d => d.severity === 'error'))
    })
    this.#loadChain = next.catch(() => {})
    return next
  }

  /** Loads a declared component's body with its argument values (a module controller). */
  loadModule (def: DeclareDef, args: Record<string, Value>): Promise<Diagnostic[]> {
    const next = this.#loadChain.then(() => this.#loadItems(def.block.body.map(stmt => ({ stmt, file: def.file })), args))
    this.#loadChain = next.catch(() => {})
    return next
  }

  async #loadItems (items: BodyItem[], args: Record<string, Value>): Promise<Diagnostic[]> {
    const m = this.#module
    const moduleDir = m?.moduleDir ?? this.#moduleDir
    const { graph, diagnostics } = buildGraph(items, { minStability: this.#opts.minStability, body: m ? 'declare' : 'root', parentScope: m?.parentScope, moduleDir })
    if (diagnostics.some(d => d.severity === 'error')) return diagnostics
    // Import slots keep the content already read, so the dry run sees the declares they hold.
    for (const [ns, slot] of graph.scope.imports) {
      const old = this.#graph?.scope.imports.get(ns)
      if (old && old.nodeId === slot.nodeId) slot.module = old.module
    }

    // Dry run: evaluate everything against current exports (placeholders for components that do
    // not run yet), so a broken config is rejected before anything running is touched.
    const dryExports = new Map<string, Exports>()
    const fresh = new Set<string>()
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      const cur = this.#running.get(id)
      if (cur && sameKind(cur.node, node) && cur.instance) dryExports.set(id, cur.exports)
      else { dryExports.set(id, placeholderExports(node.kind)); fresh.add(id) }
    }
    const dryScope = componentScope(graph, dryExports, moduleDir)
    if (!m) diagnostics.push(...this.#opts.onConfigBlocks?.(graph.configBlocks, dryScope) ?? [])
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      // Values read from components that have never run are placeholders; errors that
      // depend on them are found (and reported) when the real values exist.
      if ([...node.dependsOn].some(d => fresh.has(d))) { fresh.add(id); continue }
      const { args: a, diagnostics: d } = evaluateNode(node, dryScope)
      diagnostics.push(...d)
      if (node.role === 'argument' && d.length === 0) {
        if (!Object.prototype.hasOwnProperty.call(args, node.label) && !(a as ArgumentArgs).optional) {
          diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `missing required argument "${node.label}" to module` })
        }
        fresh.add(id) // its value arrives at apply
      }
    }
    if (diagnostics.some(d => d.severity === 'error')) return diagnostics

    // Apply: stop what was removed, then update or build in dependency order.
    this.#loading = true
    this.#args = args
    try {
      const removed = [...this.#running.values()].filter(r => {
        const n = graph.nodes.get(r.node.id)
        return !n || !sameKind(n, r.node)
      })
      await Promise.all(removed.map(r => this.#stopOne(r)))
      for (const r of removed) if (r.node.role === 'export') delete this.#exportValues[r.node.label]
      this.#graph = graph
      for (const id of graph.order) {
        const node = graph.nodes.get(id)!
        let r = this.#running.get(id)
        if (r) r.node = node
        else {
          r = {
            node, instance: undefined, args: undefined, exports: placeholderExports(node.kind), abort: new AbortController(),
            done: undefined, evalHealth: health('unknown', 'component not yet evaluated'), exitError: undefined, exited: false, dirty: false,
          }
          this.#running.set(id, r)
        }
        diagnostics.push(...await this.#evaluateAndApply(r, true))
      }
    } finally {
      this.#loading = false
    }
    m?.onExports({ ...this.#exportValues })
    return diagnostics
  }

  #scope (): Scope {
    const exports = new Map<string, Exports>()
    for (const [id, run] of this.#running) exports.set(id, run.exports)
    return componentScope(this.#graph!, exports, this.#module?.moduleDir ?? this.#moduleDir)
  }

  async #evaluateAndApply (r: Running, reload: boolean): Promise<Diagnostic[]> {
    const node = r.node
    const { args, diagnostics } = evaluateNode(node, this.#scope())
    const fail = (msg: string): Diagnostic[] => {
      r.evalHealth = health('unhealthy', msg)
      return [...diagnostics, { severity: 'error', file: node.file, span: node.block.nameSpan, message: `${node.id}: ${msg}` }]
    }
    if (diagnostics.some(d => d.severity === 'error')) {
      r.evalHealth = health('unhealthy', diagnostics.filter(d => d.severity === 'error').map(d => d.message).join('; '))
      return diagnostics
    }
    try {
      switch (node.role) {
        case 'argument': {
          const a = args as ArgumentArgs
          if (!Object.prototype.hasOwnProperty.call(this.#args, node.label) && !a.optional) {
            r.evalHealth = health('unhealthy', `missing required argument "${node.label}" to module`)
            return [{ severity: 'error', file: node.file, span: node.block.nameSpan, message: `missing required argument "${node.label}" to module` }]
          }
          const value = Object.prototype.hasOwnProperty.call(this.#args, node.label) ? this.#args[node.label] : (a.default as Value ?? null)
          r.args = args
          r.instance ??= idle()
          this.#onStateChange(r, { value })
          r.evalHealth = health('healthy', 'argument evaluated')
          return diagnostics
        }
        case 'export': {
          r.args = args
          r.instance ??= idle()
          const value = (args as { value: Value }).value
          if (!deepEqual(this.#exportValues[node.label], value)) {
            this.#exportValues[node.label] = value
            if (!this.#loading) this.#module?.onExports({ ...this.#exportValues })
          }
          r.evalHealth = health('healthy', 'export evaluated')
          return diagnostics
        }
        case 'import': return await this.#applyImport(r, args, diagnostics)
        case 'custom': return await this.#applyCustom(r, args as Record<string, Value>, reload, diagnostics)
        case 'unknown': return fail('unknown component kind')
      }
      if (!r.instance) {
        r.args = args
        r.instance = r.node.kind.build(this.#globals(r), args)
        r.evalHealth = health('healthy', 'started component')
        this.#start(r)
      } else if (!deepEqual(r.args, args)) {
        r.args = args
        await r.instance.update(args)
        r.evalHealth = health('healthy', 'updated component')
      }
    } catch (err) {
      return fail((err as Error).message)
    }
    return diagnostics
  }

  async #applyImport (r: Running, args: unknown, diagnostics: Diagnostic[]): Promise<Diagnostic[]> {
    const node = r.node
    const kind = IMPORT_KINDS.get(node.kind.name)!
    const slot = this.#graph!.scope.imports.get(node.label)!
    const errors: Diagnostic[] = []
    const take = (src: ModuleSource): void => {
      const { scope, diagnostics: d } = importedModule(src, this.#module?.moduleDir ?? this.#moduleDir, this.#opts.minStability, this.#sources)
      if (d.some(x => x.severity === 'error')) {
        if (!r.importer) { errors.push(...d); return } // the first content: the load fails with these
        this.#log.error('imported module has errors, keeping the last one', { component_id: node.id, err: d.map(x => `${x.file}:${x.span.start.line}:${x.span.start.column}: ${x.message}`).join('; ') })
        return
      }
      const live = this.#graph?.scope.imports.get(node.label)
      if (live) live.module = scope
      slot.module = scope
      this.#onStateChange(r, { module: new Capsule('alloy.Module', scope) })
    }
    if (!r.importer) {
      const id = this.#globalId(node.id)
      r.args = args
      r.importer = await kind.start({ id, dataPath: join(this.#opts.storagePath, id), logger: this.#log.with({ component_path: '/' + this.moduleId, component_id: node.id }), moduleDir: this.#module?.moduleDir ?? this.#moduleDir, onContent: take }, args)
      r.instance = { run: signal => r.importer!.run(signal), update: () => {}, debugInfo: () => r.importer!.debugInfo?.() }
      this.#start(r)
    } else if (!deepEqual(r.args, args)) {
      r.args = args
      await r.importer.update(args)
    }
    if (errors.length > 0) {
      r.evalHealth = health('unhealthy', errors.map(e => e.message).join('; '))
      return [...diagnostics, ...errors]
    }
    r.evalHealth = health('healthy', 'module imported')
    return diagnostics
  }

  async #applyCustom (r: Running, values: Record<string, Value>, reload: boolean, diagnostics: Diagnostic[]): Promise<Diagnostic[]> {
    const node = r.node
    const { def, slot } = resolveCustom(this.#graph!.scope, node.kind.name)
    if (!def) {
      const msg = slot ? `module ${slot.nodeId} has no declare named "${node.kind.name.split('.')[1]}"` : `no declare named "${node.kind.name}" in scope`
      r.evalHealth = health('unhealthy', msg)
      return [...diagnostics, { severity: 'error', file: node.file, span: node.block.nameSpan, message: msg }]
    }
    const depth = this.moduleId === '' ? 1 : this.moduleId.split('/').length + 1
    if (depth > MAX_DEPTH) return [...diagnostics, { severity: 'error', file: node.file, span: node.block.nameSpan, message: `custom components nested more than ${MAX_DEPTH} deep (does a declare instantiate itself?)` }]
    if (!reload && r.def === def && deepEqual(r.args, values)) return diagnostics
    r.args = values
    r.def = def
    if (!r.child) {
      const moduleId = this.#globalId(node.id)
      r.child = new Controller(this.#opts, {
        moduleId, parentScope: def.scope, moduleDir: def.scope.moduleDir, modules: this.#modules, sources: this.#sources,
        onExports: exports => this.#onStateChange(r, exports),
      })
      const child = r.child
      r.instance = {
        async run (signal) {
          await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
          await child.stop()
        },
        update () {},
      }
      this.#start(r)
    }
    const inner = await r.child.loadModule(def, values)
    const errs = inner.filter(d => d.severity === 'error')
    r.evalHealth = errs.length > 0 ? health('unhealthy', errs.map(d => d.message).join('; ')) : health('healthy', 'custom component evaluated')
    return [...diagnostics, ...inner]
  }

  #globalId (localId: string): string {
    return this.moduleId === '' ? localId : `${this.moduleId}/${localId}`
  }

  #globals (r: Running): import('./component.js').ComponentGlobals {
    const id = this.#globalId(r.node.id)
    const services = this.#services
    return {
      id,
      dataPath: join(this.#opts.storagePath, id),
      logger: this.#log.with({ component_path: '/' + this.moduleId, component_id: r.node.id }),
      registry: this.#opts.registry,
      // Read at use: the agent swaps in the started cluster after the controller exists.
      get cluster () { return services.cluster },
      httpAddress: () => services.httpAddress(),
      get walMaxBytes () { return services.walMaxBytes },
      onStateChange: (exports: Exports) => this.#onStateChange(r, exports),
    }
  }

  #start (r: Running): void {
    const signal = r.abort.signal
    r.done = (async () => {
      try {
        await r.instance!.run(signal)
        if (!signal.aborted) r.exitError = new Error('component exited unexpectedly')
      } catch (err) {
        if (!signal.aborted) {
          r.exitError = err as Error
          this.#log.error('component exited with error', { component_id: r.node.id, err })
        }
      } finally {
        r.exited = true
      }
    })()
  }

  async #stopOne (r: Running): Promise<void> {
    if (this.#running.get(r.node.id) === r) this.#running.delete(r.node.id)
    r.abort.abort()
    if (!r.done) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([r.done, new Promise<void>(resolve => { timer = setTimeout(() => { this.#log.warn('component did not stop in time', { component_id: r.node.id }); resolve() }, STOP_TIMEOUT_MS) })])
    clearTimeout(timer)
  }

  #onStateChange (r: Running, exports: Exports): void {
    if (this.#running.get(r.node.id) !== r) return // a stopped instance
    if (deepEqual(r.exports, exports)) return
    r.exports = exports
    if (this.#loading || !this.#graph) return // the load in progress evaluates dependents in order
    for (const dep of this.#graph.dependents.get(r.node.id) ?? []) {
      const d = this.#running.get(dep)
      if (d) d.dirty = true
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(() => { this.#loadChain = this.#loadChain.then(() => this.#flush()) })
    }
  }

  async #flush (): Promise<void> {
    this.#flushScheduled = false
    if (!this.#graph || this.#stopped) return
    for (const id of this.#graph.order) {
      const r = this.#running.get(id)
      if (!r || !r.dirty) continue
      r.dirty = false
      // A changed import reloads the bodies of the instances that use it.
      const reload = r.node.role === 'custom' && [...r.node.dependsOn].some(d => this.#graph!.nodes.get(d)?.role === 'import')
      const diags = await this.#evaluateAndApply(r, reload)
      for (const d of diags) if (d.severity === 'error') this.#log.error('failed to evaluate component', { component_id: id, err: `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.message}` })
    }
  }

  /** The components of the main config (or, with a module id, of that module instance). */
  components (moduleId = ''): ComponentInfo[] {
    const ctl = moduleId === '' ? this : this.#modules.get(moduleId)
    if (!ctl) return []
    return ctl.#list()
  }

  /** Whether a module instance with this id runs. */
  hasModule (moduleId: string): boolean {
    return moduleId === '' || this.#modules.has(moduleId)
  }

  /** Every component, of every module instance too. */
  allComponents (): ComponentInfo[] {
    const out = this.#list()
    for (const ctl of this.#modules.values()) if (ctl !== this) out.push(...ctl.#list())
    return out
  }

  #list (): ComponentInfo[] {
    if (!this.#graph) return []
    const out: ComponentInfo[] = []
    for (const id of this.#graph.order) {
      const r = this.#running.get(id)
      if (r && visible(r.node)) out.push(this.#info(r, this.#graph))
    }
    return out
  }

  /** A component by global id ("a.b/prometheus.scrape.x"). */
  component (id: string): ComponentInfo | undefined {
    const slash = id.lastIndexOf('/')
    const ctl = slash < 0 ? this : this.#modules.get(id.slice(0, slash))
    const local = id.slice(slash + 1)
    if (!ctl) return undefined
    const r = ctl.#running.get(local)
    return r && ctl.#graph?.nodes.has(local) && visible(r.node) ? ctl.#info(r, ctl.#graph) : undefined
  }

  #info (r: Running, graph: Graph): ComponentInfo {
    const n = r.node
    const shown = (ids: Iterable<string>): string[] => [...ids].filter(x => { const d = graph.nodes.get(x); return d !== undefined && visible(d) }).sort()
    const info: Omit<ComponentInfo, 'debugInfo'> = {
      id: this.#globalId(n.id), moduleId: this.moduleId, localId: n.id, name: n.kind.name, label: n.label, kind: n.kind,
      type: n.role === 'custom' ? 'custom' : 'builtin', file: n.file, span: n.block.span,
      args: r.args, exports: r.exports, health: this.#health(r),
      referencesTo: shown(n.dependsOn), referencedBy: shown(graph.dependents.get(n.id) ?? []),
      createdModuleIds: r.child ? [r.child.moduleId] : [],
    }
    // Debug info can be large (a scrape with thousands of targets): built only when read.
    return Object.defineProperty(info, 'debugInfo', {
      enumerable: true,
      get: () => {
        try { return r.instance?.debugInfo?.() } catch (err) { return { error: (err as Error).message } }
      },
    }) as ComponentInfo
  }

  /** The running instance (tests check that reloads keep it); ids as in component(). */
  instance (id: string): Component | undefined {
    const slash = id.lastIndexOf('/')
    const ctl = slash < 0 ? this : this.#modules.get(id.slice(0, slash))
    return ctl ? ctl.#running.get(id.slice(slash + 1))?.instance : undefined
  }

  #health (r: Running): Health {
    if (r.evalHealth.state === 'unhealthy') return r.evalHealth
    if (r.exited) return r.exitError ? health('unhealthy', `component exited: ${r.exitError.message}`) : health('exited', 'component exited')
    if (r.child) {
      const bad = r.child.#list().find(c => c.health.state === 'unhealthy')
      if (bad) return health('unhealthy', `${bad.localId}: ${bad.health.message}`)
    }
    const own = r.instance?.currentHealth?.()
    if (own && own.state !== 'healthy') return own
    return own && own.updatedTime > r.evalHealth.updatedTime ? own : r.evalHealth
  }

  /** True when every component evaluated and none is unhealthy. */
  healthy (): boolean {
    return [...this.#running.values()].every(r => this.#health(r).state !== 'unhealthy')
  }

  async stop (): Promise<void> {
    this.#stopped = true
    await this.#loadChain
    // Dependents first, so a sender stops before its receiver.
    const order = this.#graph ? [...this.#graph.order].reverse() : [...this.#running.keys()]
    for (const id of order) {
      const r = this.#running.get(id)
      if (r) await this.#stopOne(r)
    }
    if (this.#module) this.#modules.delete(this.#module.moduleId)
  }
}

function idle (): Component {
  return { async run (signal) { await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true })) }, update () {} }
}

/** Parses an imported module and builds the scope of its declares (nested imports are read at once). */
function importedModule (src: ModuleSource, importerDir: string, minStability: Stability | undefined, sources: Map<string, string>, depth = 0): { scope: DeclareScope, diagnostics: Diagnostic[] } {
  for (const f of src.files) sources.set(f.name, f.source)
  const { items, diagnostics } = parseAll([...src.files])
  const moduleDir = src.moduleDir ?? importerDir
  const { graph, diagnostics: gd } = buildGraph(items, { minStability, body: 'imported', moduleDir })
  diagnostics.push(...gd)
  // Imports inside an imported module (import.file with module_path): read now, statically.
  for (const id of graph.order) {
    const node = graph.nodes.get(id)!
    if (node.role !== 'import') continue
    const { args, diagnostics: d } = evaluateNode(node, componentScope(graph, new Map(), moduleDir))
    diagnostics.push(...d)
    if (d.some(x => x.severity === 'error')) continue
    const kind = IMPORT_KINDS.get(node.kind.name)!
    try {
      const inner = kind.readNow?.(args, moduleDir)
      if (!inner) { diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `${node.kind.name} inside an imported module is not supported by shoal` }); continue }
      if (depth > MAX_DEPTH) continue
      const sub = importedModule(inner, moduleDir, minStability, sources, depth + 1)
      diagnostics.push(...sub.diagnostics)
      graph.scope.imports.get(node.label)!.module = sub.scope
    } catch (err) {
      diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `${node.id}: ${(err as Error).message}` })
    }
  }
  return { scope: graph.scope, diagnostics }
}

interface CheckCtx { minStability?: Stability, sources: Map<string, string>, depth: number }

/** Exports with their declared shapes, and the ids whose values are not known before running. */
function placeholders (graph: Graph): { exports: Map<string, Exports>, soft: Set<string> } {
  const exports = new Map<string, Exports>()
  const soft = new Set<string>()
  for (const id of graph.order) {
    const node = graph.nodes.get(id)!
    exports.set(id, placeholderExports(node.kind))
    if (node.role === 'unknown') soft.add(id)
  }
  return { exports, soft }
}

/**
 * The static check of one module body: every node evaluated against placeholders, declared
 * components checked through their bodies with the argument values the instance passes.
 * Nodes that read values shoal cannot know (a kind it does not have, an import it cannot read
 * without the network) are not judged on them.
 */
function checkGraph (graph: Graph, exports: Map<string, Exports>, soft: Set<string>, args: Record<string, Value>, softArgs: Set<string>, ctx: CheckCtx): { diagnostics: Diagnostic[], exports: Exports, soft: boolean } {
  const diagnostics: Diagnostic[] = []
  const moduleExports: Exports = {}
  let softExports = false
  for (const id of graph.order) {
    const node = graph.nodes.get(id)!
    const scope = componentScope(graph, exports, graph.scope.moduleDir)
    const isSoft = graph.broken.has(id) || [...node.dependsOn].some(d => soft.has(d))
    const { args: value, diagnostics: d } = evaluateNode(node, scope)
    // A function or an index failing on what another component exports (a placeholder here:
    // json_path(local.file.x.content, …)[0]) is not judged, nor what reads this node; the same
    // failure on literals is.
    const onData = node.dependsOn.size > 0 && d.some(x => x.fromData === true)
    if (isSoft || onData) soft.add(id)
    if (!isSoft) diagnostics.push(...(onData ? d.filter(x => x.fromData !== true) : d))
    const failed = d.some(x => x.severity === 'error')
    switch (node.role) {
      case 'argument': {
        const a = value as ArgumentArgs
        const has = Object.prototype.hasOwnProperty.call(args, node.label)
        if (!has && !a.optional) {
          diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `missing required argument "${node.label}" to module` })
          soft.add(id)
        }
        exports.set(id, { value: has ? args[node.label] : (a.default as Value ?? null) })
        if (softArgs.has(node.label)) soft.add(id)
        break
      }
      case 'export':
        moduleExports[node.label] = failed ? null : (value as { value: Value }).value
        if (isSoft || failed) softExports = true
        break
      case 'import': {
        if (failed || isSoft) break
        const kind = IMPORT_KINDS.get(node.kind.name)!
        let src: ModuleSource | undefined
        try { src = kind.readNow?.(value, graph.scope.moduleDir) } catch (err) {
          diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `${node.id}: ${(err as Error).message}` })
          break
        }
        if (!src) break // import.git / import.http: not fetched by validate; what uses them is not judged
        const m = importedModule(src, graph.scope.moduleDir, ctx.minStability, ctx.sources)
        diagnostics.push(...m.diagnostics)
        graph.scope.imports.get(node.label)!.module = m.scope
        break
      }
      case 'custom': {
        const { def, slot } = resolveCustom(graph.scope, node.kind.name)
        if (!def) {
          if (slot && slot.module === undefined) { soft.add(id); break }
          diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: slot ? `module ${slot.nodeId} has no declare named "${node.kind.name.split('.')[1]}"` : `no declare named "${node.kind.name}" in scope` })
          break
        }
        if (ctx.depth >= MAX_DEPTH) { diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message: `custom components nested more than ${MAX_DEPTH} deep (does a declare instantiate itself?)` }); break }
        const values = value as Record<string, Value>
        const declared = new Set(def.block.body.filter(s => s.kind === 'Block' && s.name.join('.') === 'argument').map(s => (s as { label?: string }).label))
        for (const s of node.block.body) {
          if (s.kind === 'Attribute' && !declared.has(s.name.name)) diagnostics.push({ severity: 'warning', file: node.file, span: s.name.span, message: `${node.kind.name} has no argument named "${s.name.name}" (ignored)` })
        }
        const softA = new Set<string>()
        // A value read from what validate cannot know is passed (as null) but not judged: its
        // evaluation may have failed on a placeholder, which must not read as a missing argument.
        if (isSoft) {
          for (const s of node.block.body) {
            if (s.kind !== 'Attribute') continue
            softA.add(s.name.name)
            if (!Object.prototype.hasOwnProperty.call(values, s.name.name)) values[s.name.name] = null
          }
        }
        const items = def.block.body.map(stmt => ({ stmt, file: def.file }))
        const { graph: inner, diagnostics: gd } = buildGraph(items, { minStability: ctx.minStability, body: 'declare', parentScope: def.scope, moduleDir: def.scope.moduleDir })
        const innerDiags = [...gd]
        const ph = placeholders(inner)
        const res = checkGraph(inner, ph.exports, ph.soft, values, softA, { ...ctx, depth: ctx.depth + 1 })
        innerDiags.push(...res.diagnostics)
        // One report per problem, however many instances share the declare.
        for (const x of innerDiags) {
          if (!diagnostics.some(y => y.file === x.file && y.span.start.offset === x.span.start.offset && y.message === x.message)) diagnostics.push(x)
        }
        exports.set(id, res.exports)
        if (res.soft) soft.add(id)
        break
      }
    }
  }
  return { diagnostics, exports: moduleExports, soft: softExports }
}

function health (state: Health['state'], message: string): Health {
  return { state, message, updatedTime: new Date() }
}

function parseAll (sources: readonly SourceFile[]): { items: BodyItem[], diagnostics: Diagnostic[] } {
  const items: BodyItem[] = []
  const diagnostics: Diagnostic[] = []
  for (const s of sources) {
    const res = parseFile(s.name, s.source)
    for (const stmt of res.file.body) items.push({ stmt, file: s.name })
    diagnostics.push(...res.diagnostics)
  }
  return { items, diagnostics }
}

function evaluateNode (node: ComponentNode, scope: Scope): { args: unknown, diagnostics: Diagnostic[] } {
  if (node.role === 'unknown') return { args: {}, diagnostics: [] }
  if (node.role === 'custom') return evaluateLoose(node, scope)
  const { value, diagnostics } = decodeBody(node.block.body, node.kind.args, scope, node.file, node.block.nameSpan)
  if (diagnostics.some(d => d.severity === 'error')) return { args: value, diagnostics }
  if (node.kind.validate) {
    let problems: string[]
    try { problems = node.kind.validate(value) } catch (err) { problems = [(err as Error).message] }
    for (const message of problems) diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message })
  }
  return { args: value, diagnostics }
}

/** A custom component's body: attributes of any value (its arguments), no blocks. */
function evaluateLoose (node: ComponentNode, scope: Scope): { args: Record<string, Value>, diagnostics: Diagnostic[] } {
  const args = newObject()
  const diagnostics: Diagnostic[] = []
  for (const s of node.block.body) {
    if (s.kind === 'Block') { diagnostics.push({ severity: 'error', file: node.file, span: s.nameSpan, message: `custom component ${node.kind.name} takes only attributes, not blocks ("${s.name.join('.')}")` }); continue }
    if (Object.prototype.hasOwnProperty.call(args, s.name.name)) { diagnostics.push({ severity: 'error', file: node.file, span: s.span, message: `attribute "${s.name.name}" may only be provided once` }); continue }
    try { args[s.name.name] = evaluate(s.value, scope, node.file) } catch (err) {
      if (err instanceof EvalError) diagnostics.push(err.toDiagnostic())
      else throw err
    }
  }
  return { args, diagnostics }
}

/** Values with the declared shape of a kind's exports, for components that have not run yet. */
export function placeholderExports (kind: ComponentKind): Exports {
  const out: Exports = {}
  for (const [name, spec] of Object.entries(kind.exports)) {
    switch (spec.type) {
      case 'capsule': out[name] = new Capsule(spec.capsule ?? 'unknown', undefined); break
      case 'array': out[name] = []; break
      case 'object': out[name] = newObject(); break
      case 'string': out[name] = ''; break
      case 'number': out[name] = 0; break
      case 'bool': out[name] = false; break
      case 'any': out[name] = null; break
    }
  }
  return out
}

/** Scope where `a.b.c` resolves into component exports and everything else into the standard library. */
export function componentScope (graph: Graph, exports: Map<string, Exports>, moduleDir = '.'): Scope {
  const root = newObject()
  for (const [id, ex] of exports) {
    if (!graph.nodes.has(id)) continue
    const parts = id.split('.')
    let cur: ValueObject = root
    for (let i = 0; i < parts.length - 1; i++) {
      const next = cur[parts[i]]
      if (next === undefined || typeof next !== 'object' || next === null || Array.isArray(next)) cur[parts[i]] = newObject()
      cur = cur[parts[i]] as ValueObject
    }
    const obj = newObject()
    for (const [k, v] of Object.entries(ex)) obj[k] = v
    cur[parts[parts.length - 1]] = obj
  }
  return {
    lookup (name: string): Value | undefined {
      if (Object.prototype.hasOwnProperty.call(root, name)) return root[name]
      if (name === 'module_path') return moduleDir
      return (stdlib)[name]
    },
  }
}

export { EvalError }
