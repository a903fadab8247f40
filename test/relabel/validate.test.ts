import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isLabelNameTemplate, RelabelConfigError } from '../../src/relabel/rule.js'
import type { RuleConfig } from '../../src/relabel/rule.js'
import { ruleSchema, rulesFromDecoded } from '../../src/relabel/schema.js'
import { R } from './helpers.js'

const some = { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}' }

// Alloy's relabel.Config.Validate cases and wording (internal/component/common/relabel).
const errors: { name: string, cfg: Partial<RuleConfig>, message: string | undefined }[] = [
  { name: 'empty action', cfg: { action: '' as RuleConfig['action'] }, message: 'relabel action cannot be empty' },
  { name: 'actions are case-sensitive in Alloy', cfg: { action: 'Replace' as RuleConfig['action'] }, message: 'unrecognized action type "Replace"' },
  { name: 'replace needs target_label', cfg: { action: 'replace' }, message: "relabel configuration for replace action requires 'target_label' value" },
  { name: 'lowercase needs target_label', cfg: { action: 'lowercase' }, message: "relabel configuration for lowercase action requires 'target_label' value" },
  { name: 'keepequal needs target_label', cfg: { action: 'keepequal' }, message: "relabel configuration for keepequal action requires 'target_label' value" },
  { name: 'hashmod needs a modulus', cfg: { action: 'hashmod', target_label: 'h' }, message: 'relabel configuration for hashmod requires non-zero modulus' },
  { name: 'hashmod: modulus is checked before target_label', cfg: { action: 'hashmod' }, message: 'relabel configuration for hashmod requires non-zero modulus' },
  { name: 'hashmod needs target_label', cfg: { action: 'hashmod', modulus: 4 }, message: "relabel configuration for hashmod action requires 'target_label' value" },
  { name: 'lowercase to ${3} is allowed (UTF-8 name)', cfg: { action: 'lowercase', target_label: '${3}' }, message: undefined },
  { name: 'replace to ${3}', cfg: { ...some, target_label: '${3}' }, message: undefined },
  { name: 'replace to 0${3}', cfg: { ...some, target_label: '0${3}' }, message: '"0${3}" is invalid \'target_label\' for replace action' },
  { name: 'replace to -${3}', cfg: { ...some, target_label: '-${3}' }, message: '"-${3}" is invalid \'target_label\' for replace action' },
  { name: 'replace to a UTF-8 name with a $var (Alloy rejects; Prometheus utf8 would not)', cfg: { ...some, target_label: 'utf-8.label${1}' }, message: '"utf-8.label${1}" is invalid \'target_label\' for replace action' },
  { name: 'replace to a UTF-8 name without $', cfg: { target_label: 'utf-8.label' }, message: undefined },
  { name: 'uppercase with a replacement', cfg: { action: 'uppercase', target_label: 'u', replacement: 'x' }, message: "'replacement' can not be set for uppercase action" },
  { name: 'dropequal with a replacement', cfg: { action: 'dropequal', target_label: 'u', replacement: '' }, message: "'replacement' can not be set for dropequal action" },
  { name: 'labelmap replacement $1', cfg: { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(strimzi_io_.+)', replacement: '$1' }, message: undefined },
  { name: 'labelmap replacement ${1}', cfg: { action: 'labelmap', regex: '__meta_(.+)', replacement: '${1}' }, message: undefined },
  { name: 'labelmap replacement with a dot', cfg: { action: 'labelmap', replacement: 'foo.$1' }, message: '"foo.$1" is invalid \'replacement\' for labelmap action' },
  { name: 'labelmap replacement empty', cfg: { action: 'labelmap', replacement: '' }, message: '"" is invalid \'replacement\' for labelmap action' },
  { name: 'labeldrop with source_labels', cfg: { action: 'labeldrop', regex: 'x', source_labels: ['a'] }, message: "labeldrop action requires only 'regex', and no other fields" },
  { name: 'labelkeep with target_label', cfg: { action: 'labelkeep', regex: 'x', target_label: 't' }, message: "labelkeep action requires only 'regex', and no other fields" },
  { name: 'labeldrop with separator', cfg: { action: 'labeldrop', separator: ',' }, message: "labeldrop action requires only 'regex', and no other fields" },
  { name: 'labelkeep with modulus', cfg: { action: 'labelkeep', modulus: 2 }, message: "labelkeep action requires only 'regex', and no other fields" },
  { name: 'labeldrop with only regex', cfg: { action: 'labeldrop', regex: 'tmp_.*' }, message: undefined },
  { name: 'keepequal with a regex', cfg: { action: 'keepequal', target_label: 't', regex: 'x' }, message: "keepequal action requires only 'source_labels' and 'target_label', and no other fields" },
  { name: 'dropequal with a separator', cfg: { action: 'dropequal', target_label: 't', separator: ',' }, message: "dropequal action requires only 'source_labels' and 'target_label', and no other fields" },
  { name: 'keepequal with the default regex spelled out', cfg: { action: 'keepequal', target_label: 't', regex: '(.*)' }, message: undefined },
  { name: 'hashmod to an invalid name? UTF-8 names are valid', cfg: { action: 'hashmod', modulus: 2, target_label: 'a.b' }, message: undefined },
  { name: 'negative modulus', cfg: { action: 'hashmod', modulus: -1, target_label: 'h' }, message: "'modulus' must be a non-negative integer, got -1" },
  { name: 'fractional modulus', cfg: { action: 'hashmod', modulus: 1.5, target_label: 'h' }, message: "'modulus' must be a non-negative integer, got 1.5" },
  { name: 'bad regex', cfg: { action: 'keep', regex: '(a' }, message: "invalid 'regex' \"(a\": error parsing regexp: missing closing ): `(a`" },
  { name: 'backreference', cfg: { action: 'keep', regex: '(a)\\1' }, message: "invalid 'regex' \"(a)\\\\1\": error parsing regexp: invalid escape sequence: `\\1` (backreferences are not supported by RE2)" },
]

for (const c of errors) {
  test(`validate: ${c.name}`, () => {
    if (c.message === undefined) {
      assert.doesNotThrow(() => R(c.cfg))
      return
    }
    assert.throws(() => R(c.cfg), (e: unknown) => {
      assert.ok(e instanceof RelabelConfigError)
      assert.equal(e.message, c.message)
      return true
    })
  })
}

test('target label templates: the language of Prometheus\'s relabelTarget regex', () => {
  const table: [string, boolean][] = [
    ['-label', false], ['label', true], ['label${1}', true], ['${1}label', true], ['${1}', true],
    ['${', false], ['$', false], ['${}', false], ['foo${', false], ['$1', true], ['asd$2asd', true],
    ['-foo${1}bar-', false], ['bar.foo${1}bar', false], ['_${1}_', true], ['foo${bar}foo', true],
    ['', false], ['1abc', false], ['$a{b}', false], ['$1$', false], ['a$b$c', true], ['${a-b}', false],
  ]
  for (const [s, valid] of table) assert.equal(isLabelNameTemplate(s), valid, s)
  // Cross-check against the original regex, which is JS-compatible.
  const re = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/
  for (const [s] of table) assert.equal(isLabelNameTemplate(s), re.test(s), `regex agrees on ${s}`)
})

test('target label template check is linear on adversarial input', () => {
  const s = 'a'.repeat(50_000) + '-'
  const t0 = performance.now()
  assert.equal(isLabelNameTemplate(s), false)
  assert.ok(performance.now() - t0 < 200)
})

test('ruleSchema carries Alloy\'s defaults', () => {
  const defaults = Object.fromEntries(Object.entries(ruleSchema).map(([k, v]) => [k, v.kind === 'attr' ? v.default : undefined]))
  assert.deepEqual(defaults, {
    source_labels: [], separator: ';', regex: '(.*)', modulus: 0, target_label: '', replacement: '$1', action: 'replace',
  })
  const action = ruleSchema.action
  assert.ok(action.kind === 'attr' && action.type.kind === 'enum')
  assert.equal(action.type.values.length, 11)
})

test('rulesFromDecoded compiles in order and lists every bad rule by index', () => {
  const ok: RuleConfig = { source_labels: ['a'], separator: ';', regex: '(.*)', modulus: 0, target_label: 'b', replacement: '$1', action: 'replace' }
  const rules = rulesFromDecoded([ok, { ...ok, action: 'keep', regex: 'x' }])
  assert.deepEqual(rules.map(r => r.action), ['replace', 'keep'])
  assert.equal(rules[0].nameValidation, 'legacy')
  assert.equal(rulesFromDecoded([ok], { nameValidation: 'utf8' })[0].nameValidation, 'utf8')
  assert.throws(() => rulesFromDecoded([ok, { ...ok, target_label: '' }, ok, { ...ok, action: 'hashmod' }]), (e: unknown) => {
    assert.ok(e instanceof RelabelConfigError)
    assert.equal(e.ruleIndex, 1)
    assert.equal(e.message,
      "rule[1]: relabel configuration for replace action requires 'target_label' value; " +
      'rule[3]: relabel configuration for hashmod requires non-zero modulus')
    return true
  })
})

test('compiled rule keeps a frozen copy of its config', () => {
  const src = ['a']
  const r = R({ source_labels: src, target_label: 'b' })
  src.push('z')
  assert.deepEqual(r.config.source_labels, ['a'])
  assert.ok(Object.isFrozen(r.config))
})
