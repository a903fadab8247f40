// Character-level helpers shared by both parsers: number grammar, name classes, unescaping,
// series decoding. Everything works on (string, start, end) ranges so the hot path never
// allocates substrings.

import type { Label, MetricType } from '../storage/series.js'

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

/** [a-zA-Z_:] */
export function isMetricNameStart (c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58
}
/** [a-zA-Z0-9_:] */
export function isMetricNameChar (c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 58
}
/** [a-zA-Z_] */
export function isLabelNameStart (c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
}
/** [a-zA-Z0-9_] */
export function isLabelNameChar (c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95
}

/**
 * Parses s[a, b) with the number grammar both formats share (Go's ParseFloat minus hex and
 * underscores, which is also the OpenMetrics ABNF): [sign] digits [. digits] [e [sign] digits],
 * [sign] inf|infinity, nan (case-insensitive). Returns NaN for invalid input too: callers that
 * get NaN ask isNaNWord() whether it was spelled NaN. Decimal overflow (1e999) is invalid, as in Go.
 */
export function parseNumber (s: string, a: number, b: number): number {
  if (a >= b) return NaN
  let i = a
  let c = s.charCodeAt(i)
  let neg = false
  if (c === 45 || c === 43) {
    neg = c === 45
    if (++i >= b) return NaN
    c = s.charCodeAt(i)
  }
  let m = 0
  let sig = 0
  let digits = 0
  let exp = 0
  let slow = false
  while (i < b) {
    c = s.charCodeAt(i)
    if (c < 48 || c > 57) break
    digits++
    if (sig < 15) { m = m * 10 + (c - 48); if (m !== 0) sig++ } else { slow = true }
    i++
  }
  if (i < b && c === 46) {
    i++
    while (i < b) {
      c = s.charCodeAt(i)
      if (c < 48 || c > 57) break
      digits++
      if (sig < 15) { m = m * 10 + (c - 48); exp--; if (m !== 0) sig++ } else { slow = true }
      i++
    }
  }
  if (digits === 0) return i === a + (neg || s.charCodeAt(a) === 43 ? 1 : 0) ? special(s, a, b) : NaN
  if (i < b && (c === 101 || c === 69)) {
    if (++i >= b) return NaN
    c = s.charCodeAt(i)
    let eneg = false
    if (c === 45 || c === 43) { eneg = c === 45; if (++i >= b) return NaN }
    let e = 0
    const start = i
    while (i < b) {
      c = s.charCodeAt(i)
      if (c < 48 || c > 57) break
      if (e < 100000) e = e * 10 + (c - 48)
      i++
    }
    if (i === start) return NaN
    exp += eneg ? -e : e
  }
  if (i !== b) return NaN
  let v: number
  if (!slow && exp >= -22 && exp <= 22) {
    // Both operands are exact, so one IEEE operation rounds correctly.
    v = exp >= 0 ? m * POW10[exp] : m / POW10[-exp]
  } else {
    v = Number(s.slice(a, b))
    if (v === Infinity || v === -Infinity) return NaN
    return v
  }
  return neg ? -v : v
}

function special (s: string, a: number, b: number): number {
  const w = s.slice(a, b).toLowerCase()
  switch (w) {
    case 'inf': case '+inf': case 'infinity': case '+infinity': return Infinity
    case '-inf': case '-infinity': return -Infinity
    default: return NaN
  }
}

/** True when s[a, b) spells NaN (any case, no sign), the only valid way to get NaN from parseNumber. */
export function isNaNWord (s: string, a: number, b: number): boolean {
  return b - a === 3 && s.slice(a, b).toLowerCase() === 'nan'
}

/**
 * A copy of s that does not share memory with the string it was sliced from. V8 represents
 * slices of 13+ characters as views of their parent, so a cached slice of a scrape body would
 * keep the whole body alive. Concatenating builds a cons string; slicing that flattens it into
 * a fresh buffer, so the result's parent is the small flattened copy, not the body.
 */
export function flatCopy (s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1)
}

/** Unescapes a label value / OpenMetrics help: \\ \" \n; other escapes are kept as written. */
export function unescape (s: string, a: number, b: number, quote: boolean): string {
  // Scan by hand: indexOf would search past b, through the rest of the body.
  let bs = a
  while (bs < b && s.charCodeAt(bs) !== 92) bs++
  if (bs >= b) return flatCopy(s.slice(a, b))
  let out = ''
  let from = a
  while (bs < b - 1) {
    const c = s.charCodeAt(bs + 1)
    const r = c === 92 ? '\\' : c === 110 ? '\n' : c === 34 && quote ? '"' : undefined
    if (r !== undefined) {
      out += s.slice(from, bs) + r
      from = bs + 2
    }
    bs += 2
    while (bs < b && s.charCodeAt(bs) !== 92) bs++
  }
  return flatCopy(out + s.slice(from, b))
}

