// Alloy's `==`: values of different types are never equal, arrays and objects compare
// deeply, functions never compare equal.
import type { Value, ValueObject } from './value.js'
import { AlloyFunction, Capsule, Secret, typeName } from './value.js'
import { isObject } from './convert.js'

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** `==` on any two values: deep for arrays and objects; never equal across types. */
export function valuesEqual (l: Value, r: Value): boolean {
  // A secret compares equal to the same plain string.
  if (l instanceof Secret || r instanceof Secret) {
    const ls = l instanceof Secret ? l.reveal() : l
    const rs = r instanceof Secret ? r.reveal() : r
    return typeof ls === 'string' && typeof rs === 'string' && ls === rs
  }
  if (typeName(l) !== typeName(r)) return false
  if (Array.isArray(l)) {
    const ra = r as Value[]
    return l.length === ra.length && l.every((v, i) => valuesEqual(v, ra[i]))
  }
  if (isObject(l)) {
    const ro = r as ValueObject
    const lk = Object.keys(l)
    return lk.length === Object.keys(ro).length && lk.every(k => hasOwn(ro, k) && valuesEqual(l[k], ro[k]))
  }
  if (l instanceof AlloyFunction) return false
  if (l instanceof Capsule) return r instanceof Capsule && l.type === r.type && l.value === r.value
  return l === r
}
