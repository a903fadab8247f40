// Deferred disk writes: samples the receiver acknowledges within deferMs never touch the disk;
// unacknowledged ones are written, and a stalled sender switches to writing at commit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import { MAGIC } from '../../src/remotewrite/disk/segment.js'
import { SampleBatch } from '../../src/remotewrite/batch.js'
import { Series } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'

const series = Array.from({ length: 20 }, (_, i) => new Series([{ name: '__name__', value: 'm' }, { name: 'i', value: String(i) }]))

function batchOf (start: number, n: number): SampleBatch {
  const b = new SampleBatch(n)
  for (let k = 0; k < n; k++) b.push(series[(start + k) % series.length], 1_700_000_000_000 + start + k, start + k, 0)
  return b
}

function diskBytes (dir: string): number {
  return readdirSync(dir).filter(f => f.endsWith('.seg')).reduce((n, f) => n + statSync(join(dir, f)).size, 0)
}

/** Drains up to max samples; returns their seqs and values. */
function drain (p: DiskPending, max = Infinity): Array<{ seq: number, value: number }> {
  const got: Array<{ seq: number, value: number }> = []
  p.drain((_s, _ts, value, _f, _ex, seq) => {
    if (got.length >= max) return false
    got.push({ seq: seq, value })
    return true
  })
  return got
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

test('samples acknowledged within deferMs are never written; unacknowledged ones are', async () => {
  const dir = tempDir('defer')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, deferMs: 80 })
  p.write(batchOf(0, 500), 0, 500)
  for (const g of drain(p)) p.ack(g.seq)
  await sleep(150)
  assert.equal(diskBytes(dir), MAGIC.length, 'nothing but the segment header')
  // Handed out but not acknowledged: written once deferMs has passed.
  p.write(batchOf(500, 300), 0, 300)
  const inflight = drain(p)
  assert.equal(inflight.length, 300)
  assert.equal(diskBytes(dir), MAGIC.length)
  await sleep(150)
  assert.ok(diskBytes(dir) > MAGIC.length + 300 * 21, `written: ${diskBytes(dir)} bytes`)
  p.close()
})

test('once nothing was acknowledged for deferMs, every commit is written at once', async () => {
  const dir = tempDir('defer')
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, deferMs: 60 })
  p.write(batchOf(0, 100), 0, 100)
  drain(p) // in flight, never acknowledged: the receiver is down
  await sleep(120)
  const before = diskBytes(dir)
  assert.ok(before > MAGIC.length)
  p.write(batchOf(100, 100), 0, 100)
  assert.ok(diskBytes(dir) >= before + 100 * 21, 'written synchronously by write()')
  p.close()
})

test('a restart resumes exactly the unacknowledged samples, across acknowledged stretches never written', async () => {
  const dir = tempDir('defer')
  let p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, deferMs: 50, segmentBytes: 4096 })
  const acked = new Set<number>()
  for (let round = 0; round < 6; round++) {
    p.write(batchOf(round * 200, 200), 0, 200)
    const got = drain(p)
    // The receiver acknowledges the first half of each round and every 7th of the rest.
    for (const g of got) if (g.seq % 200 < 100 || g.seq % 7 === 0) { p.ack(g.seq); acked.add(g.seq) }
    await sleep(round % 2 === 0 ? 70 : 0)
  }
  p.close()
  p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, deferMs: 50, segmentBytes: 4096 })
  const resumed = drain(p)
  // Everything from the first unacknowledged sample on comes back (acknowledged ones past the
  // frontier may be resent), and no unacknowledged sample is missing.
  const first = 100
  assert.equal(resumed[0].seq, first)
  const seqs = resumed.map(g => g.seq)
  for (let q = 0; q < 1200; q++) if (!acked.has(q)) assert.ok(seqs.includes(q), `seq ${q} missing`)
  for (const g of resumed) assert.equal(g.value, g.seq, 'value matches its seq')
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'in order')
  p.close()
})
