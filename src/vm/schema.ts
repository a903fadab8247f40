// What a block accepts: the component (or nested block) declares its body as a Schema and
// vm/decode.ts turns an AST body into a plain object keyed by the user's config keys,
// with defaults applied and every problem reported as a positioned Diagnostic.
import type { Secret } from './value.js'

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

/** How an attribute may be given; `unsupported` refuses any value other than the default. */
export interface AttrOptions {
  readonly required?: boolean
  /** Applied when the attribute is absent. */
  readonly default?: unknown
  /**
   * Alloy accepts this key but shoal does not do what Alloy does with it: any value other than
   * the default (which is what shoal does) is a config error naming the key, with this reason.
   */
  readonly unsupported?: string
}

export interface BlockOptions {
  /** May appear many times; decoded to an array (empty when absent). */
  readonly multiple?: boolean
  readonly required?: boolean
  /** Alloy accepts this block but shoal does not: its presence is a config error with this reason. */
  readonly unsupported?: string
}

export interface AttrSpec<T extends Type = Type> extends AttrOptions {
  readonly kind: 'attr'
  readonly type: T
}

export interface BlockSpec<S extends Schema = Schema> extends BlockOptions {
  readonly kind: 'block'
  readonly body: S
}

/** Config key → attribute or nested block. */
export interface Schema { readonly [key: string]: AttrSpec | BlockSpec }

/** A capsule type carries the TypeScript type of its inner value (type-level only). */
export interface CapsuleType<C> { readonly kind: 'capsule', readonly name: string, readonly __value?: C }

export const t = {
  any: { kind: 'any' } as const,
  string: { kind: 'string' } as const,
  number: { kind: 'number' } as const,
  int: { kind: 'number', int: true } as const,
  bool: { kind: 'bool' } as const,
  duration: { kind: 'duration' } as const,
  secret: { kind: 'secret' } as const,
  array: <T extends Type>(of: T): { readonly kind: 'array', readonly of: T } => ({ kind: 'array', of }),
  map: <T extends Type>(of: T): { readonly kind: 'map', readonly of: T } => ({ kind: 'map', of }),
  capsule: <C = unknown>(name: string): CapsuleType<C> => ({ kind: 'capsule', name }),
  enum: <const V extends readonly string[]>(...values: V): { readonly kind: 'enum', readonly values: V } => ({ kind: 'enum', values }),
}

/**
 * What decoding yields, carried by each spec at the type level only (computed where the spec is
 * made, so Decoded below never recurses).
 */
export interface Yields<V> { readonly __decoded?: () => V }

export function attr<T extends Type, const O extends AttrOptions = {}> (type: T, opts?: O): AttrSpec<T> & O & Yields<AttrValue<T, O>> {
  return { kind: 'attr', type, ...opts } as AttrSpec<T> & O
}

export function block<S extends Schema, const O extends BlockOptions = {}> (body: S, opts?: O): BlockSpec<S> & O & Yields<BlockValue<S, O>> {
  return { kind: 'block', body, ...opts } as BlockSpec<S> & O
}

/** The decoded TypeScript type of a value of type T (what vm/convert.ts produces). */
export type TypeOf<T> =
  T extends { kind: 'any' } ? unknown
    : T extends { kind: 'string' } ? string
      : T extends { kind: 'number' } ? number
        : T extends { kind: 'bool' } ? boolean
          : T extends { kind: 'duration' } ? number
            : T extends { kind: 'secret' } ? Secret
              : T extends { kind: 'array', of: infer O } ? Array<TypeOf<O>>
                : T extends { kind: 'map', of: infer O } ? Record<string, TypeOf<O>>
                  : T extends CapsuleType<infer C> ? C
                    : T extends { kind: 'enum', values: readonly (infer V)[] } ? V
                      : unknown

type AttrValue<T, O> = O extends { required: true } ? TypeOf<T> : O extends { default: {} | null } ? TypeOf<T> : TypeOf<T> | undefined

type BlockValue<S, O> = O extends { multiple: true } ? Array<Decoded<S>> : O extends { required: true } ? Decoded<S> : Decoded<S> | undefined

/**
 * The arguments vm/decode.ts makes from a body of schema S: an attribute with a default or
 * required is always there, others may be undefined; an optional block is undefined when
 * absent, a `multiple` one an array. Components derive their `Args` from their schema with it.
 */
export type Decoded<S> = { -readonly [K in keyof S]: S[K] extends Yields<infer V> ? V : unknown }

/**
 * What decoding an empty body of `schema` yields: each attribute's default, [] for `multiple`
 * blocks, optional blocks left out. For a block whose absence means "all defaults" (Alloy
 * fills a Go struct with its defaults), so the defaults are written once, in the schema.
 */
export function defaultsOf<S extends Schema> (schema: S): Decoded<S> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.kind === 'attr') { if (spec.default !== undefined) out[name] = structuredClone(spec.default) } else if (spec.multiple === true) out[name] = []
  }
  return out as Decoded<S>
}
