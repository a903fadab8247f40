// Native histograms in remote write 1.0: what the encoder writes, decoded with protobufjs from
// the prompb Histogram message and compared field by field; what the decoder (receive_http's)
// makes of protobufjs-encoded requests, stale markers included; and the disk buffer keeping
// histograms across an outage (a restart reads them back from its segments).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FLAG_HISTOGRAM, FLAG_STALE, SampleBatch } from '../../src/remotewrite/batch.js'
import { WriteRequestEncoder } from '../../src/remotewrite/codec.js'
import { decodeWriteRequest } from '../../src/remotewrite/decode.js'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import { classicToNhcb, type Histogram } from '../../src/storage/histogram.js'
import { Series } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'
import { pbDecode, pbEncode, doubleBits, WriteRequest } from './proto.js'

const INT: Histogram = { float: false, schema: 3, zeroThreshold: 0.001, zeroCount: 2, count: 19, sum: 12.5, positiveSpans: [-2, 3, 4, 2], positiveBuckets: [1, 2, -1, 3, -2], negativeSpans: [0, 2], negativeBuckets: [2, -1], customValues: [], resetHint: 0 }
const FLOAT: Histogram = { float: true, schema: -4, zeroThreshold: 0.5, zeroCount: 0.25, count: 7.75, sum: -3, positiveSpans: [0, 2], positiveBuckets: [3, 4.5], negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 3 }
// A classic histogram (le 0.1: 1, le 1: 3, +Inf: 4) as custom buckets: the middle bucket empty, so two spans.
const NHCB = classicToNhcb([0.1, 0.5, 1], [1, 1, 3, 4], 2.5, false)

const s1 = new Series([{ name: '__name__', value: 'rpc' }, { name: 'm', value: 'get' }])
const s2 = new Series([{ name: '__name__', value: 'fill' }])
const s3 = new Series([{ name: '__name__', value: 'nhcb' }])

test('encoder: histograms in TimeSeries.histograms, field by field as protobufjs decodes them; a stale marker sums StaleNaN', () => {
  const b = new SampleBatch(8)
  b.push(s1, 1000, Number.NaN, FLAG_HISTOGRAM, INT)
  b.push(s1, 2000, Number.NaN, FLAG_HISTOGRAM | FLAG_STALE)
  b.push(s2, 1000, Number.NaN, FLAG_HISTOGRAM, FLOAT)
  b.push(s3, 1000, Number.NaN, FLAG_HISTOGRAM, NHCB)
  b.push(s2, 1500, 4, 0)
  const bytes = new WriteRequestEncoder().encode(b)
  const req = pbDecode(bytes)
  const [a, f, c] = req.timeseries
  assert.deepEqual(a.labels, [{ name: '__name__', value: 'rpc' }, { name: 'm', value: 'get' }])
  assert.deepEqual(a.samples, [])
  const [h, stale] = a.histograms!
  assert.deepEqual({ ...h }, {
    countInt: 19, sum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCountInt: 2,
    negativeSpans: [{ offset: 0, length: 2 }], negativeDeltas: [2, -1], negativeCounts: [],
    positiveSpans: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDeltas: [1, 2, -1, 3, -2], positiveCounts: [],
    resetHint: 'UNKNOWN', timestamp: 1000, customValues: [],
  })
  assert.equal(stale.timestamp, 2000)
  assert.equal(stale.countInt, 0)
  assert.ok(Number.isNaN(stale.sum))
  // The sum's exact bits: Prometheus's StaleNaN, not any NaN.
  const msg = WriteRequest.decode(bytes) as unknown as { timeseries: Array<{ histograms: Array<{ sum: number }> }> }
  assert.equal(doubleBits(msg.timeseries[0].histograms[1].sum), '7ff0000000000002')
  assert.deepEqual({ ...f.histograms![0] }, {
    countFloat: 7.75, sum: -3, schema: -4, zeroThreshold: 0.5, zeroCountFloat: 0.25,
    negativeSpans: [], negativeDeltas: [], negativeCounts: [], positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [], positiveCounts: [3, 4.5],
    resetHint: 'GAUGE', timestamp: 1000, customValues: [],
  })
  assert.deepEqual(f.samples, [{ value: 4, timestamp: 1500 }])
  assert.equal(c.histograms![0].schema, -53)
  assert.deepEqual(c.histograms![0].customValues, [0.1, 0.5, 1])
  assert.deepEqual(c.histograms![0].positiveSpans, [{ offset: 0, length: 1 }, { offset: 1, length: 2 }])
  assert.deepEqual(c.histograms![0].positiveDeltas, [1, 1, -1])
  assert.equal(c.histograms![0].countInt, 4)
})

