// Turns parsed files into the component graph: which blocks are components, which are
// top-level config blocks, how they reference each other, and an evaluation order.
// Every problem is a positioned diagnostic; nothing here runs a component.
import type { BlockStmt, File, Span } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import { references } from '../vm/refs.js'
import type { ComponentKind, Stability } from './component.js'
import { isComponentNamespace, lookupKind } from './registry.js'

/** Top-level blocks that configure the process rather than declare a component. */
export const CONFIG_BLOCKS = new Set(['logging', 'tracing', 'http', 'livedebugging', 'remotecfg', 'foreach'])
/** Module features shoal does not run yet. */
const MODULE_BLOCKS = new Set(['declare', 'argument', 'export', 'import.file', 'import.git', 'import.http', 'import.string'])

export interface ComponentNode {
  readonly id: string
  readonly label: string
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

export interface Graph {
  readonly nodes: Map<string, ComponentNode>
  /** Component ids in dependency order (dependencies first). */
  readonly order: string[]
  readonly configBlocks: ConfigBlock[]
  /** Ids of the components that reference each id. */
  readonly dependents: Map<string, Set<string>>
}

function diag (file: string, span: Span, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { severity, file, span, message }
}

const STABILITY_RANK: Record<Stability, number> = { experimental: 0, 'public-preview': 1, 'generally-available': 2 }

export function buildGraph (files: readonly File[], minStability: Stability = 'generally-available'): { graph: Graph, diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const nodes = new Map<string, ComponentNode>()
  const configBlocks: ConfigBlock[] = []
  const seenConfig = new Map<string, ConfigBlock>()

  for (const file of files) {
    for (const stmt of file.body) {
      if (stmt.kind === 'Attribute') {
        diagnostics.push(diag(file.name, stmt.name.span, `unrecognized attribute name "${stmt.name.name}"`))
        continue
      }
      const name = stmt.name.join('.')
      if (CONFIG_BLOCKS.has(name)) {
        if (stmt.label !== undefined) {
          diagnostics.push(diag(file.name, stmt.labelSpan ?? stmt.nameSpan, `block "${name}" does not support specifying labels`))
          continue
        }
        const prev = seenConfig.get(name)
        if (prev) {
          diagnostics.push(diag(file.name, stmt.nameSpan, `"${name}" block already declared at ${where(prev.file, prev.block.nameSpan)}`))
          continue
        }
        const cb = { name, block: stmt, file: file.name }
        seenConfig.set(name, cb)
        configBlocks.push(cb)
        continue
      }
      if (MODULE_BLOCKS.has(name)) {
        diagnostics.push(diag(file.name, stmt.nameSpan, `"${name}" blocks (modules) are not supported by shoal yet`))
        continue
      }
      const kind = lookupKind(name)
      if (!kind) {
        diagnostics.push(diag(file.name, stmt.nameSpan, `unrecognized block name "${name}"`))
        continue
      }
      if (STABILITY_RANK[kind.stability] < STABILITY_RANK[minStability]) {
        diagnostics.push(diag(file.name, stmt.nameSpan, `component "${name}" is at stability level "${kind.stability}", which is below the minimum allowed stability level "${minStability}". Use --stability.level command-line flag to enable ${kind.stability} features`))
        continue
      }
      if (stmt.label === undefined) {
        diagnostics.push(diag(file.name, stmt.nameSpan, `component "${name}" must have a label`))
        continue
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(stmt.label)) {
        diagnostics.push(diag(file.name, stmt.labelSpan ?? stmt.nameSpan, `component "${name}" has invalid label "${stmt.label}": labels must be valid identifiers`))
        continue
      }
      const id = `${name}.${stmt.label}`
      const prev = nodes.get(id)
      if (prev) {
        diagnostics.push(diag(file.name, stmt.nameSpan, `block ${id} already declared at ${where(prev.file, prev.block.nameSpan)}`))
        continue
      }
      nodes.set(id, { id, label: stmt.label, kind, block: stmt, file: file.name, dependsOn: new Set() })
    }
  }

  // References: the longest prefix of an access chain that names a component.
  for (const node of nodes.values()) {
    for (const ref of references(node.block.body)) {
      if (!isComponentNamespace(ref.path[0])) continue
      let target: ComponentNode | undefined
      let depth = 0
      for (let i = ref.path.length; i >= 2; i--) {
        const candidate = nodes.get(ref.path.slice(0, i).join('.'))
        if (candidate) { target = candidate; depth = i; break }
      }
      if (!target) {
        diagnostics.push(diag(node.file, ref.span, `component "${ref.path.join('.')}" does not exist or is out of scope`))
        continue
      }
      if (target.id === node.id) {
        diagnostics.push(diag(node.file, ref.span, `component ${node.id} references itself`))
        continue
      }
      const exportName = ref.path[depth]
      if (exportName !== undefined && !(exportName in target.kind.exports)) {
        const known = Object.keys(target.kind.exports)
        diagnostics.push(diag(node.file, ref.span, `${target.id} has no export named "${exportName}"` +
          (known.length > 0 ? ` (it exports ${known.join(', ')})` : ' (it exports nothing)')))
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
  return { graph: { nodes, order, configBlocks, dependents }, diagnostics }
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
