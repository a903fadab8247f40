// Encodes decoded component arguments and exports in the JSON shape Alloy's API uses for
// block bodies ("alloyjson"): attributes and blocks with typed values. Secrets stay redacted.
import type { Schema } from '../vm/schema.js'
import { AlloyFunction, Capsule, Secret } from '../vm/value.js'
import { formatDuration } from '../vm/duration.js'
import type { JSONStmt, JSONValue } from './ui/client/wire.mjs'

export type { JSONStmt, JSONValue } from './ui/client/wire.mjs'

export function encodeValue (v: unknown): JSONValue {
  if (v === null || v === undefined) return { type: 'null', value: null }
  if (typeof v === 'number') return { type: 'number', value: Number.isFinite(v) ? v : String(v) }
  if (typeof v === 'string') return { type: 'string', value: v }
  if (typeof v === 'boolean') return { type: 'bool', value: v }
  if (v instanceof Secret) return { type: 'capsule', value: '(secret)' }
  if (v instanceof AlloyFunction) return { type: 'function', value: v.toString() }
  if (v instanceof Capsule) return { type: 'capsule', value: v.toString() }
  if (Array.isArray(v)) return { type: 'array', value: v.map(encodeValue) }
  const proto: unknown = Object.getPrototypeOf(v)
  const hasMethods = Object.values(v).some(x => typeof x === 'function')
  if ((proto !== null && proto !== Object.prototype) || hasMethods) {
    const name = proto === null || proto === Object.prototype ? 'Appendable' : ((v).constructor?.name ?? 'unknown')
    return { type: 'capsule', value: `capsule("${name}")` }
  }
  return {
    type: 'object',
    value: Object.keys(v).sort().map(key => ({ key, value: encodeValue((v as Record<string, unknown>)[key]) })),
  }
}

/** Encodes a decoded body by its schema, so blocks show as blocks and attributes as attributes. */
export function encodeBody (schema: Schema, value: unknown): JSONStmt[] {
  const out: JSONStmt[] = []
  if (value === null || typeof value !== 'object') return out
  const obj = value as Record<string, unknown>
  for (const [name, spec] of Object.entries(schema)) {
    const v = obj[name]
    if (spec.kind === 'attr') {
      if (v === undefined) continue
      // Durations are kept in milliseconds; show them as the user writes them.
      const shown = spec.type.kind === 'duration' && typeof v === 'number' ? formatDuration(v) : v
      out.push({ name, type: 'attr', value: encodeValue(shown) })
    } else {
      const items = spec.multiple ? (Array.isArray(v) ? v : []) : (v === undefined || v === null ? [] : [v])
      for (const item of items) out.push({ name, type: 'block', body: encodeBody(spec.body, item) })
    }
  }
  return out
}

/** Exports as Alloy shows them: one attribute per export. */
export function encodeExports (exports: Record<string, unknown>): JSONStmt[] {
  return Object.keys(exports).sort().map(name => ({ name, type: 'attr' as const, value: encodeValue(exports[name]) }))
}
