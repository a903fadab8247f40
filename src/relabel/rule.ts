// One relabel rule: its config as the user wrote it (Alloy's `rule` block keys), validated
// the way Alloy's relabel.Config.Validate does and compiled once for the hot path.

import { relabelRegex, Re2SyntaxError } from './regex.js'
import type { Re2Regex } from './regex.js'
import { parseTemplate } from './template.js'
import type { Template } from './template.js'

export const ACTIONS = [
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
] as const

export type Action = typeof ACTIONS[number]

export interface RuleConfig {
  source_labels: string[]
  separator: string
  regex: string
  modulus: number
  target_label: string
  replacement: string
  action: Action
}

/**
 * Which label names a replace may write once `target_label` is expanded:
 * - 'legacy': `[a-zA-Z_][a-zA-Z0-9_]*`, as in Prometheus's engine, which Alloy uses for
 *   prometheus.relabel, prometheus.scrape's metric relabeling and remote_write;
 * - 'utf8': any non-empty string, as in Alloy's own engine (discovery.relabel).
 * Other invalid expansions make the rule a no-op for that input.
 */
export type NameValidation = 'legacy' | 'utf8'

export interface CompileOptions {
  /** @default 'legacy' */
  nameValidation?: NameValidation
}

export interface Rule {
  readonly config: Readonly<RuleConfig>
  readonly action: Action
  readonly sourceLabels: readonly string[]
  readonly separator: string
  readonly regex: Re2Regex
  readonly modulus: bigint
  readonly targetLabel: string
  /** target_label pre-parsed as a template (replace only expands it). */
  readonly target: Template
  readonly replacement: Template
  readonly nameValidation: NameValidation
}

export class RelabelConfigError extends Error {
  constructor (message: string, readonly ruleIndex?: number) {
    super(message)
    this.name = 'RelabelConfigError'
  }
}

export const DEFAULT_RULE: Readonly<RuleConfig> = Object.freeze({
  source_labels: [],
  separator: ';',
  regex: '(.*)',
  modulus: 0,
  target_label: '',
  replacement: '$1',
  action: 'replace',
})

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export function isLegacyLabelName (s: string): boolean {
  return LEGACY_NAME.test(s)
}

/** Go's `model.LabelName.IsValid()` under UTF-8 validation: non-empty, well-formed. */
export function isUtf8LabelName (s: string): boolean {
  return s !== '' && !LONE_SURROGATE.test(s)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const isWord = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_')

/**
 * A legacy label name that may contain `$var` / `${var}` references; the same language as
 * Prometheus's `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, checked without backtracking.
 */
export function isLabelNameTemplate (s: string): boolean {
  if (s === '') return false
  let i = 0
  const first = s[0]
  if (!(first === '$' || first === '_' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false
  while (i < s.length) {
    const c = s[i]
    if (c === '$') {
      i++
      const brace = s[i] === '{'
      if (brace) i++
      const from = i
      while (isWord(s[i])) i++
      if (i === from) return false
      if (brace) {
        if (s[i] !== '}') return false
        i++
      }
    } else if (isWord(c)) {
      i++
    } else {
      return false
    }
  }
  return true
}

/** Validates and compiles one rule. Throws RelabelConfigError. */
export function compileRule (cfg: RuleConfig, opts: CompileOptions = {}): Rule {
  const action = cfg.action
  if ((action as string) === '') throw new RelabelConfigError('relabel action cannot be empty')
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new RelabelConfigError(`unrecognized action type ${JSON.stringify(action)}`)
  }
  let regex: Re2Regex
  try {
    regex = relabelRegex(cfg.regex)
  } catch (e) {
    if (e instanceof Re2SyntaxError) throw new RelabelConfigError(`invalid 'regex' ${JSON.stringify(cfg.regex)}: ${e.message}`)
    throw e
  }
  if (!Number.isSafeInteger(cfg.modulus) || cfg.modulus < 0) {
    throw new RelabelConfigError(`'modulus' must be a non-negative integer, got ${cfg.modulus}`)
  }
  validate(cfg)
  return {
    config: Object.freeze({ ...cfg, source_labels: [...cfg.source_labels] }),
    action,
    sourceLabels: [...cfg.source_labels],
    separator: cfg.separator,
    regex,
    modulus: BigInt(cfg.modulus),
    targetLabel: cfg.target_label,
    target: parseTemplate(cfg.target_label, regex.names),
    replacement: parseTemplate(cfg.replacement, regex.names),
    nameValidation: opts.nameValidation ?? 'legacy',
  }
}

// Alloy's checks, in Alloy's order and words (first failure wins). Where Alloy calls
// LabelName.IsValid() it gets UTF-8 validation (prometheus/common's global default).
function validate (c: RuleConfig): void {
  const a = c.action
  const fail = (msg: string): never => { throw new RelabelConfigError(msg) }
  const q = JSON.stringify
  const needsTarget = a === 'replace' || a === 'hashmod' || a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal'
  const caseOrEqual = a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal'
  const t = c.target_label

  if (c.modulus === 0 && a === 'hashmod') fail('relabel configuration for hashmod requires non-zero modulus')
  if (needsTarget && t === '') fail(`relabel configuration for ${a} action requires 'target_label' value`)
  if (a === 'replace' && !t.includes('$') && !isUtf8LabelName(t)) fail(`${q(t)} is invalid 'target_label' for ${a} action`)
  if (a === 'replace' && t.includes('$') && !isLabelNameTemplate(t)) fail(`${q(t)} is invalid 'target_label' for ${a} action`)
  if (caseOrEqual && !isUtf8LabelName(t)) fail(`${q(t)} is invalid 'target_label' for ${a} action`)
  if (caseOrEqual && c.replacement !== DEFAULT_RULE.replacement) fail(`'replacement' can not be set for ${a} action`)
  if (a === 'labelmap' && !isLabelNameTemplate(c.replacement)) fail(`${q(c.replacement)} is invalid 'replacement' for ${a} action`)
  if (a === 'hashmod' && !isUtf8LabelName(t)) fail(`${q(t)} is invalid 'target_label' for ${a} action`)
  if (a === 'labeldrop' || a === 'labelkeep') {
    // Alloy rejects any source_labels attribute; a decoded config cannot tell [] from absent.
    if (c.source_labels.length > 0 || t !== DEFAULT_RULE.target_label || c.modulus !== DEFAULT_RULE.modulus ||
      c.separator !== DEFAULT_RULE.separator || c.replacement !== DEFAULT_RULE.replacement) {
      fail(`${a} action requires only 'regex', and no other fields`)
    }
  }
  if (a === 'keepequal' || a === 'dropequal') {
    if (c.regex !== DEFAULT_RULE.regex || c.modulus !== DEFAULT_RULE.modulus ||
      c.separator !== DEFAULT_RULE.separator || c.replacement !== DEFAULT_RULE.replacement) {
      fail(`${a} action requires only 'source_labels' and 'target_label', and no other fields`)
    }
  }
}
