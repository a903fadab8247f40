// Metric and label name rules of Prometheus 3 (prometheus/common model): which names a
// validation scheme accepts, and how an escaping scheme turns a UTF-8 name into a legacy one
// for a place that cannot hold UTF-8. The scrape asks the target for an escaping scheme in
// the Accept header; the target escapes, shoal validates what it got after relabeling.

import type { Labels } from '../storage/series.js'

export const VALIDATION_SCHEMES = ['legacy', 'utf8'] as const
export type ValidationScheme = typeof VALIDATION_SCHEMES[number]

export const ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'] as const
export type EscapingScheme = typeof ESCAPING_SCHEMES[number]

/** [a-zA-Z_:], and [0-9] after the first character. */
function isLegacyMetricChar (c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (!first && c >= 48 && c <= 57)
}

/** `[a-zA-Z_:][a-zA-Z0-9_:]*` */
export function isLegacyMetricName (s: string): boolean {
  if (s === '') return false
  for (let i = 0; i < s.length; i++) if (!isLegacyMetricChar(s.charCodeAt(i), i === 0)) return false
  return true
}

/** `[a-zA-Z_][a-zA-Z0-9_]*` */
export function isLegacyLabelName (s: string): boolean {
  if (s === '') return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 58 || !isLegacyMetricChar(c, i === 0)) return false
  }
  return true
}

/** A UTF-8 name: non-empty and well-formed (no lone surrogate, which no UTF-8 byte sequence decodes to). */
export function isUtf8Name (s: string): boolean {
  return s !== '' && wellFormed(s)
}

/** No lone surrogate (String.prototype.isWellFormed is ES2024, past this build's lib). */
function wellFormed (s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c > 0xdbff || i + 1 >= s.length) return false
    const d = s.charCodeAt(++i)
    if (d < 0xdc00 || d > 0xdfff) return false
  }
  return true
}

/**
 * Prometheus's Labels.IsValid: the metric name and every label name valid under the scheme,
 * every value well-formed. Empty values never reach here (the scrape drops them).
 */
export function validLabels (labels: Labels, scheme: ValidationScheme): boolean {
  const legacy = scheme === 'legacy'
  for (const l of labels) {
    if (l.name === '__name__' && !(legacy ? isLegacyMetricName(l.value) : isUtf8Name(l.value))) return false
    if (!(legacy ? isLegacyLabelName(l.name) : isUtf8Name(l.name)) || !wellFormed(l.value)) return false
  }
  return true
}

/** Labels as Prometheus prints them in errors: `{__name__="a.b", "x.y"="1"}`. */
export function formatLabels (labels: Labels): string {
  return '{' + labels.map(l => (isLegacyLabelName(l.name) ? l.name : JSON.stringify(l.name)) + '=' + JSON.stringify(l.value)).join(', ') + '}'
}

/**
 * model.EscapeName: a name under the escaping scheme. underscores: every character outside the
 * legacy set becomes `_`; dots: `.` → `_dot_`, `_` → `__`, any other → `__` (the docs say `_`,
 * prometheus/common writes `__`; this follows the code); values: `U__` then `_` → `__` and any
 * other character as `_<hex code point>_`. underscores and values leave a legacy name alone,
 * dots always doubles its underscores. Characters are code points, as Go ranges over runes.
 */
export function escapeName (name: string, scheme: EscapingScheme): string {
  if (name === '' || scheme === 'allow-utf-8') return name
  if (scheme !== 'dots' && isLegacyMetricName(name)) return name
  let out = scheme === 'values' ? 'U__' : ''
  let first = true
  for (const ch of name) {
    const c = ch.codePointAt(0)!
    if (scheme === 'underscores') {
      out += isLegacyMetricChar(c, first) ? ch : '_'
    } else if (c === 95) {
      out += '__'
    } else if (scheme === 'dots' && c === 46) {
      out += '_dot_'
    } else if (isLegacyMetricChar(c, first)) {
      out += ch
    } else if (scheme === 'dots') {
      out += '__'
    } else {
      // A lone surrogate is what an invalid rune becomes here; Go writes U+FFFD's code.
      out += '_' + (c >= 0xd800 && c <= 0xdfff ? 'FFFD' : c.toString(16)) + '_'
    }
    first = false
  }
  return out
}