/** Go's strconv 'g' shortest formatting plus ".0" when integral, as labels.FormatOpenMetricsFloat. */
export function formatOpenMetricsFloat (f: number): string {
  if (f === 1) return '1.0'
  if (f === 0) return '0.0'
  if (f === -1) return '-1.0'
  if (f !== f) return 'NaN'
  if (f === Infinity) return '+Inf'
  if (f === -Infinity) return '-Inf'
  const e = Math.abs(f).toExponential()
  const ei = e.indexOf('e')
  const digits = e.slice(0, ei).replace('.', '')
  const exp = Number(e.slice(ei + 1))
  let out: string
  if (exp < -4 || exp >= 6) { // Go's shortest %g switches to an exponent at 1e+06
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits
    const ae = Math.abs(exp)
    out = mant + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae))
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + digits
  } else if (digits.length > exp + 1) {
    out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1)
  } else {
    out = digits + '0'.repeat(exp + 1 - digits.length)
  }
  if (f < 0) out = '-' + out
  return out.includes('.') || out.includes('e') ? out : out + '.0'
}

/** Why a series text could not be decoded, and where (offset into the body). */
export class ExpositionDecodeError extends Error {
  override name = 'ExpositionDecodeError'
  constructor (message: string, readonly offset: number) { super(message) }
}

/**
 * Decodes an already validated series text s[a, b) (`name{l="v",...}`, `{"name",l="v"}`,
 * whitespace tolerated as the text format allows) into labels with __name__, sorted by name,
 * appended to out. Values of `le` (histograms) and `quantile` (summaries) are normalised the
 * way Prometheus does (1 -> 1.0). Every string is a flat copy, safe to keep.
 */
export function decodeSeries (s: string, a: number, b: number, type: MetricType, out: Label[]): void {
  const first = out.length
  let i = a
  let name: string | undefined
  while (i < b && isMetricNameChar(s.charCodeAt(i))) i++
  if (i > a) name = flatCopy(s.slice(a, i))
  while (i < b && s.charCodeAt(i) !== 123) i++ // to '{' or the end
  i++
  while (i < b) {
    let c = s.charCodeAt(i)
    if (c === 32 || c === 9 || c === 44) { i++; continue }
    if (c === 125) break
    let lname: string
    if (c === 34) {
      const q = i + 1
      i = endOfQuoted(s, q, b)
      lname = unescape(s, q, i, true)
      i++
    } else {
      const q = i
      while (i < b && isLabelNameChar(s.charCodeAt(i))) i++
      lname = flatCopy(s.slice(q, i))
    }
    while (i < b && ((c = s.charCodeAt(i)) === 32 || c === 9)) i++
    if (c !== 61) { // a quoted string without '=' is the metric name
      if (name !== undefined) throw new ExpositionDecodeError('metric name already set', i)
      name = lname
      continue
    }
    i++
    while (i < b && s.charCodeAt(i) !== 34) i++
    const q = i + 1
    i = endOfQuoted(s, q, b)
    let value = unescape(s, q, i, true)
    i++
    if ((type === 'histogram' && lname === 'le') || (type === 'summary' && lname === 'quantile')) {
      const f = parseNumber(value, 0, value.length)
      if (f === f || isNaNWord(value, 0, value.length)) value = formatOpenMetricsFloat(f)
    }
    out.push({ name: lname, value })
  }
  if (name === undefined) throw new ExpositionDecodeError('metric name not set', a)
  out.push({ name: '__name__', value: name })
  // Insertion sort: label sets are small and usually nearly sorted.
  for (let j = first + 1; j < out.length; j++) {
    const l = out[j]
    let k = j - 1
    while (k >= first && out[k].name > l.name) { out[k + 1] = out[k]; k-- }
    out[k + 1] = l
  }
  for (let j = first + 1; j < out.length; j++) {
    if (out[j].name === out[j - 1].name) throw new ExpositionDecodeError(`label name "${out[j].name}" is not unique`, a)
  }
}

/**
 * The metric name of an already validated series text s[a, b), unescaped: for the series whose
 * name is quoted inside the braces (`{"a.b",x="1"}`), where a prefix test on the text cannot
 * find it. Cold path only: it decodes the whole series.
 */
export function seriesName (s: string, a: number, b: number): string {
  const out: Label[] = []
  decodeSeries(s, a, b, 'unknown', out)
  for (const l of out) if (l.name === '__name__') return l.value
  return ''
}

/** Index of the closing quote of a quoted string whose content starts at i (backslash escapes skip a char). */
export function endOfQuoted (s: string, i: number, b: number): number {
  while (i < b) {
    const c = s.charCodeAt(i)
    if (c === 34) return i
    i += c === 92 ? 2 : 1
  }
  return b
}
