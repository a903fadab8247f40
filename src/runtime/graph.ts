// Turns a module body (the main config's files, a declare's body, an imported module) into
// the component graph: which blocks are components (built-in or declared), arguments, exports,
// imports and top-level config blocks, how they reference each other, and an evaluation order.
// Every problem is a positioned diagnostic; nothing here runs a component.
import type { BlockStmt, Span, Stmt } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import { references } from '../vm/refs.js'
import type { ComponentKind, Stability } from './component.js'
import { DeclareScope, type DeclareDef } from './module-scope.js'
import { isComponentNamespace, lookupKind } from './registry.js'
import { ARGUMENT_KIND, EXPORT_KIND, IMPORT_KINDS, importAsComponentKind } from './module-kinds.js'

/** Top-level blocks that configure the process rather than declare a component. */
export const CONFIG_BLOCKS = new Set(['logging', 'tracing', 'http', 'livedebugging', 'remotecfg', 'foreach'])

/**
 * component: a built-in kind; custom: an instance of a `declare`d component; argument/export:
 * a module's inputs and outputs; import: an `import.*` block; unknown: a block naming a kind
 * shoal does not have (kept, so what references it is not reported twice).
 */
export type NodeRole = 'component' | 'custom' | 'argument' | 'export' | 'import' | 'unknown'

export interface ComponentNode {
  readonly id: string
  readonly label: string
  readonly role: NodeRole
  readonly kind: ComponentKind
  readonly block: BlockStmt
  readonly file: string
  /** Ids of components this one references. */
  readonly dependsOn: Set<string>
}

export interface ConfigBlock {
  readonly name: string
  readonly block: BlockStmt
  readonly file: string
}

/** One statement of a module body with the file it was written in. */
export interface BodyItem {
  readonly stmt: Stmt
  readonly file: string
}

/** root: the main config; declare: a declare's body; imported: a module read by an import block. */
export type BodyKind = 'root' | 'declare' | 'imported'

export interface Graph {
  readonly nodes: Map<string, ComponentNode>
  /** Component ids in dependency order (dependencies first). */
  readonly order: string[]
  readonly configBlocks: ConfigBlock[]
  /** Ids of the components that reference each id. */
  readonly dependents: Map<string, Set<string>>
  /** The declares and imports of this body (its parent: the enclosing body's). */
  readonly scope: DeclareScope
  /** Nodes with a reference error already reported (their evaluation would only repeat it). */
  readonly broken: Set<string>
}

function diag (file: string, span: Span, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { severity, file, span, message }
}

const STABILITY_RANK: Record<Stability, number> = { experimental: 0, 'public-preview': 1, 'generally-available': 2 }
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A kind standing for a declared component, or for one shoal does not have; exports are checked elsewhere. */
function stubKind (name: string): ComponentKind {
  return { name, stability: 'generally-available', args: {}, exports: {}, build () { throw new Error(`${name} cannot be built`) } }
}

/** The export labels of a declare's body. */
export function declaredExports (def: DeclareDef): string[] {
  return def.block.body.filter((s): s is BlockStmt => s.kind === 'Block' && s.name.join('.') === 'export' && s.label !== undefined).map(s => s.label!)
}

export interface GraphOptions {
  readonly minStability?: Stability
  readonly body: BodyKind
  /** Scope of the enclosing body (undefined at the root and for imported modules). */
  readonly parentScope?: DeclareScope
  /** `module_path` in this body. */
  readonly moduleDir: string
}

