// Go's fmt.Sprintf for the verbs Alloy configs use (string.format): %v %s %q %d %f %F %e
// %E %g %G %x %X %o %b %t %c %%, with flags (- + # 0 space), width and precision.
// Mismatched arguments print as Go does ("%!d(string=x)", "%!s(MISSING)").
import type { Value } from './value.js'
import { Secret } from './value.js'
import { isObject, numberToString } from './convert.js'
import { ValueError } from './value-error.js'

/** The Go type Alloy decodes a value into when it is passed as `any`. */
function goType (v: Value): string {
  if (v === null) return '<nil>'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return '[]interface {}'
  if (isObject(v)) return 'map[string]interface {}'
  return 'capsule'
}

/** %g with Go's %v exponent thresholds (-4 and 21). */
function goFloatV (n: number): string {
  if (n === 0 || !Number.isFinite(n)) return goSpecial(n) ?? '0'
  const exp = Math.floor(Math.log10(Math.abs(n)))
  if (exp < -4 || exp >= 21) return goExp(n.toExponential())
  return numberToString(n)
}

function goSpecial (n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return undefined
}

/** JS exponent form ("1e-5", "1.5e+21") → Go's ("1e-05", "1.5e+21"): at least two exponent digits. */
function goExp (s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2')
}

function plainV (v: Value): string {
  if (v === null) return '<nil>'
  if (typeof v === 'number') return Number.isInteger(v) ? numberToString(v) : goFloatV(v)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return `[${v.map(plainV).join(' ')}]`
  if (isObject(v)) return `map[${Object.keys(v).sort().map(k => `${k}:${plainV(v[k])}`).join(' ')}]`
  return String(v)
}

interface Spec {
  minus: boolean
  plus: boolean
  sharp: boolean
  zero: boolean
  space: boolean
  width?: number
  prec?: number
}

function pad (s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || s.length >= spec.width) return s
  const n = spec.width - s.length
  if (spec.minus) return s + ' '.repeat(n)
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : ''
    return sign + '0'.repeat(n) + s.slice(sign.length)
  }
  return ' '.repeat(n) + s
}

function signed (n: number, body: string, spec: Spec): string {
  if (n < 0 || Object.is(n, -0)) return '-' + body
  if (spec.plus) return '+' + body
  if (spec.space) return ' ' + body
  return body
}

function bad (verb: string, v: Value): string {
  return v === null ? `%!${verb}(<nil>)` : `%!${verb}(${goType(v)}=${plainV(v)})`
}

function fmtInt (n: number, base: number, verb: string, spec: Spec): string {
  let body = Math.abs(n).toString(base)
  if (verb === 'X') body = body.toUpperCase()
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0')
  if (spec.sharp) {
    if (base === 16) body = (verb === 'X' ? '0X' : '0x') + body
    else if (base === 8 && body[0] !== '0') body = '0' + body
    else if (base === 2) body = '0b' + body
  }
  return pad(signed(n, body, spec), spec, spec.prec === undefined)
}

function fmtFloat (n: number, verb: string, spec: Spec): string {
  const special = goSpecial(n)
  if (special !== undefined) {
    const s = special === 'NaN' ? 'NaN' : signed(n, 'Inf', spec)
    return pad(s, { ...spec, zero: false }, false)
  }
  const a = Math.abs(n)
  let body: string
  switch (verb) {
    case 'e': case 'E':
      body = goExp(a.toExponential(spec.prec ?? 6))
      break
    case 'g': case 'G': {
      if (spec.prec === undefined) {
        const exp = a === 0 ? 0 : Math.floor(Math.log10(a))
        body = exp < -4 || exp >= 21 ? goExp(a.toExponential()) : numberToString(a)
      } else {
        const p = spec.prec === 0 ? 1 : spec.prec
        const exp = a === 0 ? 0 : Math.floor(Math.log10(a))
        body = exp < -4 || exp >= p
          ? goExp(a.toExponential(p - 1).replace(/\.?0+e/, 'e'))
          : String(Number(a.toPrecision(p)))
      }
      break
    }
    default:
      body = a.toFixed(spec.prec ?? 6)
  }
  if (verb === 'E' || verb === 'G') body = body.toUpperCase()
  return pad(signed(n, body, spec), spec, true)
}

