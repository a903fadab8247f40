// Which custom components a module body can instantiate (Alloy's CustomComponentRegistry):
// the `declare` blocks of the body and of every enclosing body (lexical scope), and the
// namespaces of `import.*` blocks, whose content is filled in once the import is evaluated.
// Imported modules start a fresh chain: they see only their own declares and imports.
import type { BlockStmt } from '../syntax/ast.js'

export interface DeclareDef {
  readonly name: string
  readonly block: BlockStmt
  readonly file: string
  /** The scope the declare was written in: its body sees these declares and imports. */
  readonly scope: DeclareScope
}

/** The content of an import namespace: the imported module's top-level declares (and imports). */
export interface ImportSlot {
  /** Id of the import node that fills this slot (e.g. "import.file.math"). */
  readonly nodeId: string
  /** Undefined until the import was read (or when it could not be, in `shoal validate`). */
  module: DeclareScope | undefined
}

export class DeclareScope {
  readonly declares = new Map<string, DeclareDef>()
  readonly imports = new Map<string, ImportSlot>()

  /**
   * @param parent the enclosing body's scope (undefined for a root or an imported module)
   * @param moduleDir what `module_path` evaluates to in this body
   */
  constructor (readonly parent: DeclareScope | undefined, readonly moduleDir: string) {}

  findDeclare (name: string): DeclareDef | undefined {
    return this.declares.get(name) ?? this.parent?.findDeclare(name)
  }

  findImport (ns: string): ImportSlot | undefined {
    return this.imports.get(ns) ?? this.parent?.findImport(ns)
  }

  /** True when `name` is a declared component or an import namespace visible here. */
  hasName (name: string): boolean {
    return this.findDeclare(name) !== undefined || this.findImport(name) !== undefined
  }
}

/**
 * Resolves a custom component's block name: `name` is a declare in scope, `ns.name` a
 * declare of the module imported as `ns`. Undefined slot module = content not known yet.
 */
export function resolveCustom (scope: DeclareScope, blockName: string): { def?: DeclareDef, slot?: ImportSlot } {
  const dot = blockName.indexOf('.')
  if (dot < 0) return { def: scope.findDeclare(blockName) }
  const slot = scope.findImport(blockName.slice(0, dot))
  if (!slot) return {}
  return { slot, def: slot.module?.declares.get(blockName.slice(dot + 1)) }
}
