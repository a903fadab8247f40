// The disk buffer keeps everything remote write 2.0 sends: exemplars with their labels, created
// (start) timestamps and metric metadata, read back from the segments after an outage and a
// restart; segments of the earlier format (no such records) still read.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import {
  forEachExemplar, forEachMetadata, RecordBuffer, REC_EXEMPLARS, REC_METADATA, REC_SAMPLES_AT, REC_SAMPLES_ST, SegmentReader, SegmentWriter, segmentName,
} from '../../src/remotewrite/disk/segment.js'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, SampleBatch, type Attached } from '../../src/remotewrite/batch.js'
import { Series, type Exemplar, type Histogram, type Metadata } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'

const T = 1_765_000_000_000
const counter = new Series([{ name: '__name__', value: 'jobs_total' }, { name: 'queue', value: 'ä' }])
const gauge = new Series([{ name: '__name__', value: 'temp' }])
const hist = new Series([{ name: '__name__', value: 'latency' }])
const HIST: Histogram = { float: false, schema: 0, zeroThreshold: 0, zeroCount: 1, count: 3, sum: 2, positiveSpans: [0, 1], positiveBuckets: [2], negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 0 }
const META: Array<[string, Metadata]> = [
  ['jobs', { type: 'counter', help: 'Jobs run, "all" of them.\nTwo lines.', unit: '' }],
  ['temp', { type: 'gauge', help: 'Temperature.', unit: 'celsius' }],
  ['latency', { type: 'histogram', help: '', unit: 'seconds' }],
]

interface Got { name: string, ts: number, value: number, flags: number, att: Attached | undefined, start: number }

function drainAll (p: DiskPending): Got[] {
  const got: Got[] = []
  const seqs: number[] = []
  p.drain((s, ts, value, flags, att, seq, start) => {
    got.push({ name: s.labels[0].value, ts, value, flags, att, start })
    seqs.push(seq)
    return true
  })
  for (const q of seqs) p.ack(q)
  return got
}

/** 300 entries over three series: counter samples with a start timestamp, exemplars, gauges without, histograms with. */
function batch (): SampleBatch {
  const b = new SampleBatch(300)
  for (let i = 0; i < 300; i++) {
    const k = i % 4
    if (k === 0) b.push(counter, T + i, i, 0, undefined, -1, T - 60_000 - i)
    else if (k === 1) b.push(counter, T + i, i / 2, FLAG_EXEMPLAR, { labels: [{ name: 'trace_id', value: `t${i}` }, { name: 'span', value: 'é' }], value: i / 2, timestamp: T + i })
    else if (k === 2) b.push(gauge, T + i, -i, 0)
    else b.push(hist, T + i, Number.NaN, FLAG_HISTOGRAM, { ...HIST, count: i }, -1, T - 5000)
  }
  return b
}

function check (got: Got[]): void {
  assert.equal(got.length, 300)
  got.forEach((g, i) => {
    const k = i % 4
    assert.equal(g.ts, T + i, `entry ${i}`)
    if (k === 0) assert.deepEqual([g.name, g.value, g.start], ['jobs_total', i, T - 60_000 - i], `entry ${i}`)
    else if (k === 1) {
      assert.equal(g.flags, FLAG_EXEMPLAR)
      assert.deepEqual(g.att, { labels: [{ name: 'trace_id', value: `t${i}` }, { name: 'span', value: 'é' }], value: i / 2, timestamp: T + i } satisfies Exemplar, `entry ${i}`)
      assert.equal(g.start, 0)
    } else if (k === 2) assert.deepEqual([g.name, g.value, g.start], ['temp', -i, 0], `entry ${i}`)
    else { assert.deepEqual(g.att, { ...HIST, count: i }, `entry ${i}`); assert.equal(g.start, T - 5000) }
  })
}

test('exemplars, start timestamps and histograms come back from disk (outage: far more than the memory window)', () => {
  const dir = tempDir('disk-v2-outage')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 16, maxMemoryEntries: 16 })
  const b = batch()
  p.write(b, 0, b.length)
  check(drainAll(p))
  p.close()
})

test('a restart reads back exemplars, start timestamps and metadata; metadata reaches onMetadata before the samples', () => {
  const dir = tempDir('disk-v2-restart')
  const opts = { dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 64, maxMemoryEntries: 64 }
  let p = new DiskPending(opts)
  for (const [f, m] of META) p.noteMetadata(f, m)
  const b = batch()
  p.write(b, 0, b.length)
  p.sync()
  // The receiver was down, and the process went away.
  p = new DiskPending(opts)
  const events: string[] = []
  const meta = new Map<string, Metadata>()
  p.onMetadata((f, m) => { events.push(`meta ${f}`); meta.set(f, m) })
  const got = drainAll(p)
  check(got)
  assert.deepEqual(new Map(META), meta)
  assert.deepEqual(events, META.map(([f]) => `meta ${f}`), 'read before the first sample was handed out')
  p.close()
})

