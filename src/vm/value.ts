// Runtime values of the Alloy language. Plain JS values where the language has them
// (number, string, boolean, null, arrays, objects with a null prototype); classes for the rest.

export type Value =
  | number
  | string
  | boolean
  | null
  | Value[]
  | ValueObject
  | AlloyFunction
  | Capsule
  | Secret

export interface ValueObject { [key: string]: Value }

/** A string that must never be shown: logs, errors and the UI print `(secret)`. */
export class Secret {
  readonly #value: string
  constructor (value: string) { this.#value = value }
  /** The real value; call only where it is used (an HTTP header, a password). */
  reveal (): string { return this.#value }
  toString (): string { return '(secret)' }
  toJSON (): string { return '(secret)' }
  [Symbol.for('nodejs.util.inspect.custom')] (): string { return '(secret)' }
}

/** An opaque Go-style capsule: a value only components understand (e.g. an Appendable receiver). */
export class Capsule<T = unknown> {
  constructor (readonly type: string, readonly value: T) {}
  toString (): string { return `capsule("${this.type}")` }
  toJSON (): string { return `capsule("${this.type}")` }
}

export class AlloyFunction {
  constructor (
    readonly name: string,
    readonly call: (args: Value[]) => Value,
    /** Pure functions may be evaluated once; impure ones (sys.env) on every evaluation. */
    readonly pure = true
  ) {}

  toString (): string { return `function(${this.name})` }
  toJSON (): string { return `function(${this.name})` }
}

/** The Alloy type name of a value, as used in error messages ("expected string, got number"). */
export function typeName (v: Value | undefined): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number') return 'number'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return 'array'
  if (v instanceof Secret) return 'secret'
  if (v instanceof Capsule) return 'capsule'
  if (v instanceof AlloyFunction) return 'function'
  return 'object'
}

export function newObject (): ValueObject {
  return Object.create(null) as ValueObject
}
