// The set of component kinds shoal knows. Kinds register themselves from src/components/index.ts.
import type { ComponentKind } from './component.js'

const kinds = new Map<string, ComponentKind>()

export function register (kind: ComponentKind): void {
  if (kinds.has(kind.name)) throw new Error(`component kind ${kind.name} registered twice`)
  kinds.set(kind.name, kind)
}

export function lookupKind (name: string): ComponentKind | undefined {
  return kinds.get(name)
}

/** True when some registered kind's name starts with `prefix.` (used to tell a component reference from a stdlib one). */
export function isComponentNamespace (first: string): boolean {
  for (const name of kinds.keys()) if (name.startsWith(first + '.')) return true
  return false
}
