// What a block accepts: the component (or nested block) declares its body as a Schema and
// vm/decode.ts turns an AST body into a plain object keyed by the user's config keys,
// with defaults applied and every problem reported as a positioned Diagnostic.

export type Type =
  | { readonly kind: 'any' }
  | { readonly kind: 'string' }
  | { readonly kind: 'number', readonly int?: boolean, readonly min?: number }
  | { readonly kind: 'bool' }
  /** A Go duration string ("15s", "1m30s", "250ms") decoded to milliseconds. */
  | { readonly kind: 'duration' }
  /** A string or a secret, decoded to a Secret. */
  | { readonly kind: 'secret' }
  /** An array of `of`. */
  | { readonly kind: 'array', readonly of: Type }
  /** An object with arbitrary keys whose values are `of` (e.g. labels: map(string)). */
  | { readonly kind: 'map', readonly of: Type }
  /** A capsule of the named type (e.g. 'Appendable'); decoded to the capsule's inner value. */
  | { readonly kind: 'capsule', readonly name: string }
  /** One of fixed strings. */
  | { readonly kind: 'enum', readonly values: readonly string[] }

export interface AttrSpec {
  readonly kind: 'attr'
  readonly type: Type
  readonly required?: boolean
  /** Applied when the attribute is absent. */
  readonly default?: unknown
}

export interface BlockSpec {
  readonly kind: 'block'
  readonly body: Schema
  /** May appear many times; decoded to an array (empty when absent). */
  readonly multiple?: boolean
  readonly required?: boolean
}

/** Config key → attribute or nested block. */
export interface Schema { readonly [key: string]: AttrSpec | BlockSpec }

export const t = {
  any: { kind: 'any' } as const,
  string: { kind: 'string' } as const,
  number: { kind: 'number' } as const,
  int: { kind: 'number', int: true } as const,
  bool: { kind: 'bool' } as const,
  duration: { kind: 'duration' } as const,
  secret: { kind: 'secret' } as const,
  array: (of: Type): Type => ({ kind: 'array', of }),
  map: (of: Type): Type => ({ kind: 'map', of }),
  capsule: (name: string): Type => ({ kind: 'capsule', name }),
  enum: (...values: string[]): Type => ({ kind: 'enum', values }),
}

export function attr (type: Type, opts: { required?: boolean, default?: unknown } = {}): AttrSpec {
  return { kind: 'attr', type, ...opts }
}

export function block (body: Schema, opts: { multiple?: boolean, required?: boolean } = {}): BlockSpec {
  return { kind: 'block', body, ...opts }
}