function goQuote (s: string): string {
  return JSON.stringify(s).replace(/\\u007f/g, '\\x7f')
}

function fmtOne (verb: string, v: Value, spec: Spec): string {
  switch (verb) {
    case 'v':
      if (typeof v === 'number') return Number.isInteger(v) ? fmtInt(v, 10, 'd', spec) : pad(signed(v, goFloatV(Math.abs(v)), spec), spec, true)
      return pad(plainV(v), spec, false)
    case 's': {
      if (typeof v === 'string') return pad(spec.prec !== undefined ? [...v].slice(0, spec.prec).join('') : v, spec, false)
      if (Array.isArray(v) || isObject(v)) return pad(plainV(v), spec, false)
      return bad(verb, v)
    }
    case 'q':
      if (typeof v === 'string') return pad(goQuote(v), spec, false)
      if (typeof v === 'number' && Number.isInteger(v)) return pad(`'${String.fromCodePoint(v)}'`, spec, false)
      return bad(verb, v)
    case 'd':
      if (typeof v === 'number' && Number.isInteger(v)) return fmtInt(v, 10, verb, spec)
      return bad(verb, v)
    case 'x': case 'X':
      if (typeof v === 'number' && Number.isInteger(v)) return fmtInt(v, 16, verb, spec)
      if (typeof v === 'string') {
        let hex = Buffer.from(v, 'utf8').toString('hex')
        if (verb === 'X') hex = hex.toUpperCase()
        return pad(hex, spec, false)
      }
      return bad(verb, v)
    case 'o':
      if (typeof v === 'number' && Number.isInteger(v)) return fmtInt(v, 8, verb, spec)
      return bad(verb, v)
    case 'b':
      if (typeof v === 'number' && Number.isInteger(v)) return fmtInt(v, 2, verb, spec)
      return bad(verb, v)
    case 'c':
      if (typeof v === 'number' && Number.isInteger(v)) return pad(String.fromCodePoint(v), spec, false)
      return bad(verb, v)
    case 't':
      if (typeof v === 'boolean') return pad(String(v), spec, false)
      return bad(verb, v)
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
      if (typeof v === 'number') return fmtFloat(v, verb, spec)
      return bad(verb, v)
    default:
      return bad(verb, v)
  }
}

/**
 * fmt.Sprintf(format, args...). Secrets are refused (ValueError on that argument), since
 * printing one would reveal it; convert.nonsensitive makes the intent explicit.
 */
export function goSprintf (format: string, args: readonly Value[]): string {
  args.forEach((a, i) => {
    if (a instanceof Secret) throw new ValueError('secrets may not be converted into strings', [], i + 1)
  })
  let out = ''
  let argi = 0
  let i = 0
  while (i < format.length) {
    const c = format[i]
    if (c !== '%') {
      out += c
      i++
      continue
    }
    i++
    if (i >= format.length) {
      out += '%!(NOVERB)'
      break
    }
    const spec: Spec = { minus: false, plus: false, sharp: false, zero: false, space: false }
    for (; i < format.length; i++) {
      const f = format[i]
      if (f === '-') spec.minus = true
      else if (f === '+') spec.plus = true
      else if (f === '#') spec.sharp = true
      else if (f === '0') spec.zero = true
      else if (f === ' ') spec.space = true
      else break
    }
    let m = /^\d+/.exec(format.slice(i))
    if (m !== null) {
      spec.width = Number(m[0])
      i += m[0].length
    }
    if (format[i] === '.') {
      i++
      m = /^\d+/.exec(format.slice(i))
      spec.prec = m === null ? 0 : Number(m[0])
      if (m !== null) i += m[0].length
    }
    if (i >= format.length) {
      out += '%!(NOVERB)'
      break
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0)
    i += verb.length
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    out += fmtOne(verb, args[argi++], spec)
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map(a => a === null ? '<nil>' : `${goType(a)}=${plainV(a)}`).join(', ') + ')'
  }
  return out
}
