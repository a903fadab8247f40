// Alloy's standard library (syntax/internal/stdlib): namespaced functions plus the
// deprecated top-level names Alloy 1.x still accepts. Argument problems are ValueErrors
// carrying the argument index, so the evaluator can point at the argument in the source.
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import type { Value, ValueObject } from './value.js'
import { AlloyFunction, Capsule, Secret, newObject } from './value.js'
import { isObject, toStr } from './convert.js'
import { ValueError, typeError } from './value-error.js'
import { goSprintf } from './go-format.js'
import { jsonPath } from './json-path.js'
import { valuesEqual } from './equal.js'

/** Arity: an exact count, or [min] for variadic functions. */
type Arity = number | [number]

function fn (name: string, arity: Arity, impl: (args: Value[]) => Value, pure = true): AlloyFunction {
  return new AlloyFunction(name, args => {
    if (typeof arity === 'number' && args.length !== arity) {
      throw new ValueError(`expected ${arity} args, got ${args.length}`)
    }
    if (Array.isArray(arity) && args.length < arity[0]) {
      throw new ValueError(`expected at least ${arity[0]} args, got ${args.length}`)
    }
    return impl(args)
  }, pure)
}

/** Runs a conversion for argument `i`, tagging its error with the argument index. */
function arg<T> (i: number, conv: () => T): T {
  try {
    return conv()
  } catch (err) {
    throw err instanceof ValueError ? err.atArg(i) : err
  }
}

const str = (args: Value[], i: number): string => arg(i, () => toStr(args[i]))

function strArray (args: Value[], i: number): string[] {
  const v = args[i]
  if (!Array.isArray(v)) throw typeError('array', v).atArg(i)
  return v.map((el, k) => arg(i, () => {
    try {
      return toStr(el)
    } catch (err) {
      throw err instanceof ValueError ? err.within(k) : err
    }
  }))
}

/** Plain JSON/YAML data → Alloy values (objects get a null prototype). */
export function fromPlain (x: unknown): Value {
  if (x === null || x === undefined) return null
  if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') return x
  if (typeof x === 'bigint') return Number(x)
  if (x instanceof Date) return x.toISOString()
  if (Array.isArray(x)) return x.map(fromPlain)
  if (x instanceof Map) {
    const o = newObject()
    for (const [k, v] of x) o[String(k)] = fromPlain(v)
    return o
  }
  if (typeof x === 'object') {
    const o = newObject()
    for (const [k, v] of Object.entries(x)) o[k] = fromPlain(v)
    return o
  }
  // Symbols and functions: what decoded data never holds.
  return typeof x === 'symbol' ? x.toString() : typeof x
}

/** Alloy values → plain JSON data for encoding.to_json (keys sorted, as Go marshals maps). */
function toPlain (v: Value): unknown {
  if (v instanceof Secret) throw new ValueError('secrets may not be converted into strings')
  if (Array.isArray(v)) return v.map(toPlain)
  if (isObject(v)) {
    const o: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) o[k] = toPlain(v[k])
    return o
  }
  if (v instanceof Capsule || v instanceof AlloyFunction) return String(v)
  return v
}

function ns (fields: Record<string, Value>): ValueObject {
  return Object.assign(newObject(), fields)
}

function base64Decode (s: string, url: boolean): string {
  const alphabet = url ? /[A-Za-z0-9\-_]/ : /[A-Za-z0-9+/]/
  const body = s.replace(/=+$/, '')
  for (let i = 0; i < body.length; i++) {
    if (!alphabet.test(body[i])) throw new Error(`illegal base64 data at input byte ${i}`)
  }
  if (s.length % 4 !== 0 || s.length - body.length > 2) {
    throw new Error(`illegal base64 data at input byte ${Math.min(body.length, s.length - (s.length % 4 || 4))}`)
  }
  return Buffer.from(body, url ? 'base64url' : 'base64').toString('utf8')
}

/** Go's url.QueryEscape. */
function queryEscape (s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
}

function queryUnescape (s: string): string {
  const bad = /%(?![0-9A-Fa-f]{2})(.{0,2})/.exec(s)
  if (bad !== null) throw new Error(`invalid URL escape ${JSON.stringify(bad[0])}`)
  return decodeURIComponent(s.replace(/\+/g, ' '))
}

/** Go's strings.Trim: strip leading and trailing characters found in cutset. */
function trimCutset (s: string, cutset: string): string {
  const cut = new Set(cutset)
  const chars = [...s]
  let a = 0
  let b = chars.length
  while (a < b && cut.has(chars[a])) a++
  while (b > a && cut.has(chars[b - 1])) b--
  return chars.slice(a, b).join('')
}

/** Go's reflect IsZero as coalesce uses it, plus empty arrays and objects. */
function isEmpty (v: Value): boolean {
  if (v === null || v === '' || v === 0 || v === false) return true
  if (v instanceof Secret) return v.reveal() === ''
  if (Array.isArray(v)) return v.length === 0
  if (isObject(v)) return Object.keys(v).length === 0
  return false
}

const concat = (name: string): AlloyFunction => fn(name, [0], args => {
  args.forEach((a, i) => { if (!Array.isArray(a)) throw typeError('array', a).atArg(i) })
  return (args as Value[][]).flat(1)
})

const env = (name: string): AlloyFunction => fn(name, 1, args => process.env[str(args, 0)] ?? '', false)
const nonsensitive = (name: string): AlloyFunction => fn(name, 1, args => {
  const v = args[0]
  if (v instanceof Secret) return v.reveal()
  if (typeof v === 'string') return v
  throw typeError('secret', v).atArg(0)
})
const jsonDecode = (name: string): AlloyFunction => fn(name, 1, args => fromPlain(JSON.parse(str(args, 0))))
const yamlDecode = (name: string): AlloyFunction => fn(name, 1, args => fromPlain(YAML.parse(str(args, 0))))
const b64Decode = (name: string, url = false): AlloyFunction => fn(name, 1, args => base64Decode(str(args, 0), url))