test('metadata is written once per change, and every new segment repeats all of it', () => {
  const dir = tempDir('disk-v2-meta')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 100_000, segmentBytes: 4096, memoryEntries: 16, maxMemoryEntries: 16 })
  for (const [f, m] of META) p.noteMetadata(f, m)
  const b = new SampleBatch(64)
  for (let round = 0; round < 40; round++) {
    b.clear()
    for (let i = 0; i < 64; i++) b.push(gauge, T + round * 64 + i, i, 0)
    p.noteMetadata('temp', round === 20 ? { type: 'gauge', help: 'Temperature (new help).', unit: 'celsius' } : META[1][1])
    p.write(b, 0, b.length)
  }
  p.close()
  const segs = readdirSync(dir).filter(n => n.endsWith('.seg')).sort()
  assert.ok(segs.length >= 3, `rotated (${segs.length} segments)`)
  const perSegment = segs.map(name => {
    const r = new SegmentReader(join(dir, name))
    const recs: Array<Array<[string, string]>> = []
    for (let t = r.next(); t !== 0; t = r.next()) {
      if (t === REC_METADATA) { const one: Array<[string, string]> = []; forEachMetadata(r.payload(), (f, m) => one.push([f, m.help])); recs.push(one) }
    }
    r.close()
    return recs
  })
  assert.deepEqual(perSegment[0][0].map(([f]) => f), ['jobs', 'temp', 'latency'], 'the first flush writes all noted')
  for (const [i, recs] of perSegment.entries()) {
    if (i === 0) continue
    assert.deepEqual(recs[0].map(([f]) => f).sort(), ['jobs', 'latency', 'temp'], `segment ${i} starts with all metadata`)
  }
  // Changes only: round 20 changed temp's help, round 21 changed it back; the other rounds noted the same.
  const changes = perSegment.flat().filter(r => r.length === 1)
  assert.deepEqual(changes.map(r => r[0]), [['temp', 'Temperature (new help).'], ['temp', 'Temperature.']])
})

test('records: exemplar and metadata entries round-trip; truncated ones throw', () => {
  const rec = new RecordBuffer()
  rec.begin(REC_EXEMPLARS)
  rec.u32(2)
  rec.exemplar(7, [{ name: 'trace_id', value: 'abc' }])
  rec.exemplar(2 ** 40, [])
  rec.end()
  rec.metadata(META, META.length)
  const dir = tempDir('disk-v2-records')
  const w = new SegmentWriter(join(dir, segmentName(0)), 0, true)
  w.append(rec)
  w.close()
  const r = new SegmentReader(join(dir, segmentName(0)))
  assert.equal(r.next(), REC_EXEMPLARS)
  const ex: Array<[number, unknown]> = []
  forEachExemplar(r.payload(), (seq, labels) => ex.push([seq, labels]))
  assert.deepEqual(ex, [[7, [{ name: 'trace_id', value: 'abc' }]], [2 ** 40, []]])
  const exPayload = Buffer.from(r.payload())
  assert.equal(r.next(), REC_METADATA)
  const md: Array<[string, Metadata]> = []
  forEachMetadata(r.payload(), (f, m) => md.push([f, m]))
  assert.deepEqual(md, META)
  const mdPayload = Buffer.from(r.payload())
  assert.equal(r.next(), 0)
  r.close()
  assert.throws(() => forEachExemplar(exPayload.subarray(0, exPayload.length - 2), () => {}), RangeError)
  assert.throws(() => forEachMetadata(mdPayload.subarray(0, mdPayload.length - 3), () => {}), RangeError)
})

test('a segment of the earlier format (SAMPLES_AT, no exemplar, start or metadata records) still reads', () => {
  const dir = tempDir('disk-v2-old')
  const w = new SegmentWriter(join(dir, segmentName(0)), 0, true)
  const rec = new RecordBuffer()
  rec.series(3, [{ name: '__name__', value: 'old_total' }])
  rec.begin(REC_SAMPLES_AT)
  rec.f64(0)
  rec.u32(2)
  rec.ensure(42)
  rec.sample(3, 1000, 1.5, 0)
  rec.sample(3, 990, 1.5, FLAG_EXEMPLAR) // the earlier format kept no exemplar labels
  rec.end()
  w.append(rec)
  w.close()
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  assert.deepEqual(drainAll(p), [
    { name: 'old_total', ts: 1000, value: 1.5, flags: 0, att: undefined, start: 0 },
    { name: 'old_total', ts: 990, value: 1.5, flags: FLAG_EXEMPLAR, att: undefined, start: 0 },
  ])
  p.close()
})

test('only a flush with a start timestamp writes the longer SAMPLES_ST record', () => {
  const dir = tempDir('disk-v2-kinds')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  const b = new SampleBatch(4)
  b.push(gauge, T, 1, 0)
  p.write(b, 0, 1)
  b.clear()
  b.push(counter, T, 1, 0, undefined, -1, T - 1)
  p.write(b, 0, 1)
  p.close()
  const r = new SegmentReader(join(dir, readdirSync(dir).find(n => n.endsWith('.seg'))!))
  const kinds: number[] = []
  for (let t = r.next(); t !== 0; t = r.next()) if (t === REC_SAMPLES_AT || t === REC_SAMPLES_ST) kinds.push(t)
  r.close()
  assert.deepEqual(kinds, [REC_SAMPLES_AT, REC_SAMPLES_ST])
})

test('start timestamps stay with their samples in memory as the window grows, from the first one on', () => {
  const dir = tempDir('disk-v2-grow')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 16, maxMemoryEntries: 1024 })
  const b = new SampleBatch(300)
  for (let i = 0; i < 300; i++) b.push(counter, T + i, i, 0, undefined, -1, i < 100 ? 0 : T - i)
  p.write(b, 0, b.length)
  assert.ok(p.memoryWindow >= 300, `window grew to ${p.memoryWindow}`)
  const got = drainAll(p)
  assert.equal(p.readBack, 0, 'all from memory')
  assert.deepEqual(got.map(g => g.start), Array.from({ length: 300 }, (_, i) => i < 100 ? 0 : T - i))
  p.close()
})
