import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Series, type Labels } from '../../src/storage/series.js'
import { FLAG_EXEMPLAR, FLAG_STALE, SampleBatch } from '../../src/remotewrite/batch.js'
import { encodeLabels, WriteRequestEncoder } from '../../src/remotewrite/codec.js'
import { decodeWriteRequest } from '../../src/remotewrite/decode.js'
import { pbDecode, pbEncode } from './proto.js'

const L = (o: Record<string, string>): Labels => Object.keys(o).sort().map(name => ({ name, value: o[name] }))

describe('WriteRequestEncoder', () => {
  it('round-trips labels, special values and timestamps through protobufjs', () => {
    const a = new Series(L({ __name__: 'up', job: 'node', instance: 'héllo:9100' }))
    const b = new Series(L({ __name__: 'x', long: 'v'.repeat(300) }))
    const batch = new SampleBatch(2)
    const ts = 1_712_345_678_901
    batch.push(a, ts, 1, 0)
    batch.push(b, ts, Number.POSITIVE_INFINITY, 0)
    batch.push(a, ts + 15000, Number.NEGATIVE_INFINITY, 0)
    batch.push(b, 0, -0.5, 0)
    batch.push(b, -1500, Number.MAX_VALUE, 0)
    batch.push(a, 2 ** 53 - 1, Number.NaN, 0)
    const enc = new WriteRequestEncoder()
    const got = pbDecode(enc.encode(batch))
    assert.equal(got.timeseries.length, 2, 'grouped by series')
    assert.deepEqual(got.timeseries[0].labels, [...a.labels])
    assert.deepEqual(got.timeseries[1].labels, [...b.labels])
    assert.deepEqual(got.timeseries[0].samples.map(s => [s.value, s.timestamp]),
      [[1, ts], [Number.NEGATIVE_INFINITY, ts + 15000], [Number.NaN, 2 ** 53 - 1]])
    assert.deepEqual(got.timeseries[1].samples.map(s => [s.value, s.timestamp]),
      [[Number.POSITIVE_INFINITY, ts], [-0.5, 0], [Number.MAX_VALUE, -1500]])
    assert.deepEqual(got.metadata, [])
    assert.ok(a.encoded !== undefined, 'label bytes cached on the series')
  })

  it('reuses the cached label bytes on later encodes', () => {
    const s = new Series(L({ __name__: 'm' }))
    const enc = new WriteRequestEncoder()
    const batch = new SampleBatch()
    batch.push(s, 1, 1, 0)
    enc.encode(batch)
    // Poison the cache: the next request must carry exactly these bytes.
    s.encoded = encodeLabels(L({ __name__: 'cached' }))
    const got = pbDecode(enc.encode(batch))
    assert.deepEqual(got.timeseries[0].labels, [{ name: '__name__', value: 'cached' }])
  })

  it('without grouping writes one TimeSeries per sample, like Prometheus', () => {
    const s = new Series(L({ __name__: 'm' }))
    const batch = new SampleBatch()
    batch.push(s, 1, 1, 0)
    batch.push(s, 2, 2, 0)
    const got = pbDecode(new WriteRequestEncoder({ groupBySeries: false }).encode(batch))
    assert.deepEqual(got.timeseries.map(t => t.samples.map(x => x.value)), [[1], [2]])
  })

  it('writes StaleNaN with its exact bits 0x7ff0000000000002', () => {
    const s = new Series(L({ a: 'b' }))
    const batch = new SampleBatch()
    batch.push(s, 5, Number.NaN, FLAG_STALE)
    batch.push(s, 6, Number.NaN, 0)
    const bytes = Buffer.from(new WriteRequestEncoder().encode(batch))
    // Sample 1: tag 0x12, len 11, tag 0x09 + StaleNaN LE, tag 0x10 + ts 5.
    const stale = Buffer.from([0x12, 11, 0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0x10, 5])
    assert.ok(bytes.includes(stale), bytes.toString('hex'))
    const decoded = decodeWriteRequest(bytes)
    assert.deepEqual(decoded.timeseries[0].samples.map(x => x.stale), [true, false])
    assert.ok(Number.isNaN(decoded.timeseries[0].samples[1].value))
  })

  it('encodes exemplars and metadata', () => {
    const s = new Series(L({ __name__: 'req_total' }))
    const batch = new SampleBatch()
    batch.push(s, 1000, 7, 0)
    batch.push(s, 999, 0.25, FLAG_EXEMPLAR, { labels: L({ trace_id: 'abc' }), value: 0.25, timestamp: 999 })
    const got = pbDecode(new WriteRequestEncoder().encode(batch, [
      { metricFamily: 'req', type: 'counter', help: 'Requests.', unit: '' },
      { metricFamily: 'lat', type: 'histogram', help: '', unit: 'seconds' }
    ]))
    assert.equal(got.timeseries.length, 1)
    assert.deepEqual(got.timeseries[0].samples, [{ value: 7, timestamp: 1000 }])
    assert.deepEqual(got.timeseries[0].exemplars, [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.25, timestamp: 999 }])
    assert.deepEqual(got.metadata, [
      { type: 'COUNTER', metricFamilyName: 'req', help: 'Requests.', unit: '' },
      { type: 'HISTOGRAM', metricFamilyName: 'lat', help: '', unit: 'seconds' }
    ])
  })

  it('grows its buffer for large batches', () => {
    const series = Array.from({ length: 3000 }, (_, i) => new Series(L({ __name__: 'm', i: String(i), pad: 'x'.repeat(40) })))
    const batch = new SampleBatch()
    for (const s of series) batch.push(s, 1_700_000_000_000 + s.id, s.id / 3, 0)
    const got = pbDecode(new WriteRequestEncoder().encode(batch))
    assert.equal(got.timeseries.length, 3000)
    assert.deepEqual(got.timeseries[2999].labels[1], { name: 'i', value: '2999' })
    assert.equal(got.timeseries[2999].samples[0].value, series[2999].id / 3)
  })
})

describe('decodeWriteRequest', () => {
  it('decodes what protobufjs encodes', () => {
    const buf = pbEncode({
      timeseries: [{
        labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'j' }],
        samples: [{ value: 1, timestamp: 1_712_345_678_901 }, { value: Number.POSITIVE_INFINITY, timestamp: -5 }],
        exemplars: [{ labels: [{ name: 't', value: '1' }], value: 3, timestamp: 9 }]
      }],
      metadata: [{ type: 'GAUGE', metricFamilyName: 'up', help: 'h', unit: 'u' }]
    })
    assert.deepEqual(decodeWriteRequest(buf), {
      timeseries: [{
        labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'j' }],
        samples: [{ value: 1, timestamp: 1_712_345_678_901, stale: false }, { value: Number.POSITIVE_INFINITY, timestamp: -5, stale: false }],
        exemplars: [{ labels: [{ name: 't', value: '1' }], value: 3, timestamp: 9 }],
        histograms: []
      }],
      metadata: [{ type: 'gauge', metricFamilyName: 'up', help: 'h', unit: 'u' }]
    })
  })

  it('rejects truncated input', () => {
    const buf = pbEncode({ timeseries: [{ labels: [{ name: 'a', value: 'b' }], samples: [], exemplars: [] }], metadata: [] })
    assert.throws(() => decodeWriteRequest(buf.subarray(0, buf.length - 2)), { name: 'WriteRequestDecodeError' })
  })
})