test('decoder: protobufjs-encoded histograms come back as the Histogram values; StaleNaN sums are stale markers', () => {
  const buf = pbEncode({
    timeseries: [{
      labels: [{ name: '__name__', value: 'rpc' }],
      samples: [],
      exemplars: [],
      histograms: [
        { countInt: 19, sum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCountInt: 2, negativeSpans: [{ offset: 0, length: 2 }], negativeDeltas: [2, -1], negativeCounts: [], positiveSpans: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDeltas: [1, 2, -1, 3, -2], positiveCounts: [], resetHint: 'UNKNOWN', timestamp: 1000, customValues: [] },
        { countFloat: 7.75, sum: -3, schema: -4, zeroThreshold: 0.5, zeroCountFloat: 0.25, negativeSpans: [], negativeDeltas: [], negativeCounts: [], positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [], positiveCounts: [3, 4.5], resetHint: 'GAUGE', timestamp: 1000, customValues: [] },
      ],
    }],
    metadata: [],
  })
  const got = decodeWriteRequest(buf).timeseries[0].histograms
  assert.deepEqual(got, [{ histogram: INT, timestamp: 1000 }, { histogram: FLOAT, timestamp: 1000 }])
  // Our own encoder's output, stale marker included, decodes to what went in.
  const b = new SampleBatch(4)
  b.push(s3, 7, Number.NaN, FLAG_HISTOGRAM, NHCB)
  b.push(s3, 8, Number.NaN, FLAG_HISTOGRAM | FLAG_STALE)
  assert.deepEqual(decodeWriteRequest(new WriteRequestEncoder().encode(b)).timeseries[0].histograms, [{ histogram: NHCB, timestamp: 7 }, { histogram: undefined, timestamp: 8 }])
})

test('the disk buffer keeps histograms across an outage: a restart reads them back from the segments', () => {
  const dir = tempDir('disk-hist')
  const opts = { dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 64, maxMemoryEntries: 64 }
  let p = new DiskPending(opts)
  const b = new SampleBatch(256)
  for (let i = 0; i < 200; i++) {
    if (i % 3 === 0) b.push(s1, 1000 + i, Number.NaN, FLAG_HISTOGRAM, { ...INT, count: 19 + i, sum: i })
    else if (i % 3 === 1) b.push(s2, 1000 + i, i, 0)
    else b.push(s3, 1000 + i, Number.NaN, i % 5 === 0 ? FLAG_HISTOGRAM | FLAG_STALE : FLAG_HISTOGRAM, i % 5 === 0 ? undefined : NHCB)
  }
  p.write(b, 0, b.length)
  p.sync()
  // Nothing was sent (the receiver was down), and the process went away.
  p = new DiskPending(opts)
  assert.equal(p.length, 200)
  const got: Array<{ name: string, ts: number, flags: number, h: unknown, v: number }> = []
  p.drain((s, ts, v, flags, ex, seq) => { got.push({ name: s.labels[0].value, ts, flags, h: ex, v }); p.ack(seq!); return true })
  assert.equal(got.length, 200)
  for (let i = 0; i < 200; i++) {
    const g = got[i]
    assert.equal(g.ts, 1000 + i)
    if (i % 3 === 0) assert.deepEqual(g.h, { ...INT, count: 19 + i, sum: i }, `entry ${i}`)
    else if (i % 3 === 1) assert.equal(g.v, i)
    else if (i % 5 === 0) { assert.equal(g.flags, FLAG_HISTOGRAM | FLAG_STALE); assert.equal(g.h, undefined) } else assert.deepEqual(g.h, NHCB, `entry ${i}`)
  }
  p.close()
})