export function buildGraph (items: readonly BodyItem[], opts: GraphOptions): { graph: Graph, diagnostics: Diagnostic[] } {
  const minStability = opts.minStability ?? 'generally-available'
  const diagnostics: Diagnostic[] = []
  const nodes = new Map<string, ComponentNode>()
  const configBlocks: ConfigBlock[] = []
  const seenConfig = new Map<string, ConfigBlock>()
  const scope = new DeclareScope(opts.parentScope, opts.moduleDir)
  const blocks: Array<{ stmt: BlockStmt, file: string }> = []

  // First the declares and import namespaces, so a block can use one written after it.
  for (const { stmt, file } of items) {
    if (stmt.kind === 'Attribute') {
      diagnostics.push(diag(file, stmt.name.span, `unrecognized attribute name "${stmt.name.name}"`))
      continue
    }
    const name = stmt.name.join('.')
    if (name === 'declare' || IMPORT_KINDS.has(name)) {
      if (stmt.label === undefined) { diagnostics.push(diag(file, stmt.nameSpan, `${name} block must have a label`)); continue }
      if (!LABEL.test(stmt.label)) { diagnostics.push(diag(file, stmt.labelSpan ?? stmt.nameSpan, `${name} block has invalid label "${stmt.label}": labels must be valid identifiers`)); continue }
      if (name === 'declare' && stmt.label === 'declare') { diagnostics.push(diag(file, stmt.labelSpan ?? stmt.nameSpan, "'declare' is not a valid label for a declare block")); continue }
      if (scope.declares.has(stmt.label) || scope.imports.has(stmt.label)) {
        const prev = scope.declares.get(stmt.label)
        diagnostics.push(diag(file, stmt.nameSpan, prev ? `declare block ${stmt.label} already declared at ${where(prev.file, prev.block.nameSpan)}` : `import block redefined ${stmt.label}`))
        continue
      }
      if (name === 'declare') scope.declares.set(stmt.label, { name: stmt.label, block: stmt, file, scope })
      else scope.imports.set(stmt.label, { nodeId: `${name}.${stmt.label}`, module: undefined })
    }
    if (name !== 'declare') blocks.push({ stmt, file })
  }

  const add = (node: ComponentNode): void => {
    const prev = nodes.get(node.id)
    if (prev) diagnostics.push(diag(node.file, node.block.nameSpan, `block ${node.id} already declared at ${where(prev.file, prev.block.nameSpan)}`))
    else nodes.set(node.id, node)
  }

  for (const { stmt, file } of blocks) {
    const name = stmt.name.join('.')
    const node = (role: NodeRole, kind: ComponentKind): ComponentNode =>
      ({ id: `${name}.${stmt.label}`, label: stmt.label!, role, kind, block: stmt, file, dependsOn: new Set() })
    if (IMPORT_KINDS.has(name)) { add(node('import', importAsComponentKind(IMPORT_KINDS.get(name)!))); continue }
    if (opts.body === 'imported') {
      diagnostics.push(diag(file, stmt.nameSpan, `only declare and import blocks are allowed in a module, got ${name}`))
      continue
    }
    if (CONFIG_BLOCKS.has(name)) {
      if (opts.body !== 'root') { diagnostics.push(diag(file, stmt.nameSpan, `"${name}" block is not allowed inside a declare`)); continue }
      if (stmt.label !== undefined) {
        diagnostics.push(diag(file, stmt.labelSpan ?? stmt.nameSpan, `block "${name}" does not support specifying labels`))
        continue
      }
      const prev = seenConfig.get(name)
      if (prev) {
        diagnostics.push(diag(file, stmt.nameSpan, `"${name}" block already declared at ${where(prev.file, prev.block.nameSpan)}`))
        continue
      }
      const cb = { name, block: stmt, file }
      seenConfig.set(name, cb)
      configBlocks.push(cb)
      continue
    }
    if (name === 'argument' || name === 'export') {
      if (opts.body === 'root') { diagnostics.push(diag(file, stmt.nameSpan, `${name} blocks only allowed inside a module`)); continue }
      if (stmt.label === undefined || !LABEL.test(stmt.label)) { diagnostics.push(diag(file, stmt.labelSpan ?? stmt.nameSpan, `${name} block must have a label that is a valid identifier`)); continue }
      add(node(name, name === 'argument' ? ARGUMENT_KIND : EXPORT_KIND))
      continue
    }
    // An import namespace or a declare hides a built-in namespace of the same name, as in Alloy.
    const first = stmt.name[0]
    const custom = stmt.name.length === 1 ? scope.findDeclare(first) !== undefined : (stmt.name.length === 2 && scope.findImport(first) !== undefined)
    let role: NodeRole = 'custom'
    let kind: ComponentKind | undefined
    if (!custom) {
      kind = scope.findImport(first) ? undefined : lookupKind(name)
      if (!kind) {
        diagnostics.push(diag(file, stmt.nameSpan, `unrecognized block name "${name}"`))
        role = 'unknown'
      } else {
        role = 'component'
        if (STABILITY_RANK[kind.stability] < STABILITY_RANK[minStability]) {
          diagnostics.push(diag(file, stmt.nameSpan, `component "${name}" is at stability level "${kind.stability}", which is below the minimum allowed stability level "${minStability}". Use --stability.level command-line flag to enable ${kind.stability} features`))
          continue
        }
      }
    }
    if (stmt.label === undefined) {
      if (role !== 'unknown') diagnostics.push(diag(file, stmt.nameSpan, `component "${name}" must have a label`))
      continue
    }
    if (!LABEL.test(stmt.label)) {
      diagnostics.push(diag(file, stmt.labelSpan ?? stmt.nameSpan, `component "${name}" has invalid label "${stmt.label}": labels must be valid identifiers`))
      continue
    }
    add(node(role, kind ?? stubKind(name)))
  }

  // A custom component depends on the imports of this body that its definition uses (directly
  // or through other declares), so a changed import re-evaluates it.
  for (const node of nodes.values()) {
    if (node.role !== 'custom') continue
    for (const ns of importsUsed(node.block.name, scope, new Set())) {
      const slot = scope.imports.get(ns)
      if (slot && nodes.has(slot.nodeId)) node.dependsOn.add(slot.nodeId)
    }
  }

  // References: the longest prefix of an access chain that names a component.
  const broken = new Set<string>()
  const isNamespace = (first: string): boolean =>
    isComponentNamespace(first) || scope.hasName(first) || (first === 'argument' && opts.body !== 'root')
  for (const node of nodes.values()) {
    for (const ref of references(node.block.body)) {
      let target: ComponentNode | undefined
      let depth = 0
      for (let i = ref.path.length; i >= 2; i--) {
        const candidate = nodes.get(ref.path.slice(0, i).join('.'))
        if (candidate) { target = candidate; depth = i; break }
      }
      if (!target) {
        if (isNamespace(ref.path[0])) { diagnostics.push(diag(node.file, ref.span, `component "${ref.path.join('.')}" does not exist or is out of scope`)); broken.add(node.id) }
        continue
      }
      if (target.id === node.id) {
        diagnostics.push(diag(node.file, ref.span, `component ${node.id} references itself`))
        broken.add(node.id)
        continue
      }
      if (target.role === 'export' || target.role === 'import') {
        diagnostics.push(diag(node.file, ref.span, `${target.id} cannot be referenced`))
        broken.add(node.id)
        continue
      }
      const exportName = ref.path[depth]
      const known = exportNames(target, scope)
      if (exportName !== undefined && known !== undefined && !known.includes(exportName)) {
        diagnostics.push(diag(node.file, ref.span, `${target.id} has no export named "${exportName}"` +
          (known.length > 0 ? ` (it exports ${known.join(', ')})` : ' (it exports nothing)')))
        broken.add(node.id)
        continue
      }
      node.dependsOn.add(target.id)
    }
  }

  const dependents = new Map<string, Set<string>>()
  for (const id of nodes.keys()) dependents.set(id, new Set())
  for (const node of nodes.values()) for (const dep of node.dependsOn) dependents.get(dep)!.add(node.id)

  const { order, cycles } = topoSort(nodes)
  for (const cycle of cycles) {
    const first = nodes.get(cycle[0])!
    diagnostics.push(diag(first.file, first.block.nameSpan, `cycle detected: ${[...cycle, cycle[0]].join(' -> ')}`))
  }
  return { graph: { nodes, order, configBlocks, dependents, scope, broken }, diagnostics }
}

