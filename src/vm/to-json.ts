// Values as plain JSON for the HTTP API and the UI. Secrets never leave as their value.
import type { Value } from './value.js'
import { AlloyFunction, Capsule, Secret } from './value.js'

export function valueToJSON (v: Value): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (Array.isArray(v)) return v.map(valueToJSON)
  if (v instanceof Secret) return '(secret)'
  if (v instanceof Capsule) return `capsule("${v.type}")`
  if (v instanceof AlloyFunction) return `function(${v.name})`
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) {
    // defineProperty keeps a "__proto__" key an ordinary key.
    Object.defineProperty(out, k, { value: valueToJSON(v[k]), enumerable: true, writable: true, configurable: true })
  }
  return out
}
