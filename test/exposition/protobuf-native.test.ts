// Native histograms in the protobuf exposition format: bodies encoded with protobufjs from the
// vendored upstream metrics.proto, decoded by shoal's cursor; and a fixed-seed fuzz of the
// decoder (truncations, byte flips, bad varints, absurd lengths): ParseError or a result, never
// another exception, never a hang.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { Entry, ParseError, parserFor, type ParserOptions } from '../../src/exposition/parser.js'
import type { Histogram } from '../../src/storage/histogram.js'
import type { Label } from '../../src/storage/series.js'
import { mulberry32 } from '../helpers/random.js'

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

type Out = { kind: 'series', labels: string, value: number, ts?: number } | { kind: 'histogram', labels: string, h: Histogram, ts?: number, created?: number, exemplar?: number }

function all (buf: Buffer, opts: ParserOptions = {}): Out[] {
  const p = parserFor(CT, buf, opts)
  const out: Out[] = []
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series && e !== Entry.Histogram) continue
    const ls: Label[] = []
    p.labels(ls)
    const labels = ls.map(l => `${l.name}=${l.value}`).join(',')
    if (e === Entry.Histogram) out.push({ kind: 'histogram', labels, h: p.histogram!(), ts: p.timestamp(), created: p.createdTimestamp!(), exemplar: p.exemplar()?.value })
    else out.push({ kind: 'series', labels, value: p.value(), ts: p.timestamp() })
  }
  return out
}

test('integer native histogram: spans, deltas, both signs, zero bucket, created timestamp, timestamped exemplar', () => {
  const got = all(body([{
    name: 'rpc_seconds', type: 4,
    metric: [{
      label: [{ name: 'm', value: 'get' }], timestampMs: 1_700_000_000_500,
      histogram: {
        sampleCount: 19, sampleSum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCount: 2,
        positiveSpan: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDelta: [1, 2, -1, 3, -2],
        negativeSpan: [{ offset: 0, length: 2 }], negativeDelta: [2, -1],
        createdTimestamp: { seconds: 1_699_999_000, nanos: 250_000_000 },
        exemplars: [{ label: [{ name: 'id', value: 'x' }], value: 0.7 }, { label: [{ name: 'id', value: 'y' }], value: 0.9, timestamp: { seconds: 1_700_000_000 } }],
      },
    }],
  }]))
  assert.equal(got.length, 1)
  const g = got[0]
  assert.ok(g.kind === 'histogram')
  assert.equal(g.labels, '__name__=rpc_seconds,m=get')
  assert.equal(g.ts, 1_700_000_000_500)
  assert.equal(g.created, 1_699_999_000_250)
  assert.equal(g.exemplar, 0.9, 'the first exemplar with a timestamp (Prometheus drops the others)')
  assert.deepEqual(g.h, {
    float: false, schema: 3, zeroThreshold: 0.001, zeroCount: 2, count: 19, sum: 12.5,
    positiveSpans: [-2, 3, 4, 2], positiveBuckets: [1, 2, -1, 3, -2], negativeSpans: [0, 2], negativeBuckets: [2, -1],
    customValues: [], resetHint: 0,
  })
})

test('float gauge histogram: absolute counts, reset hint gauge; every exponential schema -4..8 decodes', () => {
  const got = all(body([{ name: 'fill', type: 5, metric: [{ histogram: { sampleCountFloat: 7.5, sampleSum: 4, schema: -2, zeroThreshold: 0.01, zeroCountFloat: 0.5, positiveSpan: [{ offset: 0, length: 2 }], positiveCount: [3, 4] } }] }]))
  assert.ok(got[0].kind === 'histogram')
  assert.deepEqual(got[0].h, { float: true, schema: -2, zeroThreshold: 0.01, zeroCount: 0.5, count: 7.5, sum: 4, positiveSpans: [0, 2], positiveBuckets: [3, 4], negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 3 })
  for (let schema = -4; schema <= 8; schema++) {
    const [h] = all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 1, schema, positiveSpan: [{ offset: 5, length: 1 }], positiveDelta: [1] } }] }]))
    assert.ok(h.kind === 'histogram' && h.h.schema === schema, `schema ${schema}`)
  }
  // A histogram with no observations yet is native by its no-op span.
  const [empty] = all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 0, positiveSpan: [{ offset: 0, length: 0 }] } }] }]))
  assert.equal(empty.kind, 'histogram')
})

test('packed and unpacked repeated fields decode alike', () => {
  // proto2 writes repeated scalars unpacked; a proto3 writer packs them. Same histogram.
  const w = protobuf.Writer.create()
  const packed = protobuf.parse(`syntax = "proto3"; package p;
    message Span { sint32 offset = 1; uint32 length = 2; }
    message H { uint64 sample_count = 1; double sample_sum = 2; sint32 schema = 5; repeated Span positive_span = 12; repeated sint64 positive_delta = 13; }
    message M { H histogram = 7; }
    message F { string name = 1; int32 type = 3; repeated M metric = 4; }`).root.lookupType('p.F')
  packed.encodeDelimited(packed.fromObject({ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 5, sampleSum: 1, schema: 1, positiveSpan: [{ offset: 1, length: 3 }], positiveDelta: [1, 1, 0] } }] }), w)
  const a = all(Buffer.from(w.finish()))
  const b = all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 5, sampleSum: 1, schema: 1, positiveSpan: [{ offset: 1, length: 3 }], positiveDelta: [1, 1, 0] } }] }]))
  assert.deepEqual(a, b)
  assert.ok(a[0].kind === 'histogram' && a[0].h.positiveBuckets.length === 3)
})

