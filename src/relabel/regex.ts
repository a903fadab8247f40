// RE2 patterns as relabel rules use them: translated once to a JS RegExp, fully anchored the
// way Prometheus and Alloy compile them (`^(?s:re)$`: note the `s`, so `.` matches "\n"
// unless the pattern says `(?-s)`), and cached by source since many components repeat rules.

import { emitJs } from './re2-emit.js'
import { parseRe2, Re2SyntaxError } from './re2-parse.js'
import type { Flags } from './re2-parse.js'

export { Re2SyntaxError }

export interface Re2Regex {
  /** The user's RE2 source, without the anchoring. */
  readonly source: string
  /** The anchored JS translation (no g/y flag, so it holds no state between calls). */
  readonly js: RegExp
  /** Capture group count. */
  readonly groups: number
  /** names[i]: name of capture group i, '' when unnamed; names[0] is ''. */
  readonly names: readonly string[]
}

export interface Translation {
  readonly pattern: string
  readonly flags: string
  readonly groups: number
  readonly names: readonly string[]
}

const DEFAULT_FLAGS: Flags = { i: false, m: false, s: false, U: false }

/**
 * Translates an RE2 pattern into JS RegExp source and flags, unanchored, with RE2's own
 * default flags unless overridden. Throws Re2SyntaxError for what RE2 rejects.
 */
export function translateRe2 (source: string, flags: Partial<Flags> = {}): Translation {
  const parsed = parseRe2(source, { ...DEFAULT_FLAGS, ...flags })
  const { pattern, flags: jsFlags } = emitJs(parsed)
  return { pattern, flags: jsFlags, groups: parsed.groups, names: parsed.names }
}

const cache = new Map<string, Re2Regex>()
const CACHE_LIMIT = 4096

/** The anchored, dot-all regex of a relabel rule, as Prometheus compiles `regex`. Cached. */
export function relabelRegex (source: string): Re2Regex {
  let re = cache.get(source)
  if (re !== undefined) return re
  const t = translateRe2(source, { s: true })
  re = {
    source,
    js: new RegExp(`^(?:${t.pattern})$`, t.flags),
    groups: t.groups,
    names: t.names,
  }
  // Rules come from config, so this stays small; the bound only guards against churn.
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(source, re)
  return re
}
