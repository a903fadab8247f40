// Applying rules: the semantics of Prometheus's relabel.ProcessBuilder, rule by rule.

import { createHash } from 'node:crypto'
import type { Labels } from '../storage/series.js'
import { LabelsBuilder } from './builder.js'
import { isLegacyLabelName, isUtf8LabelName } from './rule.js'
import type { Rule } from './rule.js'
import { expand } from './template.js'

export { LabelsBuilder }

/**
 * Applies the rules in order to the builder's labels. Returns false as soon as a rule drops
 * them (the builder is then left part-way).
 */
export function processBuilder (lb: LabelsBuilder, rules: readonly Rule[]): boolean {
  for (const rule of rules) {
    if (!applyRule(rule, lb)) return false
  }
  return true
}

// relabel() is synchronous and never re-entered, so one builder serves every call.
const shared = new LabelsBuilder()

/**
 * Relabels a sorted label set. Returns undefined when a rule drops it, otherwise the result,
 * sorted and without empty values: the input array itself when nothing changed. The input
 * is never mutated.
 */
export function relabel (labels: Labels, rules: readonly Rule[]): Labels | undefined {
  shared.reset(labels)
  const keep = processBuilder(shared, rules)
  const out = keep ? shared.labels() : undefined
  shared.reset([])
  return out
}

function sourceValue (rule: Rule, lb: LabelsBuilder): string {
  const names = rule.sourceLabels
  if (names.length === 1) return lb.get(names[0])
  let v = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) v += rule.separator
    v += lb.get(names[i])
  }
  return v
}

function applyRule (rule: Rule, lb: LabelsBuilder): boolean {
  const val = sourceValue(rule, lb)
  switch (rule.action) {
    case 'drop':
      return !rule.regex.js.test(val)
    case 'keep':
      return rule.regex.js.test(val)
    case 'dropequal':
      return lb.get(rule.targetLabel) !== val
    case 'keepequal':
      return lb.get(rule.targetLabel) === val
    case 'replace': {
      const m = rule.regex.js.exec(val)
      // No match: no replacement.
      if (m === null) return true
      const target = expand(rule.target, m)
      if (!(rule.nameValidation === 'legacy' ? isLegacyLabelName(target) : isUtf8LabelName(target))) return true
      // An empty result deletes the target (set does that).
      lb.set(target, expand(rule.replacement, m))
      return true
    }
    case 'lowercase':
      lb.set(rule.targetLabel, goLower(val))
      return true
    case 'uppercase':
      lb.set(rule.targetLabel, goUpper(val))
      return true
    case 'hashmod':
      lb.set(rule.targetLabel, hashmod(val, rule.modulus).toString())
      return true
    case 'labelmap':
      lb.range((name, value) => {
        const m = rule.regex.js.exec(name)
        if (m === null) return
        const target = expand(rule.replacement, m)
        // Prometheus would write a label with an empty name here; skip it instead.
        if (target !== '') lb.set(target, value)
      })
      return true
    case 'labeldrop':
      lb.range(name => {
        if (rule.regex.js.test(name)) lb.del(name)
      })
      return true
    case 'labelkeep':
      lb.range(name => {
        if (!rule.regex.js.test(name)) lb.del(name)
      })
      return true
  }
}

/** Prometheus's hashmod: MD5 of the value, its last 8 bytes as a big-endian uint64, mod m. */
export function hashmod (value: string, modulus: bigint): bigint {
  const sum = createHash('md5').update(value, 'utf8').digest()
  return sum.readBigUInt64BE(8) % modulus
}

// Go's strings.ToLower/ToUpper map each rune with its simple (one-to-one) case mapping;
// JS's full mappings may change the length ('İ' → 'i̇', 'ß' → 'SS') or depend on context
// (final sigma), so non-ASCII strings go rune by rune.
// eslint-disable-next-line no-control-regex -- every ASCII code point, controls included
const ASCII = /^[\x00-\x7f]*$/

function goLower (s: string): string {
  if (ASCII.test(s)) return s.toLowerCase()
  let out = ''
  for (const c of s) out += c === '\u0130' ? 'i' : simpleMap(c, c.toLowerCase())
  return out
}

function goUpper (s: string): string {
  if (ASCII.test(s)) return s.toUpperCase()
  let out = ''
  for (const c of s) out += simpleMap(c, c.toUpperCase())
  return out
}

function simpleMap (c: string, mapped: string): string {
  // A multi-rune mapping has no simple equivalent in Go's tables: the rune stays as it is.
  return mapped.length === c.length || [...mapped].length === 1 ? mapped : c
}
