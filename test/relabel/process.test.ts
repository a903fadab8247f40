import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LabelsBuilder, processBuilder, relabel } from '../../src/relabel/process.js'
import type { RuleConfig, NameValidation } from '../../src/relabel/rule.js'
import { L, R, obj } from './helpers.js'

interface Case {
  name: string
  input: Record<string, string>
  rules: Partial<RuleConfig>[]
  /** undefined: dropped */
  output: Record<string, string> | undefined
  validation?: NameValidation
}

// Inputs and expected outputs of Prometheus's TestRelabel (model/relabel/relabel_test.go),
// restated as data, followed by edge cases of our own.
const cases: Case[] = [
  {
    name: 'replace with ${1} twice',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: 'choo-choo' },
  },
  {
    name: 'chained replaces see earlier results',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
      { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
    ],
    output: { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
  },
  {
    name: 'drop stops before later rules',
    input: { a: 'foo' },
    rules: [
      { source_labels: ['a'], regex: '.*o.*', action: 'drop' },
      { source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch$1-ch$1' },
    ],
    output: undefined,
  },
  {
    name: 'drop on match',
    input: { a: 'foo', b: 'bar' },
    rules: [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }],
    output: undefined,
  },
  {
    name: 'replace with a group in the middle',
    input: { a: 'abc' },
    rules: [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd', replacement: '$1' }],
    output: { a: 'abc', d: 'b' },
  },
  {
    name: 'drop without match keeps',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'drop regex is anchored (f|o does not match foo)',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }],
    output: { a: 'foo' },
  },
  {
    name: 'keep without match drops',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }],
    output: undefined,
  },
  {
    name: 'keep on match',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }],
    output: { a: 'foo' },
  },
  {
    name: 'replace without match changes nothing',
    input: { a: 'boo' },
    rules: [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }],
    output: { a: 'boo' },
  },
  {
    name: 'empty replacement deletes the (expanded) target',
    input: { a: 'foo', f: 'baz' },
    rules: [{ source_labels: ['a'], regex: '(f).*', target_label: '$1', replacement: '$2' }],
    output: { a: 'foo' },
  },
  {
    name: 'hashmod 1000 of "baz"',
    input: { a: 'foo', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['c'], target_label: 'd', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo', b: 'bar', c: 'baz', d: '976' },
  },
  {
    name: 'hashmod 1000 of a value with a newline',
    input: { a: 'foo\nbar' },
    rules: [{ source_labels: ['a'], target_label: 'b', action: 'hashmod', modulus: 1000 }],
    output: { a: 'foo\nbar', b: '734' },
  },
  {
    name: 'labelmap with a prefix',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }],
    output: { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap of __meta labels',
    input: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
    rules: [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
    output: { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
  },
  {
    name: 'target_label from a group',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${2}', target_label: '${1}' }],
    output: { a: 'some-name-value', name: 'value' },
  },
  {
    name: 'replacement of a missing group is empty: nothing to delete',
    input: { a: 'some-name-value' },
    rules: [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${3}', target_label: '${1}' }],
    output: { a: 'some-name-value' },
  },
  {
    name: 'target_label expanding to "" is skipped',
    input: { a: 'some-name-0' },
    rules: [
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' },
      { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' },
      { source_labels: ['a'], regex: 'some-([^-]+)(-[^,]+)', replacement: '${1}', target_label: '${3}' },
    ],
    output: { a: 'some-name-0' },
  },
  {
    name: 'real-life tag parsing',
    input: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
    rules: [
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)path:(/[^,]+).*', replacement: '${1}', target_label: '__metrics_path__' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', replacement: '${1}', target_label: 'job' },
      { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', replacement: '${2}', target_label: '${1}' },
    ],
    output: { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
  },
  {
    name: 'prometheus#12283: labeldrop then re-add then keep',
    input: { __meta_kubernetes_pod_container_port_name: 'foo', __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091' },
    rules: [
      { regex: '^__meta_kubernetes_pod_container_port_name$', action: 'labeldrop' },
      { source_labels: ['__meta_kubernetes_pod_annotation_XXX_metrics_port'], regex: '(.+)', replacement: 'metrics', target_label: '__meta_kubernetes_pod_container_port_name' },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: '^metrics$', action: 'keep' },
    ],
    output: { __meta_kubernetes_pod_annotation_XXX_metrics_port: '9091', __meta_kubernetes_pod_container_port_name: 'metrics' },
  },
  {
    name: 'labelkeep matches names',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labelkeep' }],
    output: { b1: 'bar', b2: 'baz' },
  },
  {
    name: 'labeldrop matches names',
    input: { a: 'foo', b1: 'bar', b2: 'baz' },
    rules: [{ regex: '(b.*)', action: 'labeldrop' }],
    output: { a: 'foo' },
  },
  {
    name: 'uppercase and lowercase',
    input: { foo: 'bAr123Foo' },
    rules: [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ],
    output: { foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' },
  },
  {
    name: 'keepequal keeps when equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'dropequal drops when equal',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }],
    output: undefined,
  },
  {
    name: 'dropequal keeps when different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }],
    output: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
  },
  {
    name: 'keepequal drops when different',
    input: { __tmp_port: '1234', __port1: '1234', __port2: '5678' },
    rules: [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }],
    output: undefined,
  },
  {
    name: '. matches newlines (the regex is wrapped in (?s:...))',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' }],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 source label name',
    input: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['utf-8.label'], regex: 'line1.*line2', target_label: 'd', replacement: 'match${1}' }],
    output: { 'utf-8.label': 'line1\nline2', b: 'bar', c: 'baz', d: 'match' },
  },
  {
    name: 'UTF-8 target label name (utf8 validation)',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [{ source_labels: ['a'], regex: 'line1.*line2', target_label: 'utf-8.label', replacement: 'match${1}' }],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', 'utf-8.label': 'match' },
    validation: 'utf8',
  },
  {
    name: 'UTF-8 target label name is not written under legacy validation',
    input: { a: 'x' },
    rules: [{ source_labels: ['a'], target_label: 'utf-8.label' }],
    output: { a: 'x' },
    validation: 'legacy',
  },
  {
    name: 'named groups in both $name and ${name} forms, (?<name>) syntax',
    input: { a: 'line1\nline2', b: 'bar', c: 'baz' },
    rules: [
      { source_labels: ['a'], regex: '(line1).*(?<second>line2)', target_label: 'label1_${1}', replacement: 'val_${second}' },
      { source_labels: ['a'], regex: '(line1).*(?<second>line2)', target_label: 'label2_$1', replacement: 'val_$second' },
    ],
    output: { a: 'line1\nline2', b: 'bar', c: 'baz', label1_line1: 'val_line2', label2_line1: 'val_line2' },
  },
  {
    name: 'replace with a constant replacement, $-anchored regex',
    input: { __name__: 'http_requests_total' },
    rules: [{ source_labels: ['__name__'], regex: '.*_total$', target_label: '__type__', replacement: 'counter' }],
    output: { __name__: 'http_requests_total', __type__: 'counter' },
  },
  {
    name: 'replace with a constant, second example',
    input: { __name__: 'disk_usage_bytes' },
    rules: [{ source_labels: ['__name__'], regex: '.*_bytes$', target_label: '__unit__', replacement: 'bytes' }],
    output: { __name__: 'disk_usage_bytes', __unit__: 'bytes' },
  },

  // Our own edge cases.
  {
    name: '$1x is group "1x" (empty), not group 1 then x',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: '(f)(o+)', target_label: 'b', replacement: '$1x-${1}x-$2' }],
    output: { a: 'foo', b: '-fx-oo' },
  },
  {
    name: 'default rule copies the joined value, missing sources join as ""',
    input: { a: 'x', c: 'z' },
    rules: [{ source_labels: ['a', 'b', 'c'], target_label: 'j' }],
    output: { a: 'x', c: 'z', j: 'x;;z' },
  },
  {
    name: 'custom separator',
    input: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'b'], separator: '/', target_label: 'j' }],
    output: { a: 'x', b: 'y', j: 'x/y' },
  },
  {
    name: 'replace of an empty source with default regex deletes the target',
    input: { a: 'x', t: 'old' },
    rules: [{ source_labels: ['missing'], target_label: 't' }],
    output: { a: 'x' },
  },
  {
    name: 'replace with no source labels sets a static value',
    input: { a: 'x' },
    rules: [{ target_label: 'env', replacement: 'prod' }],
    output: { a: 'x', env: 'prod' },
  },
  {
    name: 'target_label with $ expanding to an invalid legacy name is skipped',
    input: { a: 'my-name' },
    rules: [{ source_labels: ['a'], regex: '(.*)', target_label: '${1}', replacement: 'v' }],
    output: { a: 'my-name' },
  },
  {
    name: 'same case under utf8 validation writes the label',
    input: { a: 'my-name' },
    rules: [{ source_labels: ['a'], regex: '(.*)', target_label: '${1}', replacement: 'v' }],
    output: { a: 'my-name', 'my-name': 'v' },
    validation: 'utf8',
  },
  {
    name: '$$ is a literal dollar, a lone $ stays as text',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], target_label: 'b', replacement: '$$1-$-${x' }],
    output: { a: 'foo', b: '$1-$-${x' },
  },
  {
    name: '$0 is the whole match',
    input: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: 'f(o)o', target_label: 'b', replacement: '<$0>' }],
    output: { a: 'foo', b: '<foo>' },
  },
  {
    name: 'lowercase of an absent label deletes the target',
    input: { a: 'x', t: 'y' },
    rules: [{ source_labels: ['missing'], action: 'lowercase', target_label: 't' }],
    output: { a: 'x' },
  },
  {
    name: 'keepequal on two absent labels keeps',
    input: { a: 'x' },
    rules: [{ source_labels: ['nope'], action: 'keepequal', target_label: 'nada' }],
    output: { a: 'x' },
  },
  {
    name: 'keep/drop on an absent label match against ""',
    input: { a: 'x' },
    rules: [{ source_labels: ['nope'], regex: '', action: 'keep' }, { source_labels: ['nope'], regex: '.+', action: 'drop' }],
    output: { a: 'x' },
  },
  {
    name: 'labelmap overwrites existing labels and keeps the source',
    input: { __meta_x: 'new', x: 'old' },
    rules: [{ regex: '__meta_(.+)', action: 'labelmap' }],
    output: { __meta_x: 'new', x: 'new' },
  },
  {
    name: 'labelmap sees a snapshot: labels it creates are not mapped again',
    input: { a_a_x: '1' },
    rules: [{ regex: 'a_(.+)', action: 'labelmap' }],
    output: { a_a_x: '1', a_x: '1' },
  },
  {
    name: 'labeldrop after a replace drops the new label too',
    input: { a: 'x' },
    rules: [{ source_labels: ['a'], target_label: 'tmp_a' }, { regex: 'tmp_.*', action: 'labeldrop' }],
    output: { a: 'x' },
  },
  {
    name: 'labelkeep keeps nothing when nothing matches',
    input: { a: 'x', b: 'y' },
    rules: [{ regex: 'zzz', action: 'labelkeep' }],
    output: {},
  },
  {
    name: 'case-insensitive keep via (?i)',
    input: { env: 'PROD' },
    rules: [{ source_labels: ['env'], regex: '(?i)prod', action: 'keep' }],
    output: { env: 'PROD' },
  },
  {
    name: 'uppercase uses simple case mapping (ß stays, not SS)',
    input: { a: 'straße' },
    rules: [{ source_labels: ['a'], action: 'uppercase', target_label: 'b' }],
    output: { a: 'straße', b: 'STRAßE' },
  },
  {
    name: 'lowercase uses simple case mapping (İ becomes i, Σ always σ)',
    input: { a: 'İSTANBUL ΟΔΟΣ' },
    rules: [{ source_labels: ['a'], action: 'lowercase', target_label: 'b' }],
    output: { a: 'İSTANBUL ΟΔΟΣ', b: 'istanbul οδοσ' },
  },
  {
    name: 'hashmod writes 0 for modulus 1',
    input: { a: 'x' },
    rules: [{ source_labels: ['a'], action: 'hashmod', modulus: 1, target_label: 'h' }],
    output: { a: 'x', h: '0' },
  },
  {
    name: 'sharding pattern: hashmod then keep shard 0 then labeldrop',
    input: { __address__: '10.132.183.40:80', job: 'j' },
    rules: [
      { source_labels: ['__address__'], target_label: '__tmp_hash', modulus: 3, action: 'hashmod' },
      { source_labels: ['__tmp_hash'], regex: '^1$', action: 'keep' },
      { regex: '__tmp_hash', action: 'labeldrop' },
    ],
    // md5("10.132.183.40:80") low 64 bits mod 3 = 1 (checked in hashmod.test.ts).
    output: { __address__: '10.132.183.40:80', job: 'j' },
  },
]