/** The export names a reference may use, or undefined when they are not known before evaluation. */
function exportNames (n: ComponentNode, scope: DeclareScope): string[] | undefined {
  if (n.role === 'component' || n.role === 'argument') return Object.keys(n.kind.exports)
  if (n.role === 'custom' && n.block.name.length === 1) {
    const def = scope.findDeclare(n.block.name[0])
    return def ? declaredExports(def) : undefined
  }
  return undefined
}

/** Import namespaces of `scope` used by the custom component `name`, through nested declares. */
function importsUsed (name: string[], scope: DeclareScope, seen: Set<DeclareDef>): Set<string> {
  const out = new Set<string>()
  if (name.length === 2) { out.add(name[0]); return out }
  const def = scope.findDeclare(name[0])
  if (!def || seen.has(def)) return out
  seen.add(def)
  const visit = (body: Stmt[]): void => {
    for (const s of body) {
      if (s.kind !== 'Block') continue
      const n = s.name.join('.')
      if (n === 'declare') { visit(s.body); continue }
      if (s.name.length === 2 && scope.imports.has(s.name[0])) out.add(s.name[0])
      else if (s.name.length === 1) for (const x of importsUsed(s.name, def.scope, seen)) out.add(x)
    }
  }
  visit(def.block.body)
  return out
}

function where (file: string, span: Span): string {
  return `${file}:${span.start.line}:${span.start.column}`
}

/** Kahn's algorithm in source order; whatever is left over lies on or behind a cycle. */
function topoSort (nodes: Map<string, ComponentNode>): { order: string[], cycles: string[][] } {
  const indegree = new Map<string, number>()
  for (const n of nodes.values()) indegree.set(n.id, n.dependsOn.size)
  const order: string[] = []
  const ready = [...nodes.values()].filter(n => n.dependsOn.size === 0).map(n => n.id)
  const dependents = new Map<string, string[]>()
  for (const n of nodes.values()) for (const d of n.dependsOn) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(n.id)
  while (ready.length > 0) {
    const id = ready.shift()!
    order.push(id)
    for (const dep of dependents.get(id) ?? []) {
      const left = indegree.get(dep)! - 1
      indegree.set(dep, left)
      if (left === 0) ready.push(dep)
    }
  }
  const cycles: string[][] = []
  if (order.length < nodes.size) {
    // Report each strongly connected component once (Tarjan over the leftovers).
    const left = new Set([...nodes.keys()].filter(id => !order.includes(id)))
    let index = 0
    const idx = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: string[] = []
    const onStack = new Set<string>()
    const strong = (v: string): void => {
      idx.set(v, index); low.set(v, index); index++
      stack.push(v); onStack.add(v)
      for (const w of nodes.get(v)!.dependsOn) {
        if (!left.has(w)) continue
        if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)) } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
      }
      if (low.get(v) === idx.get(v)) {
        const scc: string[] = []
        let w: string
        do { w = stack.pop()!; onStack.delete(w); scc.push(w) } while (w !== v)
        if (scc.length > 1) cycles.push(scc.reverse())
      }
    }
    for (const v of left) if (!idx.has(v)) strong(v)
  }
  return { order, cycles }
}
