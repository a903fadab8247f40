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

export function allKinds (): ComponentKind[] {
  // Ordinal order: names are ASCII, and localeCompare would page in ICU collation data (MBs of RSS).
  return [...kinds.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** True when some registered kind's name starts with `prefix.` (used to tell a component reference from a stdlib one). */
export function isComponentNamespace (first: string): boolean {
  for (const name of kinds.keys()) if (name.startsWith(first + '.')) return true
  return false
}
