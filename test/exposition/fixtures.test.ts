// The three real exposition bodies parse completely, with exact counts and spot values.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parserFor } from '../../src/exposition/parser.js'
import { lintExposition } from '../../src/exposition/lint.js'
import { FIXTURES, collect, obj } from './helpers.js'

const read = (f: string): string => readFileSync(FIXTURES + 'exposition/' + f, 'utf8')

test('node_exporter body', () => {
  const body = read('node_exporter.prom.txt')
  const { samples, meta } = collect(parserFor('text/plain; version=0.0.4; charset=utf-8', body))
  assert.equal(samples.length, 3027)
  assert.equal(meta.filter(m => m.kind === 'type').length, 1228)
  const idle = samples.find(s => s.series === 'node_cpu_seconds_total{cpu="0",mode="idle"}')
  assert.ok(idle)
  assert.equal(idle.value, 10870.69)
  assert.equal(idle.timestamp, undefined)
  assert.deepEqual(idle.labels, [
    { name: '__name__', value: 'node_cpu_seconds_total' }, { name: 'cpu', value: '0' }, { name: 'mode', value: 'idle' }])
  const dmi = samples.find(s => s.series.startsWith('node_dmi_info{'))
  assert.ok(dmi)
  assert.equal(obj(dmi.labels).product_version, '\uFFFD\x1c[\uFFFD')
  assert.equal(obj(dmi.labels).product_sku, 'SKU=NotProvided;ModelName=PowerEdge R6515')
  assert.equal(dmi.labels.length, 20)
  assert.deepEqual(lintExposition(body, 'text'), { ok: true, samples: 3027 })
})

test('prometheus server body: summaries normalise quantile labels', () => {
  const body = read('prometheus-server.prom.txt')
  const { samples, meta } = collect(parserFor(undefined, body))
  assert.equal(samples.length, 1857)
  const types = meta.filter(m => m.kind === 'type').map(m => m.text)
  assert.deepEqual([types.filter(t => t === 'counter').length, types.filter(t => t === 'gauge').length,
    types.filter(t => t === 'histogram').length, types.filter(t => t === 'summary').length], [112, 97, 15, 13])
  const q = samples.filter(s => s.series.startsWith('go_gc_duration_seconds{'))
  assert.deepEqual(q.map(s => obj(s.labels).quantile), ['0.0', '0.25', '0.5', '0.75', '1.0'])
  assert.deepEqual(q.map(s => s.series)[4], 'go_gc_duration_seconds{quantile="1"}')
  assert.equal(q[0].value, 7.6238e-05)
  const count = samples.find(s => s.series === 'go_gc_duration_seconds_count')
  assert.equal(count?.value, 190932)
  const help = meta.find(m => m.kind === 'help' && m.family === 'go_gc_duration_seconds')
  assert.equal(help?.text, 'A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.')
})

test('OpenMetrics alltypes body: exemplars, _created, float timestamps', () => {
  const body = read('alltypes.om.txt')
  const { samples, meta } = collect(parserFor('application/openmetrics-text; version=1.0.0; charset=utf-8', body))
  assert.equal(samples.length, 53)
  assert.deepEqual(meta.filter(m => m.kind === 'type').map(m => m.text), ['gauge', 'counter', 'histogram', 'summary', 'counter'])
  const b = samples.find(s => s.series === 'rpc_durations_histogram_seconds_bucket{le="1.0000000000000216e-05"}')
  assert.ok(b)
  assert.equal(b.value, 8)
  assert.equal(obj(b.labels).le, '1.0000000000000216e-05')
  assert.deepEqual(b.exemplar, { labels: [{ name: 'dummyID', value: '19206' }], value: -4.6156147425468016e-05, timestamp: 1726839815133 })
  const created = samples.filter(s => s.created)
  assert.equal(created.length, 2 + 1 + 3 + 3)
  assert.equal(created[0].series, 'promhttp_metric_handler_errors_created{cause="encoding"}')
  assert.equal(created[0].value, 1.726839813016397e+09)
  assert.equal(samples.find(s => s.series === 'rpc_requests_total{service="uniform"}')?.value, 11)
  const info = samples[0]
  assert.deepEqual(obj(info.labels), { __name__: 'go_build_info', checksum: '', path: '', version: '' })
  // Strict lint rejects it: a histogram with negative buckets must not expose _sum (OpenMetrics 1.0).
  const lint = lintExposition(body, 'openmetrics')
  assert.equal(lint.ok, false)
  assert.equal(!lint.ok && lint.line, 33)
})
