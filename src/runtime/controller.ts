// The component controller (Alloy's "flow" controller): loads a config, evaluates components
// in dependency order, re-evaluates dependents when exports change, and applies reloads as a
// diff so unchanged components keep running untouched.
import { join } from 'node:path'
import type { Registry } from 'prom-client'
import type { File, Span } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import { parseFile } from '../syntax/parser.js'
import type { Logger } from '../logging/logger.js'
import { decodeBody } from '../vm/decode.js'
import { EvalError, type Scope } from '../vm/evaluate.js'
import { stdlib } from '../vm/stdlib.js'
import { Capsule, newObject, type Value, type ValueObject } from '../vm/value.js'
import type { Component, ComponentKind, Exports, Health, Stability } from './component.js'
import { deepEqual } from './equal.js'
import { buildGraph, type ComponentNode, type ConfigBlock, type Graph } from './graph.js'
import type { SourceFile } from './source.js'

export interface ControllerOptions {
  storagePath: string
  logger: Logger
  registry: Registry
  services?: Map<string, unknown>
  minStability?: Stability
  /** Called with each accepted config's top-level blocks (logging, ...), before components are applied. */
  onConfigBlocks?: (blocks: ConfigBlock[], scope: Scope) => Diagnostic[]
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
}

export interface ComponentInfo {
  id: string
  name: string
  label: string
  kind: ComponentKind
  file: string
  span: Span
  args: unknown
  exports: Exports
  health: Health
  referencesTo: string[]
  referencedBy: string[]
  debugInfo: unknown
}

const STOP_TIMEOUT_MS = 10_000

export class Controller {
  readonly #opts: ControllerOptions
  readonly #log: Logger
  #graph: Graph | undefined
  readonly #running = new Map<string, Running>()
  #loading = false
  #flushScheduled = false
  #loadChain: Promise<unknown> = Promise.resolve()
  #stopped = false

  constructor (opts: ControllerOptions) {
    this.#opts = opts
    this.#log = opts.logger
  }

