// The remote-write disk buffer on its own: what is written comes back in order, survives a
// restart (from the acknowledged frontier), a torn tail, and the size bound drops the oldest.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, readdirSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import { SampleBatch, FLAG_STALE } from '../../src/remotewrite/batch.js'
import { Series } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'

const series = Array.from({ length: 50 }, (_, i) => new Series([{ name: '__name__', value: 'm' }, { name: 'i', value: String(i) }]))

function batchOf (start: number, n: number): SampleBatch {
  const b = new SampleBatch(n)
  for (let k = 0; k < n; k++) {
    const x = start + k
    b.push(series[x % series.length], 1_700_000_000_000 + x, x * 1.5, x % 97 === 0 ? FLAG_STALE : 0)
  }
  return b
}

interface Got { labels: string, ts: number, value: number, flags: number, seq: number }

function drainAll (p: DiskPending, max = Infinity, ack = true): Got[] {
  const got: Got[] = []
  p.drain((s, ts, value, flags, _ex, seq) => {
    if (got.length >= max) return false
    got.push({ labels: s.labels.map(l => l.value).join(','), ts, value, flags, seq: seq })
    return true
  })
  if (ack) for (const g of got) p.ack(g.seq)
  return got
}

const expected = (x: number): Omit<Got, 'seq'> => ({ labels: `m,${x % 50}`, ts: 1_700_000_000_000 + x, value: x * 1.5, flags: x % 97 === 0 ? FLAG_STALE : 0 })

test('samples come back in order with their series, values, timestamps and flags', () => {
  const dir = tempDir('disk')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 1024, maxMemoryEntries: 1024 })
  for (let i = 0; i < 10; i++) p.write(batchOf(i * 300, 300), 0, 300)
  assert.equal(p.length, 3000)
  // Most of it fell out of the 1024-entry memory window: it is read back from disk.
  const got = drainAll(p)
  assert.equal(got.length, 3000)
  got.forEach((g, x) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(x)))
  assert.equal(p.length, 0)
  assert.equal(p.unacknowledged, 0)
  p.close()
})

test('a restart resumes from the acknowledged frontier; unacknowledged samples are sent again', () => {
  const dir = tempDir('disk-restart')
  let p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, segmentBytes: 16 << 10 })
  p.write(batchOf(0, 2000), 0, 2000)
  const first = drainAll(p, 500) // 500 sent and acknowledged
  drainAll(p, 300, false) // 300 handed out, never acknowledged (in flight at the crash)
  assert.equal(first.length, 500)
  p.sync()
  // No close(): as after SIGKILL, only what sync() made durable counts.
  p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, segmentBytes: 16 << 10 })
  assert.equal(p.length, 1500)
  const rest = drainAll(p)
  rest.forEach((g, k) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(500 + k)))
  // New samples after the restart continue the sequence.
  p.write(batchOf(2000, 10), 0, 10)
  const more = drainAll(p)
  assert.deepEqual(more.map(g => g.value), Array.from({ length: 10 }, (_, k) => (2000 + k) * 1.5))
  p.close()
})

test('after a restart, old segments (series decoded) and this instance\'s own (series kept) read back in order', () => {
  const dir = tempDir('disk-restart-own')
  const opts = { dir, maxBytes: 64 << 20, inflightMax: 10_000, segmentBytes: 16 << 10, memoryEntries: 1024, maxMemoryEntries: 1024 }
  let p = new DiskPending(opts)
  p.write(batchOf(0, 2000), 0, 2000)
  p.close()
  p = new DiskPending(opts)
  // Other Series objects with the same labels, as a new process has: the old segment's refs
  // mean nothing to this instance, its own segments' refs are these objects.
  const fresh = Array.from({ length: 50 }, (_, i) => new Series([{ name: '__name__', value: 'm' }, { name: 'i', value: String(i) }]))
  for (let i = 0; i < 10; i++) {
    const b = batchOf(2000 + i * 300, 300)
    for (let k = 0; k < b.length; k++) b.series[k] = fresh[(2000 + i * 300 + k) % 50]
    p.write(b, 0, b.length)
  }
  const segments = readdirSync(dir).filter(f => f.endsWith('.seg')).length
  assert.ok(segments >= 3, `${segments} segments`)
  let own = 0
  const got: Got[] = []
  p.drain((s, ts, value, flags, _ex, seq) => {
    if (fresh.includes(s)) own++
    got.push({ labels: s.labels.map(l => l.value).join(','), ts, value, flags, seq: seq })
    return true
  })
  assert.equal(got.length, 5000)
  got.forEach((g, x) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(x)))
  assert.ok(p.readBack >= 5000 - 1024, `read back ${p.readBack}`)
  // The samples written after the restart come back with this instance's Series objects,
  // from disk as well as from memory (the appended old segment's records are decoded).
  assert.ok(own >= 3000 - 2 * (16 << 10) / 21, `own ${own}`)
  p.close()
})