test('classic series of a native histogram only with classicHistograms; without native histograms only the classic ones', () => {
  const fam = [{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 5, sampleSum: 2, schema: 0, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [5], bucket: [{ upperBound: 1, cumulativeCount: 5 }] } }] }]
  assert.deepEqual(all(body(fam)).map(o => o.kind + ' ' + o.labels), ['histogram __name__=h'])
  assert.deepEqual(all(body(fam), { classicHistograms: true }).map(o => o.kind + ' ' + o.labels), [
    'histogram __name__=h', 'series __name__=h_count', 'series __name__=h_sum', 'series __name__=h_bucket,le=1.0', 'series __name__=h_bucket,le=+Inf'])
  assert.deepEqual(all(body(fam), { nativeHistograms: false }).map(o => o.kind + ' ' + o.labels), [
    'series __name__=h_count', 'series __name__=h_sum', 'series __name__=h_bucket,le=1.0', 'series __name__=h_bucket,le=+Inf'])
})

test('a native histogram whose spans and buckets disagree, or with an unknown schema, fails with a ParseError', () => {
  assert.throws(() => all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 1, positiveSpan: [{ offset: 0, length: 2 }], positiveDelta: [1] } }] }])), { name: 'ParseError', message: /spans need 2 buckets, have 1/ })
  assert.throws(() => all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 1, schema: 9, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [1] } }] }])), { name: 'ParseError', message: /invalid schema 9/ })
  // The exposition format carries no custom bounds: a schema -53 histogram can only have its +Inf bucket.
  assert.throws(() => all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 1, schema: -53, positiveSpan: [{ offset: 1, length: 1 }], positiveDelta: [1] } }] }])), { name: 'ParseError', message: /custom-bucket histogram has a bucket index 1 past its 0 custom bounds/ })
  const [nhcb] = all(body([{ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 1, schema: -53, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [1] } }] }]))
  assert.ok(nhcb.kind === 'histogram' && nhcb.h.schema === -53)
})

test('counter and summary created timestamps are decoded, not emitted as series', () => {
  const p = parserFor(CT, body([
    { name: 'c_total', type: 0, metric: [{ counter: { value: 3, createdTimestamp: { seconds: 10, nanos: 5_000_000 } } }] },
    { name: 's', type: 2, metric: [{ summary: { sampleCount: 1, sampleSum: 1, createdTimestamp: { seconds: 20 } } }] },
  ]))
  const seen: Array<[string, number | undefined]> = []
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Series) { const ls: Label[] = []; p.labels(ls); seen.push([ls[0].value, p.createdTimestamp!()]) }
  }
  assert.deepEqual(seen, [['c_total', 10_005], ['s_count', 20_000], ['s_sum', 20_000]])
})

function drain (buf: Buffer): void {
  const p = parserFor(CT, buf, { classicHistograms: true })
  let steps = 0
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (++steps > buf.length * 4 + 16) assert.fail('decoder does not advance')
    if (e === Entry.Series || e === Entry.Histogram) { p.labels([]); p.exemplar(); p.series(); if (e === Entry.Histogram) p.histogram!() }
  }
}

test('fuzz: truncated, flipped, bad-varint and absurd-length bodies give a ParseError or a result, nothing else', () => {
  const good = body([
    { name: 'rpc_seconds', help: 'h', type: 4, metric: [{ label: [{ name: 'a', value: 'b' }], histogram: { sampleCount: 19, sampleSum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCount: 2, positiveSpan: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDelta: [1, 2, -1, 3, -2], negativeSpan: [{ offset: 0, length: 2 }], negativeDelta: [2, -1], bucket: [{ upperBound: 1, cumulativeCount: 10, exemplar: { label: [{ name: 'x', value: 'y' }], value: 1 } }] } }] },
    { name: 'c_total', type: 0, metric: [{ counter: { value: 3, exemplar: { value: 1, timestamp: { seconds: 1 } } } }] },
    { name: 's', type: 2, metric: [{ summary: { sampleCount: 1, sampleSum: 1, quantile: [{ quantile: 0.5, value: 1 }] } }] },
  ])
  drain(good)
  const rnd = mulberry32(20)
  let errors = 0
  const cases = 3000
  for (let i = 0; i < cases; i++) {
    let b = Buffer.from(good)
    const op = i % 4
    if (op === 0) b = b.subarray(0, Math.floor(rnd() * b.length))
    else if (op === 1) { for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256) }
    else if (op === 2) { const at = Math.floor(rnd() * b.length); b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + Math.floor(rnd() * 11), 0xff), b.subarray(at)]) }
    else { const at = Math.floor(rnd() * b.length); b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), b.subarray(at)]) }
    try { drain(b) } catch (e) {
      if (!(e instanceof ParseError)) assert.fail(`case ${i}: ${(e as Error).stack}`)
      errors++
    }
  }
  assert.ok(errors > cases / 4, `${errors} of ${cases} mutated bodies failed`)
})