for (const c of cases) {
  test(`relabel: ${c.name}`, () => {
    const input = L(c.input)
    const snapshot = JSON.stringify(input)
    const rules = c.rules.map(r => R(r, { nameValidation: c.validation ?? 'legacy' }))
    const out = relabel(input, rules)
    assert.deepEqual(obj(out), c.output)
    if (out !== undefined) {
      const names = out.map(l => l.name)
      assert.deepEqual(names, [...names].sort(), 'output is sorted')
      assert.ok(out.every(l => l.value !== ''), 'no empty values')
    }
    assert.equal(JSON.stringify(input), snapshot, 'input not mutated')
  })
}

test('relabel returns the input array itself when nothing changed', () => {
  const input = L({ a: 'x', b: 'y' })
  assert.equal(relabel(input, [R({ source_labels: ['a'], regex: 'x', action: 'keep' })]), input)
  assert.equal(relabel(input, []), input)
  // Setting a label to the value it already has is no change either.
  assert.equal(relabel(input, [R({ source_labels: ['a'], target_label: 'a' })]), input)
})

test('relabel drops empty-valued input labels from the output', () => {
  const input = [{ name: 'a', value: '' }, { name: 'b', value: 'y' }]
  assert.deepEqual(relabel(input, []), [{ name: 'b', value: 'y' }])
})