test('acknowledged segments are deleted', () => {
  const dir = tempDir('disk-gc')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 100_000, segmentBytes: 8 << 10 })
  for (let i = 0; i < 20; i++) p.write(batchOf(i * 200, 200), 0, 200)
  const before = readdirSync(dir).filter(n => n.endsWith('.seg')).length
  assert.ok(before > 5, `${before} segments`)
  const got = drainAll(p)
  assert.equal(got.length, 4000)
  got.forEach((g, x) => assert.equal(g.value, x * 1.5))
  const after = readdirSync(dir).filter(n => n.endsWith('.seg')).length
  assert.equal(after, 1, 'only the segment being written remains')
  p.close()
})

test('a torn tail is cut off at restart; everything before it survives', () => {
  const dir = tempDir('disk-torn')
  let p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  p.write(batchOf(0, 100), 0, 100)
  p.write(batchOf(100, 100), 0, 100)
  p.close()
  const seg = join(dir, readdirSync(dir).find(n => n.endsWith('.seg'))!)
  // A crash in the middle of the second record: chop it and add garbage.
  const size = statSync(seg).size
  truncateSync(seg, size - 700)
  appendFileSync(seg, Buffer.from([1, 2, 3]))
  p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  assert.equal(p.length, 100)
  const got = drainAll(p)
  assert.deepEqual(got.map(g => g.value), Array.from({ length: 100 }, (_, x) => x * 1.5))
  p.write(batchOf(500, 5), 0, 5)
  assert.deepEqual(drainAll(p).map(g => g.value), [750, 751.5, 753, 754.5, 756])
  p.close()
})

test('the size bound drops the oldest samples, counts them and keeps the newest', () => {
  const dir = tempDir('disk-full')
  const drops: Array<[number, string]> = []
  const p = new DiskPending({ dir, maxBytes: 64 << 10, inflightMax: 10_000, segmentBytes: 16 << 10, memoryEntries: 256, maxMemoryEntries: 256, onDrop: (n, r) => drops.push([n, r]) })
  for (let i = 0; i < 100; i++) p.write(batchOf(i * 100, 100), 0, 100)
  assert.ok(p.bytes <= (64 << 10) + (16 << 10), `${p.bytes} bytes on disk`)
  const dropped = drops.reduce((a, [n]) => a + n, 0)
  assert.ok(dropped > 0 && drops.every(([, r]) => r === 'buffer_full'))
  const got = drainAll(p)
  assert.equal(got.length + dropped, 10_000, 'every sample is either delivered or counted as dropped')
  assert.equal(got[got.length - 1].value, 9999 * 1.5, 'the newest survive')
  const firstX = got[0].value / 1.5
  got.forEach((g, k) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(firstX + k)))
  p.close()
})

