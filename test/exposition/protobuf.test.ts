// Protobuf exposition bodies encoded with protobufjs from the vendored upstream metrics.proto
// (test/fixtures/proto), decoded by shoal's hand-written reader.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { parserFor, Entry } from '../../src/exposition/parser.js'
import type { Label } from '../../src/storage/series.js'
import { acceptHeader } from '../../src/scrape/scraper.js'

const CT = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const root = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
const MF = root.lookupType('io.prometheus.client.MetricFamily')

function body (families: object[]): Buffer {
  const w = protobuf.Writer.create()
  for (const f of families) {
    const err = MF.verify(f)
    if (err !== null) throw new Error(err)
    MF.encodeDelimited(MF.fromObject(f), w)
  }
  return Buffer.from(w.finish())
}

function all (buf: Buffer): Array<{ labels: string, value: number, ts: number | undefined }> {
  const p = parserFor(CT, buf)
  const out: Array<{ labels: string, value: number, ts: number | undefined }> = []
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series) continue
    const ls: Label[] = []
    p.labels(ls)
    out.push({ labels: ls.map(l => `${l.name}=${l.value}`).join(','), value: p.value(), ts: p.timestamp() })
  }
  return out
}

test('protobuf: counter, gauge, untyped with labels and timestamps', () => {
  const got = all(body([
    { name: 'req_total', help: 'Requests.', type: 0, metric: [{ label: [{ name: 'path', value: '/a' }, { name: 'code', value: '200' }], counter: { value: 7 }, timestampMs: 1700000000123 }] },
    { name: 'temp', type: 1, metric: [{ gauge: { value: -1.5 } }, { label: [{ name: 'x', value: 'q"\n' }], gauge: { value: NaN } }] },
    { name: 'u', type: 3, metric: [{ untyped: { value: Infinity } }] },
  ]))
  assert.deepEqual(got.map(g => g.labels), ['__name__=req_total,code=200,path=/a', '__name__=temp', '__name__=temp,x=q"\n', '__name__=u'])
  assert.deepEqual(got.map(g => g.value).slice(0, 2), [7, -1.5])
  assert.ok(Number.isNaN(got[2].value))
  assert.equal(got[3].value, Infinity)
  assert.equal(got[0].ts, 1700000000123)
  assert.equal(got[1].ts, undefined)
})

test('protobuf: summary and classic histogram give the series Prometheus makes, in its order (_count, _sum, then quantiles/buckets; le/quantile normalised, +Inf added)', () => {
  const got = all(body([
    { name: 's', type: 2, metric: [{ summary: { sampleCount: 10, sampleSum: 2.5, quantile: [{ quantile: 0.5, value: 0.2 }, { quantile: 1, value: 0.9 }] } }] },
    { name: 'h', type: 4, metric: [{ histogram: { sampleCount: 5, sampleSum: 12, bucket: [{ upperBound: 1, cumulativeCount: 2 }, { upperBound: 2.5, cumulativeCount: 4 }] } }] },
  ]))
  assert.deepEqual(got.map(g => `${g.labels} ${g.value}`), [
    '__name__=s_count 10', '__name__=s_sum 2.5', '__name__=s,quantile=0.5 0.2', '__name__=s,quantile=1.0 0.9',
    '__name__=h_count 5', '__name__=h_sum 12', '__name__=h_bucket,le=1.0 2', '__name__=h_bucket,le=2.5 4', '__name__=h_bucket,le=+Inf 5',
  ])
})

test('protobuf: series keys are distinct per label set and metadata entries carry help and type', () => {
  const p = parserFor(CT, body([{ name: 'g', help: 'Help text.', type: 1, metric: [{ label: [{ name: 'a', value: '1' }], gauge: { value: 1 } }, { label: [{ name: 'a', value: '2' }], gauge: { value: 2 } }] }]))
  assert.equal(p.next(), Entry.Help); assert.equal(p.help(), 'Help text.'); assert.equal(p.metricFamily(), 'g')
  assert.equal(p.next(), Entry.Type); assert.equal(p.type(), 'gauge')
  assert.equal(p.next(), Entry.Series); const k1 = p.series()
  assert.equal(p.next(), Entry.Series); assert.notEqual(p.series(), k1)
  assert.equal(p.next(), Entry.EOF)
})

test('protobuf: truncated bodies and bad varints fail with a ParseError, never another exception', () => {
  const good = body([{ name: 'h', type: 4, metric: [{ label: [{ name: 'a', value: 'b' }], histogram: { sampleCount: 5, sampleSum: 12, bucket: [{ upperBound: 1, cumulativeCount: 2 }] } }] }])
  for (let n = 1; n < good.length; n++) {
    assert.throws(() => all(good.subarray(0, n)), { name: 'ParseError' }, `truncated at ${n}`)
  }
  assert.throws(() => all(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), { name: 'ParseError' })
  assert.throws(() => all(Buffer.from([0x7f, 0x0a])), { name: 'ParseError' }) // length past the end
})

test('Accept header offers protobuf when PrometheusProto is configured', () => {
  assert.match(acceptHeader(['PrometheusProto', 'PrometheusText0.0.4']), /^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited;q=0\.6,text\/plain;version=0\.0\.4;q=0\.5,\*\/\*;q=0\.4$/)
})