  /** Parses and type-checks without running anything (shoal validate). */
  static check (sources: SourceFile[], onConfigBlocks?: ControllerOptions['onConfigBlocks'], minStability?: Stability): Diagnostic[] {
    const { files, diagnostics } = parseAll(sources)
    if (diagnostics.some(d => d.severity === 'error')) return diagnostics
    const { graph, diagnostics: gd } = buildGraph(files, minStability)
    diagnostics.push(...gd)
    if (gd.some(d => d.severity === 'error')) return diagnostics
    const exports = new Map<string, Exports>()
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      exports.set(id, placeholderExports(node.kind))
    }
    const scope = componentScope(graph, exports)
    if (onConfigBlocks) diagnostics.push(...onConfigBlocks(graph.configBlocks, scope))
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      diagnostics.push(...evaluateNode(node, scope).diagnostics)
    }
    return diagnostics
  }

  /** Loads (or reloads) a config. Serialized: concurrent calls wait for each other. */
  load (sources: SourceFile[]): Promise<LoadResult> {
    const next = this.#loadChain.then(() => this.#load(sources))
    this.#loadChain = next.catch(() => {})
    return next
  }

  async #load (sources: SourceFile[]): Promise<LoadResult> {
    const sourceMap = new Map(sources.map(s => [s.name, s.source]))
    const { files, diagnostics } = parseAll(sources)
    const fail = (): LoadResult => ({ ok: false, diagnostics, sources: sourceMap })
    if (diagnostics.some(d => d.severity === 'error')) return fail()
    const { graph, diagnostics: gd } = buildGraph(files, this.#opts.minStability)
    diagnostics.push(...gd)
    if (gd.some(d => d.severity === 'error')) return fail()

    // Dry run: evaluate everything against current exports (placeholders for components that do
    // not run yet), so a broken config is rejected before anything running is touched.
    const dryExports = new Map<string, Exports>()
    const fresh = new Set<string>()
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      const cur = this.#running.get(id)
      if (cur && cur.node.kind === node.kind && cur.instance) dryExports.set(id, cur.exports)
      else { dryExports.set(id, placeholderExports(node.kind)); fresh.add(id) }
    }
    const dryScope = componentScope(graph, dryExports)
    const configDiags = this.#opts.onConfigBlocks?.(graph.configBlocks, dryScope) ?? []
    diagnostics.push(...configDiags)
    for (const id of graph.order) {
      const node = graph.nodes.get(id)!
      // Values read from components that have never run are placeholders; errors that
      // depend on them are found (and reported) when the real values exist.
      if ([...node.dependsOn].some(d => fresh.has(d))) continue
      diagnostics.push(...evaluateNode(node, dryScope).diagnostics)
    }
    if (diagnostics.some(d => d.severity === 'error')) return fail()

    // Apply: stop what was removed, then update or build in dependency order.
    this.#loading = true
    try {
      const removed = [...this.#running.values()].filter(r => {
        const n = graph.nodes.get(r.node.id)
        return !n || n.kind !== r.node.kind
      })
      await Promise.all(removed.map(r => this.#stopOne(r)))
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
        diagnostics.push(...await this.#evaluateAndApply(r))
      }
    } finally {
      this.#loading = false
    }
    const ok = !diagnostics.some(d => d.severity === 'error')
    return { ok, diagnostics, sources: sourceMap }
  }

  async #evaluateAndApply (r: Running): Promise<Diagnostic[]> {
    const graph = this.#graph!
    const exports = new Map<string, Exports>()
    for (const [id, run] of this.#running) exports.set(id, run.exports)
    const { args, diagnostics } = evaluateNode(r.node, componentScope(graph, exports))
    if (diagnostics.some(d => d.severity === 'error')) {
      r.evalHealth = health('unhealthy', diagnostics.filter(d => d.severity === 'error').map(d => d.message).join('; '))
      return diagnostics
    }
    try {
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
      const msg = (err as Error).message
      r.evalHealth = health('unhealthy', msg)
      return [{ severity: 'error', file: r.node.file, span: r.node.block.nameSpan, message: `${r.node.id}: ${msg}` }]
    }
    return diagnostics
  }

  #globals (r: Running): import('./component.js').ComponentGlobals {
    const id = r.node.id
    return {
      id,
      dataPath: join(this.#opts.storagePath, id),
      logger: this.#log.with({ component_path: '/', component_id: id }),
      registry: this.#opts.registry,
      service: <T>(name: string) => this.#opts.services?.get(name) as T | undefined,
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
    this.#running.delete(r.node.id)
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
      const diags = await this.#evaluateAndApply(r)
      for (const d of diags) if (d.severity === 'error') this.#log.error('failed to evaluate component', { component_id: id, err: d.message })
    }
  }

  components (): ComponentInfo[] {
    if (!this.#graph) return []
    const out: ComponentInfo[] = []
    for (const id of this.#graph.order) {
      const r = this.#running.get(id)
      if (r) out.push(this.#info(r, this.#graph))
    }
    return out
  }

  component (id: string): ComponentInfo | undefined {
    const r = this.#running.get(id)
    return r && this.#graph?.nodes.has(id) ? this.#info(r, this.#graph) : undefined
  }

  #info (r: Running, graph: Graph): ComponentInfo {
    const n = r.node
    const info: Omit<ComponentInfo, 'debugInfo'> = {
      id: n.id, name: n.kind.name, label: n.label, kind: n.kind, file: n.file, span: n.block.span,
      args: r.args, exports: r.exports, health: this.#health(r),
      referencesTo: [...n.dependsOn].sort(), referencedBy: [...(graph.dependents.get(n.id) ?? [])].sort(),
    }
    // Debug info can be large (a scrape with thousands of targets): built only when read.
    return Object.defineProperty(info, 'debugInfo', {
      enumerable: true,
      get: () => {
        try { return r.instance?.debugInfo?.() } catch (err) { return { error: (err as Error).message } }
      },
    }) as ComponentInfo
  }

  /** The running instance (tests check that reloads keep it). */
  instance (id: string): Component | undefined {
    return this.#running.get(id)?.instance
  }

  #health (r: Running): Health {
    if (r.evalHealth.state === 'unhealthy') return r.evalHealth
    if (r.exited) return r.exitError ? health('unhealthy', `component exited: ${r.exitError.message}`) : health('exited', 'component exited')
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
  }
}

function health (state: Health['state'], message: string): Health {
  return { state, message, updatedTime: new Date() }
}

function parseAll (sources: SourceFile[]): { files: File[], diagnostics: Diagnostic[] } {
  const files: File[] = []
  const diagnostics: Diagnostic[] = []
  for (const s of sources) {
    const res = parseFile(s.name, s.source)
    files.push(res.file)
    diagnostics.push(...res.diagnostics)
  }
  return { files, diagnostics }
}

function evaluateNode (node: ComponentNode, scope: Scope): { args: unknown, diagnostics: Diagnostic[] } {
  const { value, diagnostics } = decodeBody(node.block.body, node.kind.args, scope, node.file, node.block.nameSpan)
  if (diagnostics.some(d => d.severity === 'error')) return { args: value, diagnostics }
  if (node.kind.validate) {
    let problems: string[]
    try { problems = node.kind.validate(value) } catch (err) { problems = [(err as Error).message] }
    for (const message of problems) diagnostics.push({ severity: 'error', file: node.file, span: node.block.nameSpan, message })
  }
  return { args: value, diagnostics }
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
    }
  }
  return out
}

/** Scope where `a.b.c` resolves into component exports and everything else into the standard library. */
export function componentScope (graph: Graph, exports: Map<string, Exports>): Scope {
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
      return (stdlib as ValueObject)[name]
    },
  }
}

export { EvalError }