test('the memory window grows while the sender lags, so nothing is read back from disk; at its bound, the disk takes over with the same Series objects', () => {
  const run = (maxMemoryEntries: number): { window: number, sameObjects: number, readBack: number, got: Got[] } => {
    const dir = tempDir('disk')
    const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 1024, maxMemoryEntries })
    for (let i = 0; i < 10; i++) p.write(batchOf(i * 300, 300), 0, 300)
    let sameObjects = 0
    const got: Got[] = []
    p.drain((s, ts, value, flags, _ex, seq) => {
      if (s === series[got.length % series.length]) sameObjects++
      got.push({ labels: s.labels.map(l => l.value).join(','), ts, value, flags, seq: seq })
      return true
    })
    for (const g of got) p.ack(g.seq)
    const window = p.memoryWindow
    const readBack = p.readBack
    p.close()
    return { window, sameObjects, readBack, got }
  }
  const grown = run(8192)
  assert.equal(grown.window, 4096)
  assert.equal(grown.readBack, 0)
  assert.equal(grown.sameObjects, 3000)
  grown.got.forEach((g, x) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(x)))
  const bounded = run(1024)
  assert.equal(bounded.window, 1024)
  // The first 3000 - 1024 came back from disk, with the very Series objects that were written:
  // this instance's segments keep them, so their series records are not decoded again.
  assert.equal(bounded.readBack, 3000 - 1024)
  assert.equal(bounded.sameObjects, 3000)
  bounded.got.forEach((g, x) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(x)))
})

test('a grown memory window halves back to its first size once the sender has caught up', () => {
  const dir = tempDir('disk-shrink')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 1024, maxMemoryEntries: 16384, shrinkAfterMs: 0 })
  // A lagging sender: 9000 samples written before any is handed out.
  for (let i = 0; i < 30; i++) p.write(batchOf(i * 300, 300), 0, 300)
  assert.equal(p.memoryWindow, 16384)
  p.sync()
  assert.equal(p.memoryWindow, 16384, 'still behind: the window stays')
  assert.equal(drainAll(p).length, 9000)
  const sizes: number[] = []
  for (let i = 0; i < 6; i++) { p.sync(); sizes.push(p.memoryWindow) }
  assert.deepEqual(sizes, [8192, 4096, 2048, 1024, 1024, 1024])
  // Still whole: new samples go through the small window (and past it, through the disk).
  for (let i = 30; i < 40; i++) p.write(batchOf(i * 300, 300), 0, 300)
  const got = drainAll(p)
  assert.equal(got.length, 3000)
  got.forEach((g, k) => assert.deepEqual({ labels: g.labels, ts: g.ts, value: g.value, flags: g.flags }, expected(9000 + k)))
  p.close()
})

test('the window does not shrink while samples wait unacknowledged and unwritten', () => {
  const dir = tempDir('disk-shrink-defer')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 1024, maxMemoryEntries: 16384, shrinkAfterMs: 0, deferMs: 60_000 })
  for (let i = 0; i < 30; i++) p.write(batchOf(i * 300, 300), 0, 300)
  // Handed out, not acknowledged, not on disk (the deferred write has not come): memory is
  // their only copy.
  assert.equal(drainAll(p, Infinity, false).length, 9000)
  p.sync()
  assert.equal(p.memoryWindow, 16384)
  p.close()
  // close() wrote them: a restart sends all 9000 again.
  const again = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  assert.equal(again.length, 9000)
  again.close()
})

test('ackAll of a batch in any order moves the frontier exactly as ack() one by one does', () => {
  const one = new DiskPending({ dir: tempDir('disk-ack1'), maxBytes: 64 << 20, inflightMax: 10_000 })
  const all = new DiskPending({ dir: tempDir('disk-ackall'), maxBytes: 64 << 20, inflightMax: 10_000 })
  for (const p of [one, all]) p.write(batchOf(0, 1000), 0, 1000)
  const seqs = drainAll(one, Infinity, false).map(g => g.seq)
  assert.deepEqual(drainAll(all, Infinity, false).map(g => g.seq), seqs)
  // Acknowledge 0..399 shuffled and 500..599 (a hole at 400..499), plus a seq never handed out.
  const acked = [...seqs.slice(0, 400).reverse(), ...seqs.slice(500, 600), -1]
  for (const q of acked) if (q >= 0) one.ack(q)
  all.ackAll(Float64Array.from(acked), acked.length)
  assert.equal(one.unacknowledged, 600)
  assert.equal(all.unacknowledged, one.unacknowledged)
  all.ackAll(Float64Array.from(seqs.slice(400, 500)), 100)
  assert.equal(all.unacknowledged, 400)
  one.close(); all.close()
})
