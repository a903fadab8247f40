// The disk buffer's series records: written as the encoder's cached protobuf label bytes
// (SERIES_PB), still read in the older name/value form (SERIES), and segments are not rotated
// so often that every series' labels are written again for every few samples.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import { RecordBuffer, REC_SAMPLES, SegmentWriter, segmentName } from '../../src/remotewrite/disk/segment.js'
import { SampleBatch } from '../../src/remotewrite/batch.js'
import { encodeLabels } from '../../src/remotewrite/codec.js'
import { Series } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'

interface Got { labels: string, encoded: string | undefined, ts: number, value: number }

function drainAll (p: DiskPending): Got[] {
  const got: Got[] = []
  const seqs: number[] = []
  p.drain((s, ts, value, _f, _ex, seq) => {
    got.push({ labels: s.labels.map(l => `${l.name}=${l.value}`).join(','), encoded: s.encoded, ts, value })
    seqs.push(seq)
    return true
  })
  for (const q of seqs) p.ack(q)
  return got
}

test('series labels (non-ASCII too) come back from disk with their encoded bytes', () => {
  const dir = tempDir('disk-pb')
  const series = [
    new Series([{ name: '__name__', value: 'temp_celsius' }, { name: 'city', value: 'Zürich' }, { name: 'note', value: '日本 ✓' }]),
    new Series([{ name: '__name__', value: 'up' }, { name: 'long', value: 'x'.repeat(300) }]), // label longer than 127 bytes
    new Series([{ name: '__name__', value: 'empty' }, { name: 'v', value: '' }]),
  ]
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000, memoryEntries: 16, maxMemoryEntries: 16 })
  const b = new SampleBatch(300)
  for (let i = 0; i < 300; i++) b.push(series[i % 3], 1_700_000_000_000 + i, i / 4, 0)
  p.write(b, 0, 300) // far more than the 16-entry memory window: read back from disk
  const got = drainAll(p)
  assert.equal(got.length, 300)
  got.forEach((g, i) => {
    const s = series[i % 3]
    assert.equal(g.labels, s.labels.map(l => `${l.name}=${l.value}`).join(','))
    assert.equal(g.encoded, encodeLabels(s.labels))
    assert.equal(g.ts, 1_700_000_000_000 + i)
    assert.equal(g.value, i / 4)
  })
  p.close()
})

/** A segment in an older record form: the series record `series` writes, then samples of it at 1000 and 2000 ms. */
function writeLegacySegment (dir: string, id: number, series: (rec: RecordBuffer) => void): void {
  const w = new SegmentWriter(join(dir, segmentName(0)), 0, true)
  const rec = new RecordBuffer()
  series(rec)
  rec.begin(REC_SAMPLES)
  rec.u32(2)
  rec.ensure(42)
  rec.sample(id, 1000, 1.5, 0)
  rec.sample(id, 2000, 2.5, 0)
  rec.end()
  w.append(rec)
  w.close()
}

test('segments written in the older SERIES record form are still read', () => {
  const dir = tempDir('disk-v1')
  writeLegacySegment(dir, 7, rec => rec.series(7, [{ name: '__name__', value: 'old' }, { name: 'k', value: 'vé' }]))
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  assert.deepEqual(drainAll(p).map(g => [g.labels, g.ts, g.value]), [['__name__=old,k=vé', 1000, 1.5], ['__name__=old,k=vé', 2000, 2.5]])
  p.close()
})

test('segments written with SERIES_PB records (before series blocks) are still read', () => {
  const dir = tempDir('disk-pb-v2')
  const labels = [{ name: '__name__', value: 'pb' }, { name: 'k', value: 'vé' }]
  writeLegacySegment(dir, 9, rec => rec.seriesEncoded(9, encodeLabels(labels)))
  const p = new DiskPending({ dir, maxBytes: 64 << 20, inflightMax: 10_000 })
  assert.deepEqual(drainAll(p).map(g => [g.labels, g.encoded, g.ts, g.value]),
    [['__name__=pb,k=vé', encodeLabels(labels), 1000, 1.5], ['__name__=pb,k=vé', encodeLabels(labels), 2000, 2.5]])
  p.close()
})

test('with many series a segment grows until its samples outweigh its series records', () => {
  const dir = tempDir('disk-rotate')
  const series = Array.from({ length: 2000 }, (_, i) => new Series([{ name: '__name__', value: 'metric_with_a_long_name' }, { name: 'id', value: `series-${i}-${'p'.repeat(60)}` }]))
  const p = new DiskPending({ dir, maxBytes: 256 << 20, inflightMax: 100_000, segmentBytes: 8 << 10 })
  for (let round = 0; round < 10; round++) {
    const b = new SampleBatch(2000)
    for (const s of series) b.push(s, 1_700_000_000_000 + round * 1000, round, 0)
    p.write(b, 0, 2000)
  }
  // ~210 KB of labels and 42 KB of samples per round. Series records are written as compressed
  // blocks (~15 KB here), so a segment rotates once its samples outweigh them, and all the bytes
  // written stay below one uncompressed copy of the labels plus the samples (a fixed 8 KiB
  // rotation with raw records would have written all 210 KB of labels again every round).
  const segs = readdirSync(dir).filter(n => n.endsWith('.seg')).length
  assert.ok(segs <= 10, `${segs} segments`)
  assert.ok(p.bytes < 210_000 + 10 * 42_000, `${p.bytes} bytes`)
  const got = drainAll(p)
  assert.equal(got.length, 20_000)
  got.forEach((g, k) => assert.equal(g.value, Math.floor(k / 2000)))
  p.close()
})
