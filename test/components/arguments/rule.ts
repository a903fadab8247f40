// Alloy's `rule` block (shared/reference/components/rule-block.md), as discovery.relabel,
// prometheus.relabel and remote_write's write_relabel_config have it, under `prefix`.
import type { Row } from './table.js'

/** The base config needs `${prefix}.target_label` set: the default action, replace, requires one (as Alloy). */
export function ruleRows (prefix: string, errorPrefix = ''): Row[] {
  const p = (n: string): string => `${prefix}.${n}`
  return [
    { name: p('action'), type: 'string', alloyDefault: '"replace"', decoded: 'replace', bad: '"nope"', error: '"nope" invalid value "nope", must be one of "replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase"' },
    { name: p('modulus'), type: 'uint', decoded: 0, bad: '-1', error: '-1 must be at least 0, got -1' },
    { name: p('regex'), type: 'string', alloyDefault: '"(.*)"', decoded: '(.*)', bad: '"("', error: errorPrefix + 'rule[0]: invalid \'regex\' "(": error parsing regexp: missing closing ): `(`' },
    { name: p('replacement'), type: 'string', alloyDefault: '"$1"', decoded: '$1', bad: 'true', error: 'true should be string, got bool' },
    { name: p('separator'), type: 'string', alloyDefault: '";"', decoded: ';', bad: '[";"]', error: '[";"] should be string, got array' },
    { name: p('source_labels'), type: 'list(string)', decoded: [], bad: '"a"', error: '"a" should be array, got string' },
    // No default to spell out: the empty default fails the replace action's check, as in Alloy.
    { name: p('target_label'), type: 'string', decoded: '', bad: '"${1"', error: errorPrefix + 'rule[0]: "${1" is invalid \'target_label\' for replace action' },
  ]
}
