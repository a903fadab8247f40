// Converting an evaluated Value to a declared schema Type, with Alloy's implicit
// conversions: number <-> string, string -> secret (never secret -> string),
// capsule -> its inner value when the capsule type matches.
import type { Type } from './schema.js'
import type { Value, ValueObject } from './value.js'
import { AlloyFunction, Capsule, Secret, typeName } from './value.js'
import { parseDuration } from './duration.js'
import { ValueError, typeError } from './value-error.js'

/** Go's strconv.FormatFloat(f, 'f', -1, 64) for floats; plain digits for integers. */
export function numberToString (n: number): string {
  const s = String(n)
  if (!/e/i.test(s)) return s
  // Expand exponent notation: Go never prints an exponent here.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)
  if (m === null) return s
  const [, sign, lead, rest = '', expStr] = m
  const digits = lead + rest
  const exp = Number(expStr)
  if (exp >= 0) {
    const intLen = 1 + exp
    if (digits.length <= intLen) return sign + digits.padEnd(intLen, '0')
    return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
}

/** A string, or a number rendered as one (Alloy converts numbers to strings implicitly). */
export function toStr (v: Value): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  if (v instanceof Secret) throw new ValueError('secrets may not be converted into strings')
  throw typeError('string', v)
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/** A number, or a string holding one (Alloy's string -> number conversion rules). */
export function toNum (v: Value): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    let ok: boolean
    if (v === '') ok = false
    else if (v[0] === '-') ok = /^-\d+$/.test(v)
    else if (/[.eE]/.test(v)) ok = FLOAT.test(v)
    else ok = /^\d+$/.test(v)
    if (ok) return Number(v)
  }
  throw typeError('number', v)
}

export function toBool (v: Value): boolean {
  if (typeof v === 'boolean') return v
  throw typeError('bool', v)
}

export function toSecret (v: Value): Secret {
  if (v instanceof Secret) return v
  if (typeof v === 'string') return new Secret(v)
  if (typeof v === 'number') return new Secret(numberToString(v))
  throw typeError('secret', v)
}

export function isObject (v: Value | undefined): v is ValueObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) &&
    !(v instanceof Secret) && !(v instanceof Capsule) && !(v instanceof AlloyFunction)
}

/**
 * Converts `v` to `type`. Throws ValueError whose path points inside `v` at the culprit.
 * Arrays and maps are rebuilt, so the result never aliases the input's containers.
 */
export function convertValue (v: Value, type: Type): unknown {
  switch (type.kind) {
    case 'any': return v
    case 'string': return toStr(v)
    case 'bool': return toBool(v)
    case 'secret': return toSecret(v)
    case 'number': {
      let n = toNum(v)
      // Go decodes a float into an int field by truncation.
      if (type.int === true) n = Math.trunc(n)
      if (type.min !== undefined && n < type.min) {
        throw new ValueError(`must be at least ${type.min}, got ${numberToString(n)}`)
      }
      return n
    }
    case 'duration': {
      const s = toStr(v)
      try {
        return parseDuration(s)
      } catch (err) {
        throw new ValueError((err as Error).message)
      }
    }
    case 'enum': {
      const s = toStr(v)
      if (!type.values.includes(s)) {
        throw new ValueError(`invalid value ${JSON.stringify(s)}, must be one of ${type.values.map(x => JSON.stringify(x)).join(', ')}`)
      }
      return s
    }
    case 'array': {
      if (!Array.isArray(v)) throw typeError('array', v)
      return v.map((el, i) => {
        try {
          return convertValue(el, type.of)
        } catch (err) {
          throw rethrowWithin(err, i)
        }
      })
    }
    case 'map': {
      if (!isObject(v)) throw typeError('object', v)
      // A plain object (friendlier to consumers); defineProperty keeps "__proto__" an ordinary key.
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        try {
          Object.defineProperty(out, key, { value: convertValue(v[key], type.of), enumerable: true, writable: true, configurable: true })
        } catch (err) {
          throw rethrowWithin(err, key)
        }
      }
      return out
    }
    case 'capsule': {
      if (v instanceof Capsule) {
        if (v.type === type.name) return v.value
        throw new ValueError(`expected capsule("${type.name}"), got capsule("${v.type}")`)
      }
      throw new ValueError(`expected capsule("${type.name}"), got ${typeName(v)}`)
    }
  }
}

function rethrowWithin (err: unknown, step: string | number): unknown {
  return err instanceof ValueError ? err.within(step) : err
}
