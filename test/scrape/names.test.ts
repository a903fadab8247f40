// Name escaping and validation against Prometheus's own examples: the escaping docs
// (prometheus/docs docs/instrumenting/escaping_schemes.md) and prometheus/common's
// TestEscapeName table (model/metric_test.go).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { escapeName, formatLabels, isLegacyLabelName, isLegacyMetricName, isUtf8Name, validLabels } from '../../src/scrape/names.js'

const table: Array<{ in: string, underscores: string, dots: string, values: string }> = [
  { in: '', underscores: '', dots: '', values: '' },
  { in: 'no:escaping_required', underscores: 'no:escaping_required', dots: 'no:escaping__required', values: 'no:escaping_required' },
  { in: 'mysystem.prod.west.cpu.load', underscores: 'mysystem_prod_west_cpu_load', dots: 'mysystem_dot_prod_dot_west_dot_cpu_dot_load', values: 'U__mysystem_2e_prod_2e_west_2e_cpu_2e_load' },
  { in: 'mysystem.prod.west.cpu.load_total', underscores: 'mysystem_prod_west_cpu_load_total', dots: 'mysystem_dot_prod_dot_west_dot_cpu_dot_load__total', values: 'U__mysystem_2e_prod_2e_west_2e_cpu_2e_load__total' },
  { in: 'http.status:sum', underscores: 'http_status:sum', dots: 'http_dot_status:sum', values: 'U__http_2e_status:sum' },
  { in: 'label with 😱', underscores: 'label_with__', dots: 'label__with____', values: 'U__label_20_with_20__1f631_' },
  { in: '花火', underscores: '__', dots: '____', values: 'U___82b1__706b_' },
  { in: 'label with \u0100', underscores: 'label_with__', dots: 'label__with____', values: 'U__label_20_with_20__100_' },
  // The docs' examples.
  { in: 'metric.name/with/slashes', underscores: 'metric_name_with_slashes', dots: 'metric_dot_name__with__slashes', values: 'U__metric_2e_name_2f_with_2f_slashes' },
  { in: 'metric.name.with.dots', underscores: 'metric_name_with_dots', dots: 'metric_dot_name_dot_with_dot_dots', values: 'U__metric_2e_name_2e_with_2e_dots' },
  // A digit may not start a name, but may follow.
  { in: '0a.b1', underscores: '_a_b1', dots: '__a_dot_b1', values: 'U___30_a_2e_b1' },
]

for (const c of table) {
  test(`escapeName ${JSON.stringify(c.in)}`, () => {
    assert.equal(escapeName(c.in, 'underscores'), c.underscores)
    assert.equal(escapeName(c.in, 'dots'), c.dots)
    assert.equal(escapeName(c.in, 'values'), c.values)
    assert.equal(escapeName(c.in, 'allow-utf-8'), c.in)
    // Every escaped name is a legacy one (the point of escaping).
    if (c.in !== '') for (const s of [c.underscores, c.dots, c.values]) assert.ok(isLegacyMetricName(s), s)
  })
}

test('a lone surrogate is value-escaped as U+FFFD, as Go escapes an invalid rune', () => {
  assert.equal(escapeName('a\uD800', 'values'), 'U__a_FFFD_')
})

test('legacy and UTF-8 name validation', () => {
  for (const s of ['a', '_', ':a', 'a:b_c9', 'A']) assert.ok(isLegacyMetricName(s), s)
  for (const s of ['', '9a', 'a.b', 'a-b', 'é', 'a b']) assert.ok(!isLegacyMetricName(s), s)
  for (const s of ['a', '_x', 'B9']) assert.ok(isLegacyLabelName(s), s)
  for (const s of ['', ':a', 'a:b', '1a', 'service.name']) assert.ok(!isLegacyLabelName(s), s)
  for (const s of ['a.b', 'service.name', '花火', ' ', '😱']) assert.ok(isUtf8Name(s), s)
  for (const s of ['', '\uD800', 'a\uDC00', '\uDC00\uD800']) assert.ok(!isUtf8Name(s), JSON.stringify(s))
})

test('validLabels: the metric name, label names and values under each scheme', () => {
  const ok = [{ name: '__name__', value: 'up' }, { name: 'job', value: 'x.y' }]
  const dotted = [{ name: '__name__', value: 'http.server.duration' }, { name: 'job', value: 'a' }]
  const dottedLabel = [{ name: '__name__', value: 'up' }, { name: 'service.name', value: 'api' }]
  const colonLabel = [{ name: '__name__', value: 'up' }, { name: 'a:b', value: '1' }]
  const badValue = [{ name: '__name__', value: 'up' }, { name: 'a', value: '\uD800' }]
  assert.equal(validLabels(ok, 'legacy'), true)
  assert.equal(validLabels(dotted, 'legacy'), false)
  assert.equal(validLabels(dottedLabel, 'legacy'), false)
  assert.equal(validLabels(colonLabel, 'legacy'), false)
  assert.equal(validLabels(dotted, 'utf8'), true)
  assert.equal(validLabels(dottedLabel, 'utf8'), true)
  assert.equal(validLabels(colonLabel, 'utf8'), true)
  assert.equal(validLabels(badValue, 'utf8'), false)
  assert.equal(validLabels([{ name: '__name__', value: '' }], 'utf8'), false)
  assert.equal(formatLabels(dottedLabel), '{__name__="up", "service.name"="api"}')
})
