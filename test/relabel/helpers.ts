import type { Label, Labels } from '../../src/storage/series.js'
import { compileRule, DEFAULT_RULE } from '../../src/relabel/rule.js'
import type { CompileOptions, Rule, RuleConfig } from '../../src/relabel/rule.js'

/** Sorted labels from an object (insertion order does not matter). */
export function L (o: Record<string, string>): Labels {
  const out: Label[] = Object.entries(o).map(([name, value]) => ({ name, value }))
  return out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
}

/** A rule from the fields given, Alloy defaults for the rest. */
export function R (cfg: Partial<RuleConfig>, opts?: CompileOptions): Rule {
  return compileRule({ ...DEFAULT_RULE, ...cfg, source_labels: cfg.source_labels ?? [] }, opts)
}

export function obj (labels: Labels | undefined): Record<string, string> | undefined {
  if (labels === undefined) return undefined
  return Object.fromEntries(labels.map(l => [l.name, l.value]))
}
