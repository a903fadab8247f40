// Disk-buffer benchmark for a sender that is behind: every committed sample is written at once
// (as once nothing has been acknowledged for deferMs), and what fell out of the memory window
// is read back from the segments. Prints ns/sample for writing and for draining, and the GC
// time of each phase.
// Usage: node --import tsx scripts/bench-disk.ts [series=200000] [scrapes=20] [window=1048576]

import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { SampleBatch } from '../src/remotewrite/batch.js'
import { DiskPending } from '../src/remotewrite/disk/disk-pending.js'
import { Series, sortLabels, type Label } from '../src/storage/series.js'

const SERIES = Number(process.argv[2] ?? 200_000)
const SCRAPES = Number(process.argv[3] ?? 20)
const WINDOW = Number(process.argv[4] ?? 1 << 20)
const COMMIT = 1000

let gcMs = 0
new PerformanceObserver(list => { for (const e of list.getEntries()) gcMs += e.duration }).observe({ entryTypes: ['gc'] })

// Labels shaped like the bench farm's: ~200 encoded bytes per series.
const series = Array.from({ length: SERIES }, (_, i) => new Series(sortLabels<Label>([
  { name: '__name__', value: `app_work_queue_depth_${i % 300}` },
  { name: 'instance', value: `127.0.0.1:${20000 + (i % 500)}` },
  { name: 'job', value: 'bench' },
  { name: 'queue', value: `order-history.platform-monitoring-${i % 97}.q${i % 13}` },
  { name: 'priority', value: ['high', 'low', 'normal'][i % 3] },
  { name: 'shard', value: String(i) },
])))

const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-disk-'))
const pending = new DiskPending({ dir, maxBytes: 8 * 2 ** 30, inflightMax: 1 << 16, maxMemoryEntries: WINDOW, syncIntervalMs: 1 << 30 })
const batch = new SampleBatch(COMMIT)

function phase (name: string, samples: number, fn: () => void): void {
  const gc0 = gcMs
  const t0 = process.hrtime.bigint()
  fn()
  const ns = Number(process.hrtime.bigint() - t0)
  // GC entries arrive asynchronously: read them a little later.
  setTimeout(() => console.log(`${name.padEnd(8)} ${(ns / samples).toFixed(0).padStart(6)} ns/sample  (${samples} samples, ${(ns / 1e6).toFixed(0)} ms, gc ${(gcMs - gc0).toFixed(0)} ms)`), 20)
}

const total = SERIES * SCRAPES
phase('write', total, () => {
  for (let s = 0; s < SCRAPES; s++) {
    const ts = 1_800_000_000_000 + s * 5000
    for (let i = 0; i < SERIES; i += COMMIT) {
      batch.clear()
      for (let j = i; j < Math.min(SERIES, i + COMMIT); j++) batch.push(series[j], ts, j + s, 0)
      pending.write(batch, 0, batch.length)
    }
  }
})

console.log(`after writing: ${(pending.bytes / 2 ** 20).toFixed(0)} MiB in ${readdirSync(dir).filter(f => f.endsWith('.seg')).length} segments`)
setTimeout(() => {
  let taken = 0
  const seqs = new Float64Array(2000)
  let n = 0
  phase('drain', total, () => {
    // As the queue does: take a batch, acknowledge it, take the next.
    for (;;) {
      n = 0
      const got = pending.drain((_s, _t, _v, _f, _e, seq) => {
        if (n === seqs.length) return false
        seqs[n++] = seq ?? -1
        return true
      })
      if (got === 0) break
      taken += got
      pending.ackAll(seqs, n)
    }
  })
  setTimeout(() => {
    console.log(`drained ${taken} of ${total}; on disk ${(pending.bytes / 2 ** 20).toFixed(0)} MiB at the end`)
    pending.clear()
    rmSync(dir, { recursive: true, force: true })
  }, 50)
}, 100)