function stringFns (prefix: string): Record<string, AlloyFunction> {
  return {
    format: fn(`${prefix}format`, [1], args => goSprintf(str(args, 0), args.slice(1))),
    join: fn(`${prefix}join`, 2, args => strArray(args, 0).join(str(args, 1))),
    replace: fn(`${prefix}replace`, 3, args => str(args, 0).replaceAll(str(args, 1), str(args, 2))),
    split: fn(`${prefix}split`, 2, args => {
      const s = str(args, 0)
      const sep = str(args, 1)
      return sep === '' ? [...s] : s.split(sep)
    }),
    to_lower: fn(`${prefix}to_lower`, 1, args => str(args, 0).toLowerCase()),
    to_upper: fn(`${prefix}to_upper`, 1, args => str(args, 0).toUpperCase()),
    trim: fn(`${prefix}trim`, 2, args => trimCutset(str(args, 0), str(args, 1))),
    trim_prefix: fn(`${prefix}trim_prefix`, 2, args => {
      const s = str(args, 0)
      const p = str(args, 1)
      return s.startsWith(p) ? s.slice(p.length) : s
    }),
    trim_suffix: fn(`${prefix}trim_suffix`, 2, args => {
      const s = str(args, 0)
      const p = str(args, 1)
      return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s
    }),
    trim_space: fn(`${prefix}trim_space`, 1, args => str(args, 0).trim()),
  }
}

const combineMaps = fn('array.combine_maps', [3], args => {
  if (args.length > 4) throw new ValueError(`combine_maps: expected 3 or 4 arguments, got ${args.length}`)
  for (const i of [0, 1]) {
    const a = args[i]
    if (!Array.isArray(a)) throw typeError('array', a).atArg(i)
    a.forEach((el, k) => { if (!isObject(el)) throw typeError('object', el).within(k).atArg(i) })
  }
  const conds = strArray(args, 2)
  if (conds.length === 0) throw new ValueError('combine_maps: merge conditions must not be empty', [], 2)
  let passthrough = false
  if (args.length === 4) {
    if (typeof args[3] !== 'boolean') throw typeError('bool', args[3]).atArg(3)
    passthrough = args[3]
  }
  const out: Value[] = []
  for (const l of args[0] as ValueObject[]) {
    for (const r of args[1] as ValueObject[]) {
      const join = conds.every(c => Object.hasOwn(l, c) && Object.hasOwn(r, c) && valuesEqual(l[c], r[c]))
      if (join) out.push(Object.assign(newObject(), l, r))
      else if (passthrough) out.push(l)
    }
  }
  return out
})

function goOS (): string {
  const p = process.platform
  return p === 'win32' ? 'windows' : p === 'sunos' ? 'solaris' : p
}

function goArch (): string {
  const a = process.arch
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[a] ?? a
}

const strings = stringFns('string.')
const deprecatedStrings = stringFns('')

export const stdlib: ValueObject = ns({
  constants: ns({ hostname: os.hostname(), os: goOS(), arch: goArch(), version: 'v0.0.0' }),
  coalesce: fn('coalesce', [0], args => {
    if (args.length === 0) return null
    return args.find(a => !isEmpty(a)) ?? args[args.length - 1]
  }),
  json_path: fn('json_path', 2, args => {
    const doc: unknown = JSON.parse(str(args, 0))
    return fromPlain(jsonPath(doc, str(args, 1)))
  }),
  sys: ns({ env: env('sys.env') }),
  convert: ns({ nonsensitive: nonsensitive('convert.nonsensitive') }),
  array: ns({ concat: concat('array.concat'), combine_maps: combineMaps }),
  encoding: ns({
    from_json: jsonDecode('encoding.from_json'),
    from_yaml: yamlDecode('encoding.from_yaml'),
    from_base64: b64Decode('encoding.from_base64'),
    from_URLbase64: b64Decode('encoding.from_URLbase64', true),
    to_json: fn('encoding.to_json', 1, args => {
      if (!isObject(args[0])) throw new ValueError('jsonEncode only supports map')
      return JSON.stringify(arg(0, () => toPlain(args[0])))
    }),
    to_base64: fn('encoding.to_base64', 1, args => Buffer.from(str(args, 0), 'utf8').toString('base64')),
    to_URLbase64: fn('encoding.to_URLbase64', 1, args => {
      const b = Buffer.from(str(args, 0), 'utf8').toString('base64url')
      return b + '='.repeat((4 - b.length % 4) % 4)
    }),
    url_encode: fn('encoding.url_encode', 1, args => queryEscape(str(args, 0))),
    url_decode: fn('encoding.url_decode', 1, args => queryUnescape(str(args, 0))),
  }),
  string: ns(strings),
  file: ns({
    path_join: fn('file.path_join', [0], args => {
      const parts = args.map((_, i) => str(args, i)).filter(p => p !== '')
      return parts.length === 0 ? '' : path.posix.join(...parts)
    }),
  }),

  // Deprecated top-level names (Alloy 1.x still accepts them).
  env: env('env'),
  nonsensitive: nonsensitive('nonsensitive'),
  concat: concat('concat'),
  json_decode: jsonDecode('json_decode'),
  yaml_decode: yamlDecode('yaml_decode'),
  base64_decode: b64Decode('base64_decode'),
  ...deprecatedStrings,
})
