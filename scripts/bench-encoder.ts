// Remote-write encoder benchmark: ns/sample for WriteRequest encoding (+ snappy) of batches of
// 1000 series (one scrape each), remote write 2.0 encoding of the same batches (without and with
// created timestamps), and protobufjs on the same data for reference.
// Usage: node --import tsx scripts/bench-encoder.ts [batches=200]

import protobuf from 'protobufjs'
import { SampleBatch } from '../src/remotewrite/batch.js'
import { WriteRequestEncoder } from '../src/remotewrite/codec.js'
import { WriteRequestV2Encoder } from '../src/remotewrite/codec-v2.js'
import { loadJsSnappy, loadNativeSnappy, type Snappy } from '../src/remotewrite/snappy.js'
import { Series, sortLabels, type Label } from '../src/storage/series.js'

const SERIES = 1000
const BATCHES = Number(process.argv[2] ?? 200)

const series = Array.from({ length: SERIES }, (_, i) => new Series(sortLabels<Label>([
  { name: '__name__', value: `node_cpu_seconds_total_${i % 40}` },
  { name: 'instance', value: `10.0.${i % 7}.${i % 250}:9100` },
  { name: 'job', value: 'node' },
  { name: 'cpu', value: String(i % 16) },
  { name: 'mode', value: ['idle', 'user', 'system', 'iowait'][i % 4] }
])))

const batches = Array.from({ length: 8 }, (_, b) => {
  const batch = new SampleBatch(SERIES)
  const ts = 1_712_345_678_000 + b * 15_000
  for (const s of series) batch.push(s, ts, Math.round(Math.random() * 1e6) / 100, 0)
  return batch
})
// The same samples, each with its counter's created timestamp.
const withStart = batches.map((b, k) => {
  const batch = new SampleBatch(SERIES)
  for (let i = 0; i < b.length; i++) batch.push(b.series[i], b.timestamps[i], b.values[i], 0, undefined, -1, 1_712_000_000_000 + (i % 50) * 1000 + k)
  return batch
})

function bench (name: string, fn: (batch: SampleBatch) => number, data = batches): void {
  for (let i = 0; i < 20; i++) fn(data[i % data.length]) // warm-up
  let bytes = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < BATCHES; i++) bytes += fn(data[i % data.length])
  const ns = Number(process.hrtime.bigint() - t0)
  const samples = BATCHES * SERIES
  console.log(`${name.padEnd(44)} ${(ns / samples).toFixed(1).padStart(7)} ns/sample  ${(bytes / samples).toFixed(2).padStart(6)} bytes/sample`)
}

const grouped = new WriteRequestEncoder({ groupBySeries: true })
const flat = new WriteRequestEncoder({ groupBySeries: false })
const native = await loadNativeSnappy()
const js = await loadJsSnappy()
// Each implementation runs twice, interleaved: on a shared machine the spread shows the noise.
const snappies: Snappy[] = native !== undefined ? [native, js, native, js] : [js]

console.log(`${SERIES} series x ${BATCHES} batches (${SERIES * BATCHES} samples), Node ${process.version}`)
bench('encode (grouped by series)', b => grouped.encode(b).length)
bench('encode (one TimeSeries per sample)', b => flat.encode(b).length)
for (const s of snappies) {
  bench(`encode + snappy ${s.impl}`, b => s.compress(grouped.encode(b)).length)
}
const v2 = new WriteRequestV2Encoder()
bench('encode 2.0', b => v2.encode(b).length)
bench('encode 2.0, created timestamps', b => v2.encode(b).length, withStart)
bench('encode 2.0 (again)', b => v2.encode(b).length)

// Reference: protobufjs building message objects per request, as a naive sender would.
const root = protobuf.parse(`syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message Sample { double value = 1; int64 timestamp = 2; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }`).root
const WR = root.lookupType('WriteRequest')
bench('protobufjs encode (reference)', b => {
  const timeseries = []
  for (let i = 0; i < b.length; i++) {
    timeseries.push({ labels: b.series[i].labels, samples: [{ value: b.values[i], timestamp: b.timestamps[i] }] })
  }
  return WR.encode({ timeseries }).finish().length
})
