// Created (start) timestamps in remote write 2.0, as the current upstream types.proto has them:
// Sample.start_timestamp = 3 and Histogram.start_timestamp = 17 (TimeSeries field 6 reserved).
// What shoal sends is decoded with protobufjs from the vendored .proto; what protobufjs encodes
// (the current revision, and the earlier one with TimeSeries.created_timestamp = 6) is decoded by
// shoal's receiver.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, FLAG_STALE, SampleBatch } from '../../src/remotewrite/batch.js'
import { WriteRequestV2Encoder } from '../../src/remotewrite/codec-v2.js'
import { decodeWriteRequestV2 } from '../../src/remotewrite/decode-v2.js'
import { Series, type Histogram } from '../../src/storage/series.js'
import { decodeV2, encodeV2, Request, RequestEarlier, resolve } from './proto-v2.js'

const HIST: Histogram = { float: false, schema: 1, zeroThreshold: 0.001, zeroCount: 2, count: 5, sum: 7.25, positiveSpans: [0, 2], positiveBuckets: [1, 2], negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 0 }
const T = 1_765_000_000_000

test('encoder: start timestamps go into each Sample and Histogram; none is 0 and not written', () => {
  const counter = new Series([{ name: '__name__', value: 'jobs_total' }, { name: 'q', value: 'a' }])
  const gauge = new Series([{ name: '__name__', value: 'temp' }])
  const hist = new Series([{ name: '__name__', value: 'latency' }])
  const b = new SampleBatch(4)
  b.push(counter, T, 3, 0, undefined, -1, T - 60_000)
  b.push(counter, T + 1000, 4, 0, undefined, -1, T - 60_000)
  b.push(counter, T + 900, 4, FLAG_EXEMPLAR, { labels: [{ name: 'trace_id', value: 't1' }], value: 4, timestamp: T + 900 })
  b.push(gauge, T, 21.5, 0)
  b.push(hist, T, Number.NaN, FLAG_HISTOGRAM, HIST, -1, T - 5000)
  b.push(hist, T + 1000, Number.NaN, FLAG_HISTOGRAM | FLAG_STALE)
  const bytes = new WriteRequestV2Encoder().encode(b)
  const req = decodeV2(bytes)
  const byName = new Map(req.timeseries.map(ts => [resolve(req.symbols, ts.labelsRefs).__name__, ts]))
  assert.deepEqual(byName.get('jobs_total')!.samples, [
    { value: 3, timestamp: T, startTimestamp: T - 60_000 },
    { value: 4, timestamp: T + 1000, startTimestamp: T - 60_000 },
  ])
  assert.deepEqual(resolve(req.symbols, byName.get('jobs_total')!.exemplars[0].labelsRefs), { trace_id: 't1' })
  assert.deepEqual(byName.get('temp')!.samples, [{ value: 21.5, timestamp: T, startTimestamp: 0 }])
  const h = byName.get('latency')!.histograms
  assert.equal(h[0].startTimestamp, T - 5000)
  assert.equal(h[0].timestamp, T)
  assert.equal(h[0].countInt, 5)
  assert.deepEqual(h[0].positiveDeltas, [1, 2])
  assert.equal(h[1].startTimestamp, 0)
  // Nothing in the reserved TimeSeries field 6: the earlier revision reads no created_timestamp.
  const earlier = RequestEarlier.toObject(RequestEarlier.decode(bytes), { longs: Number, defaults: true }) as { timeseries: Array<{ createdTimestamp: number }> }
  assert.deepEqual(earlier.timeseries.map(ts => ts.createdTimestamp), earlier.timeseries.map(() => 0))
  // "Not written": the gauge's Sample is 9 + 1 + varint(T) bytes, no start field.
  const raw = Request.decode(bytes).toJSON() as { timeseries: Array<{ samples?: Array<Record<string, unknown>> }> }
  const gaugeRaw = raw.timeseries.find(ts => ts.samples?.length === 1 && ts.samples[0].value === 21.5)!
  assert.equal('startTimestamp' in gaugeRaw.samples![0], false)
})

test('receiver: start timestamps per Sample and Histogram (current revision) are read', () => {
  const bytes = encodeV2({
    symbols: ['', '__name__', 'jobs_total', 'latency'],
    timeseries: [
      { labelsRefs: [1, 2], samples: [{ value: 1, timestamp: T, startTimestamp: T - 100 }, { value: 2, timestamp: T + 1 }] },
      { labelsRefs: [1, 3], histograms: [{ countInt: 1, sum: 1, schema: 0, zeroThreshold: 0, zeroCountInt: 1, timestamp: T, startTimestamp: T - 200 }] },
    ],
  })
  const d = decodeWriteRequestV2(bytes)
  assert.deepEqual(d.timeseries[0].samples, [{ value: 1, timestamp: T, stale: false, start: T - 100 }, { value: 2, timestamp: T + 1, stale: false }])
  assert.equal(d.timeseries[1].histograms[0].start, T - 200)
  assert.equal(d.timeseries[1].histograms[0].histogram!.count, 1)
})

test('receiver: the earlier revision\'s TimeSeries.created_timestamp applies to every sample of the series', () => {
  const msg = RequestEarlier.fromObject({
    symbols: ['', '__name__', 'jobs_total', 'latency'],
    timeseries: [
      { labelsRefs: [1, 2], samples: [{ value: 1, timestamp: T }, { value: 2, timestamp: T + 1 }], createdTimestamp: T - 300 },
      { labelsRefs: [1, 3], histograms: [{ countInt: 1, sum: 1, schema: 0, zeroThreshold: 0, zeroCountInt: 1, timestamp: T }], createdTimestamp: T - 400 },
      { labelsRefs: [1, 2], samples: [{ value: 3, timestamp: T + 2 }] },
    ],
  })
  const d = decodeWriteRequestV2(RequestEarlier.encode(msg).finish())
  assert.deepEqual(d.timeseries[0].samples.map(s => s.start), [T - 300, T - 300])
  assert.equal(d.timeseries[1].histograms[0].start, T - 400)
  assert.equal(d.timeseries[2].samples[0].start, undefined)
})
