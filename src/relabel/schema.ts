// The Alloy body of a `rule { ... }` / `write_relabel_config { ... }` block, with Alloy's
// defaults, and the step from decoded blocks to compiled rules.

import { attr, t } from '../vm/schema.js'
import { ACTIONS, compileRule, DEFAULT_RULE, RelabelConfigError } from './rule.js'
import type { CompileOptions, Rule, RuleConfig } from './rule.js'

export type { Action, CompileOptions, Rule, RuleConfig } from './rule.js'

export const ruleSchema = {
  source_labels: attr(t.array(t.string), { default: DEFAULT_RULE.source_labels }),
  separator: attr(t.string, { default: DEFAULT_RULE.separator }),
  regex: attr(t.string, { default: DEFAULT_RULE.regex }),
  modulus: attr({ kind: 'number', int: true, min: 0 } as const, { default: DEFAULT_RULE.modulus }),
  target_label: attr(t.string, { default: DEFAULT_RULE.target_label }),
  replacement: attr(t.string, { default: DEFAULT_RULE.replacement }),
  action: attr(t.enum(...ACTIONS), { default: DEFAULT_RULE.action }),
}

/**
 * Validates and compiles decoded rule blocks in order. Throws one RelabelConfigError naming
 * every bad rule by its index (`rule[2]: ...`); its ruleIndex is the first bad one.
 */
export function rulesFromDecoded (rules: RuleConfig[], opts: CompileOptions = {}): Rule[] {
  const out: Rule[] = []
  const problems: string[] = []
  let first: number | undefined
  rules.forEach((cfg, i) => {
    try {
      out.push(compileRule({ ...DEFAULT_RULE, ...cfg }, opts))
    } catch (e) {
      if (!(e instanceof RelabelConfigError)) throw e
      first ??= i
      problems.push(`rule[${i}]: ${e.message}`)
    }
  })
  if (problems.length > 0) throw new RelabelConfigError(problems.join('; '), first)
  return out
}