test('processBuilder reuses one builder across calls', () => {
  const lb = new LabelsBuilder()
  const rules = [R({ source_labels: ['a'], target_label: 'b', replacement: '<$1>' })]
  lb.reset(L({ a: '1' }))
  assert.equal(processBuilder(lb, rules), true)
  assert.deepEqual(obj(lb.labels()), { a: '1', b: '<1>' })
  lb.reset(L({ a: '2', c: '3' }))
  assert.equal(processBuilder(lb, rules), true)
  assert.deepEqual(obj(lb.labels()), { a: '2', b: '<2>', c: '3' })
})

test('relabel of many labels (binary-search path) keeps order and values', () => {
  const o: Record<string, string> = {}
  for (let i = 0; i < 40; i++) o[`l${String(i).padStart(2, '0')}`] = `v${i}`
  const out = relabel(L(o), [
    R({ source_labels: ['l07', 'l33'], target_label: 'l20', separator: '+' }),
    R({ regex: 'l1.', action: 'labeldrop' }),
  ])
  assert.ok(out !== undefined)
  assert.equal(out.length, 30)
  assert.deepEqual(obj(out)!.l20, 'v7+v33')
  assert.equal(obj(out)!.l15, undefined)
  assert.equal(obj(out)!.l39, 'v39')
})
