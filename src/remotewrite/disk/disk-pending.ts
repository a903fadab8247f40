// A durable PendingStore: committed samples are appended to checksummed segment files
// (fsynced once a second). Samples are handed to the shards from an in-memory window of the
// log's tail; only what fell out of that window (a long outage) is read back from disk.
// Writes can be deferred (deferMs): a sample acknowledged by the receiver before then is never
// written, so a healthy sender costs no disk I/O; once nothing has been acknowledged for deferMs
// (an outage, a slow receiver) every sample is written as it is committed. A sample's segment is
// deleted once every sample in it was acknowledged (sent, or dropped as unsendable); the
// acknowledged frontier is saved with each sync, so a restart resumes where sending stopped.
// The total size is bounded: when full, the oldest segment is dropped, counted and logged.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Histogram, Series } from '../../storage/series.js'
import { Series as SeriesClass } from '../../storage/series.js'
import { FLAG_HISTOGRAM, FLAG_STALE, type Attached, type SampleBatch } from '../batch.js'
import { decodeHistogram } from '../decode.js'
import { histogramBytes } from '../histogram-codec.js'
import type { BufferStats, PendingStore, TakeEntry } from '../pending.js'
import { snappyCompress, snappyUncompress } from '../snappy-block.js'
import type { Logger } from '../../logging/logger.js'
import {
  decodeSeries, decodeSeriesPb, forEachBlockSeries, parseSegmentName, RecordBuffer, REC_HISTOGRAMS, REC_SAMPLES, REC_SAMPLES_AT, REC_SERIES, REC_SERIES_BLOCK, REC_SERIES_PB, SAMPLE_BYTES, SeriesBlock, SegmentReader, segmentName, SegmentWriter,
} from './segment.js'

export interface DiskPendingOptions {
  dir: string
  /** Upper bound of all segments together. */
  maxBytes: number
  /**
   * A segment is closed and a new one started past this size, once its samples outweigh its
   * series records three to one (each segment repeats the labels of the series it holds: with
   * many series, rotating at a fixed small size would write every series' labels again and
   * again), or past a quarter of maxBytes regardless. @default 4 MiB
   */
  segmentBytes?: number
  /**
   * Samples kept in memory for sending without a disk read, at first. The window doubles, up to
   * maxMemoryEntries, whenever it would otherwise drop samples not yet handed to a shard (a fast
   * source and a busy sender): in steady state nothing is read back from disk. Once the sender
   * has caught up (less than a sixteenth of the window waiting), the window halves, at most once
   * per shrinkAfterMs, back to this size: a past outage does not keep its memory. @default 4096
   */
  memoryEntries?: number
  /** Least time between two changes of the memory window's size before it shrinks. @default 10000 */
  shrinkAfterMs?: number
  /** @default twice inflightMax, at least 4M entries (~100 MiB when full) */
  maxMemoryEntries?: number
  /** Most samples in flight (handed out, not yet acknowledged) at once. */
  inflightMax: number
  /** How often data and the frontier are fsynced. @default 1000 */
  syncIntervalMs?: number
  /**
   * Write a committed sample only if it is still unacknowledged this long after its commit
   * (0: write at once). A crash then loses at most the samples sent in the last deferMs
   * whose acknowledgement was still outstanding. @default 0
   */
  deferMs?: number
  onDrop?: (samples: number, reason: 'buffer_full' | 'corrupt') => void
  log?: Logger
}

interface Segment {
  first: number
  path: string
  size: number
  /**
   * A segment this instance started: its series, by the refs its records use. Reading it back
   * (behind, or after an outage) needs no series record decoded and no Series made again:
   * 200–350 ns/sample less (bench-disk), and no garbage of every series' labels per segment.
   */
  refs?: Map<number, Series>
}

const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(2, n)))

export class DiskPending implements PendingStore {
  readonly durable = true
  private readonly o: Required<Omit<DiskPendingOptions, 'onDrop' | 'log'>> & Pick<DiskPendingOptions, 'onDrop' | 'log'>
  private segments: Segment[] = []
  private writer!: SegmentWriter
  private readonly rec = new RecordBuffer()
  private readonly block = new SeriesBlock()
  /** Series whose labels the current segment has, by id. */
  private writtenRefs = new Map<number, Series>()
  /** Bytes of series records in the current segment (see segmentBytes). */
  private seriesBytes = 0
  private totalBytes = 0

  // Sequence numbers: [frontier, drainCursor) in flight, [drainCursor, writeSeq) pending;
  // [diskSeq, writeSeq) not written yet (only in memory).
  private writeSeq = 0
  private diskSeq = 0
  private flushTimer: NodeJS.Timeout | undefined
  /** When the frontier last moved (or there was nothing outstanding). */
  private frontierMovedAt = Date.now()
  private drainCursor = 0
  private frontier = 0
  private savedFrontier = -1

  // The in-memory window holds seqs [memStart, writeSeq).
  private memMask: number
  private readonly maxMem: number
  private memSeries: Array<Series | undefined>
  private memValues: Float64Array
  private memTs: Float64Array
  private memFlags: Uint8Array
  private readonly memExemplars = new Map<number, Attached>()
  private memStart = 0

  private readonly skips: Array<[number, number]> = []
  private readonly doneMask: number
  private readonly done: Uint8Array

  private reader: { seg: Segment, r: SegmentReader, seq: number, series: Map<number, Series>, buf?: Buffer, idx: number, count: number, histograms?: Map<number, Histogram> } | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false

  constructor (opts: DiskPendingOptions) {
    this.o = { segmentBytes: 4 << 20, memoryEntries: 4096, maxMemoryEntries: 0, syncIntervalMs: 1000, deferMs: 0, shrinkAfterMs: 10_000, ...opts }
    const m = pow2(this.o.memoryEntries)
    this.memMask = m - 1
    this.maxMem = Math.max(m, pow2(opts.maxMemoryEntries ?? Math.max(this.o.inflightMax * 2, 1 << 22)))
    this.memSeries = new Array<Series | undefined>(m)
    this.memValues = new Float64Array(m)
    this.memTs = new Float64Array(m)
    this.memFlags = new Uint8Array(m)
    const d = pow2(this.o.inflightMax * 2)
    this.doneMask = d - 1
    this.done = new Uint8Array(d)
    this.open()
    this.timer = setInterval(() => this.sync(), this.o.syncIntervalMs)
    this.timer.unref()
  }

  get length (): number { return this.writeSeq - this.drainCursor }
  /** Samples on disk not yet acknowledged (for metrics and tests). */
  get unacknowledged (): number { return this.writeSeq - this.frontier }
  get bytes (): number { return this.totalBytes }
  stats (): BufferStats {
    return { bytes: this.totalBytes, maxBytes: this.o.maxBytes, segments: this.segments.length, memoryEntries: this.memMask + 1, readBack: this.readBack }
  }
  /** Samples handed out from the segments rather than the memory window (tests, benchmarks). */
  readBack = 0

  private open (): void {
    mkdirSync(this.o.dir, { recursive: true })
    for (const name of readdirSync(this.o.dir).sort()) {
      const first = parseSegmentName(name)
      if (first === undefined) continue
      const path = join(this.o.dir, name)
      const size = statSync(path).size
      this.segments.push({ first, path, size })
      this.totalBytes += size
    }
    let frontier = 0
    try {
      const f = JSON.parse(readFileSync(join(this.o.dir, 'frontier'), 'utf8')) as { seq?: unknown }
      if (typeof f.seq === 'number' && Number.isSafeInteger(f.seq) && f.seq >= 0) frontier = f.seq
    } catch { /* none yet */ }
    if (this.segments.length === 0) {
      this.writer = new SegmentWriter(join(this.o.dir, segmentName(frontier)), frontier, true)
      this.segments.push({ first: frontier, path: this.writer.path, size: this.writer.size, refs: this.writtenRefs })
      this.totalBytes += this.writer.size
      this.writeSeq = frontier
    } else {
      // Count the last segment's samples and cut a torn tail off.
      const last = this.segments[this.segments.length - 1]
      const r = new SegmentReader(last.path)
      let end = last.first
      let good = r.offset
      for (let t = r.next(); t !== 0; t = r.next()) {
        if (t === REC_SAMPLES) end += r.payload().readUInt32LE(0)
        else if (t === REC_SAMPLES_AT) end = r.payload().readDoubleLE(0) + r.payload().readUInt32LE(8)
        good = r.offset
      }
      const torn = r.damaged || statSync(last.path).size !== good
      r.close()
      this.writer = new SegmentWriter(last.path, last.first, false)
      if (torn) {
        this.o.log?.warn('remote-write buffer: cut a damaged tail off the last segment', { segment: last.path, bytes: this.writer.size - good })
        this.totalBytes -= this.writer.size - good
        this.writer.truncate(good)
        last.size = good
      }
      // Refs are series ids of the writing process; a later process appending to this segment
      // writes a series record before each ref's first sample, and readers go in order.
      this.writeSeq = end
    }
    this.frontier = Math.max(frontier, this.segments[0].first)
    if (this.frontier > this.writeSeq) this.frontier = this.writeSeq
    this.drainCursor = this.frontier
    this.memStart = this.writeSeq
    this.diskSeq = this.writeSeq
    this.savedFrontier = this.frontier
    if (this.writeSeq > this.frontier) this.o.log?.info('remote-write buffer: resuming from disk', { samples: this.writeSeq - this.frontier, dir: this.o.dir })
  }

  write (batch: SampleBatch, from: number, to: number): void {
    if (this.closed || to <= from) return
    if (this.writeSeq === this.frontier) this.frontierMovedAt = Date.now()
    for (let i = from; i < to;) {
      // In runs that fit the window, room made once per run, not once per sample.
      const end = Math.min(to, i + this.memMask + 1)
      this.makeRoom(end - i)
      const mask = this.memMask
      for (; i < end; i++) {
        const at = this.writeSeq & mask
        this.memSeries[at] = batch.series[i]
        this.memValues[at] = batch.values[i]
        this.memTs[at] = batch.timestamps[i]
        this.memFlags[at] = batch.flags[i]
        const ex = batch.exemplars[i]
        if (ex !== undefined) this.memExemplars.set(this.writeSeq, ex)
        this.writeSeq++
      }
    }
    const defer = this.o.deferMs
    if (defer <= 0 || Date.now() - this.frontierMovedAt > defer) this.flushToDisk()
    else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.flushToDisk() }, defer)
      this.flushTimer.unref()
    }
  }

  /**
   * Makes room for n more entries (n ≤ the window). Slots not yet handed out grow the window
   * (up to its bound); freed ones not yet on disk nor acknowledged are written first.
   */
  private makeRoom (n: number): void {
    for (;;) {
      const need = this.writeSeq + n - this.memStart - (this.memMask + 1)
      if (need <= 0) return
      const q = this.memStart
      const canGrow = this.memMask + 1 < this.maxMem
      if (q >= this.drainCursor && canGrow) { this.resizeMemory((this.memMask + 1) * 2); continue }
      // Free the oldest slots, up to what is handed out while the window could still grow.
      let end = q + need
      if (canGrow && end > this.drainCursor) end = this.drainCursor
      if (end - 1 >= this.diskSeq && end - 1 >= this.frontier) this.flushToDisk()
      this.forgetBefore(end)
    }
  }

  /** Lets go of the memory slots of seqs [memStart, end): the caller made sure nothing needs them. */
  private forgetBefore (end: number): void {
    const mask = this.memMask
    const hasExemplars = this.memExemplars.size > 0
    for (let q = this.memStart; q < end; q++) {
      if (hasExemplars) this.memExemplars.delete(q)
      this.memSeries[q & mask] = undefined
    }
    if (end > this.memStart) this.memStart = end
  }

  /** Writes the unacknowledged samples not yet on disk: [max(diskSeq, frontier), writeSeq). */
  private flushToDisk (): void {
    if (this.flushTimer !== undefined) { clearTimeout(this.flushTimer); this.flushTimer = undefined }
    const from = Math.max(this.diskSeq, this.frontier)
    const to = this.writeSeq
    this.diskSeq = to
    if (this.closed || from >= to) return
    const size = this.writer.size
    if (size >= this.o.segmentBytes && (size >= 4 * this.seriesBytes || size >= this.o.maxBytes / 4)) this.rotate(from)
    const rec = this.rec
    rec.reset()
    const mask = this.memMask
    const ms = this.memSeries
    for (let q = from; q < to; q++) {
      const s = ms[q & mask]!
      if (!this.writtenRefs.has(s.id)) {
        this.writtenRefs.set(s.id, s)
        this.block.add(s.id, s.encoded)
      }
    }
    this.block.writeTo(rec, snappyCompress)
    this.seriesBytes += rec.len
    if (this.memExemplars.size > 0) this.writeHistograms(from, to)
    rec.begin(REC_SAMPLES_AT)
    rec.f64(from)
    rec.u32(to - from)
    rec.ensure((to - from) * SAMPLE_BYTES)
    for (let q = from; q < to; q++) {
      const at = q & mask
      rec.sample(ms[at]!.id, this.memTs[at], this.memValues[at], this.memFlags[at])
    }
    rec.end()
    this.writer.append(rec)
    const seg = this.segments[this.segments.length - 1]
    seg.size = this.writer.size
    this.totalBytes += rec.len
    this.enforceLimit()
  }

  /** A HISTOGRAMS record for the histogram samples among seqs [from, to) (before their samples). */
  private writeHistograms (from: number, to: number): void {
    const rec = this.rec
    const mask = this.memMask
    let n = 0
    for (let q = from; q < to; q++) if ((this.memFlags[q & mask] & (FLAG_HISTOGRAM | FLAG_STALE)) === FLAG_HISTOGRAM) n++
    if (n === 0) return
    rec.begin(REC_HISTOGRAMS)
    rec.u32(n)
    for (let q = from; q < to; q++) {
      const at = q & mask
      if ((this.memFlags[at] & (FLAG_HISTOGRAM | FLAG_STALE)) !== FLAG_HISTOGRAM) continue
      const body = histogramBytes(this.memExemplars.get(q) as Histogram | undefined, this.memTs[at])
      rec.f64(q)
      rec.u32(body.length)
      rec.ensure(body.length)
      rec.buf.set(body, rec.len)
      rec.len += body.length
    }
    rec.end()
  }

  /**
   * Halves a grown memory window once the sender has caught up. Slots handed out and either on
   * disk or acknowledged are let go first; the window shrinks only if what remains fits half.
   */
  private shrinkMemory (): void {
    const size = this.memMask + 1
    if (size <= pow2(this.o.memoryEntries) || Date.now() - this.resizedAt < this.o.shrinkAfterMs) return
    if (this.writeSeq - this.drainCursor > size / 16) return
    // Handed out, and on disk or acknowledged: nothing reads these slots again.
    this.forgetBefore(Math.min(this.drainCursor, Math.max(this.diskSeq, this.frontier)))
    if (this.writeSeq - this.memStart <= size / 2) this.resizeMemory(size / 2)
  }

  /** A window of `size` slots (doubled or halved) holding seqs [memStart, writeSeq) at their new slots. */
  private resizeMemory (size: number): void {
    this.resizedAt = Date.now()
    const mask = size - 1
    const series = new Array<Series | undefined>(size)
    const values = new Float64Array(size)
    const ts = new Float64Array(size)
    const flags = new Uint8Array(size)
    for (let q = this.memStart; q < this.writeSeq; q++) {
      const from = q & this.memMask
      const to = q & mask
      series[to] = this.memSeries[from]
      values[to] = this.memValues[from]
      ts[to] = this.memTs[from]
      flags[to] = this.memFlags[from]
    }
    this.memSeries = series
    this.memValues = values
    this.memTs = ts
    this.memFlags = flags
    this.memMask = mask
  }

  private resizedAt = 0

  /** Current size of the memory window (tests, metrics). */
  get memoryWindow (): number { return this.memMask + 1 }

  private rotate (first: number): void {
    this.writer.sync()
    this.writer.close()
    this.writer = new SegmentWriter(join(this.o.dir, segmentName(first)), first, true)
    this.writtenRefs = new Map()
    this.segments.push({ first, path: this.writer.path, size: this.writer.size, refs: this.writtenRefs })
    this.totalBytes += this.writer.size
    this.seriesBytes = 0
  }

  /** Drops the oldest segments while over the size bound (never the one being written). */
  private enforceLimit (): void {
    while (this.totalBytes > this.o.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]
      const end = this.segments[1].first
      const lost = Math.max(0, end - Math.max(this.drainCursor, oldest.first))
      this.removeOldest()
      if (this.drainCursor < end) this.drainCursor = end
      this.advanceFrontierTo(end)
      if (lost > 0) {
        this.o.onDrop?.(lost, 'buffer_full')
        this.o.log?.warn('remote-write buffer full: dropped the oldest samples', { samples: lost, max_bytes: this.o.maxBytes })
      }
    }
  }

  private removeOldest (): void {
    const seg = this.segments.shift()!
    this.totalBytes -= seg.size
    if (this.reader?.seg === seg) { this.reader.r.close(); this.reader = undefined }
    rmSync(seg.path, { force: true })
  }

  private advanceFrontierTo (seq: number): void {
    if (seq <= this.frontier) return
    if (seq - this.frontier > this.doneMask) this.done.fill(0)
    else for (let s = this.frontier; s < seq; s++) this.done[s & this.doneMask] = 0
    this.frontier = seq
    this.frontierMovedAt = Date.now()
  }

  drain (take: TakeEntry): number {
    let taken = 0
    while (this.drainCursor < this.writeSeq) {
      // Never hand out more than the acknowledgement window can track.
      if (this.drainCursor - this.frontier > this.doneMask) break
      const seq = this.drainCursor
      let ok: boolean
      if (seq >= this.memStart) {
        const at = seq & this.memMask
        ok = take(this.memSeries[at]!, this.memTs[at], this.memValues[at], this.memFlags[at], this.memExemplars.get(seq), seq)
      } else {
        ok = this.takeFromDisk(seq, take)
        if (this.drainCursor !== seq) continue // skipped damaged data
      }
      if (!ok) break
      // A histogram stays until its slot is let go: it may still have to be written to disk.
      if (seq >= this.memStart && (this.memFlags[seq & this.memMask] & FLAG_HISTOGRAM) === 0) this.memExemplars.delete(seq)
      this.drainCursor++
      taken++
    }
    return taken
  }

  /** Offers the sample with sequence `seq`, read from its segment. */
  private takeFromDisk (seq: number, take: TakeEntry): boolean {
    const rd = this.positionReader(seq)
    if (!rd) return false
    const p = rd.buf!
    const o = rd.idx * SAMPLE_BYTES
    const series = rd.series.get(p.readUInt32LE(o))
    if (series === undefined) { this.skipCorrupt(seq, 1); return false }
    const flags = p[o + 20]
    let h: Histogram | undefined
    if ((flags & (FLAG_HISTOGRAM | FLAG_STALE)) === FLAG_HISTOGRAM) {
      h = rd.histograms?.get(seq)
      if (h === undefined) { this.skipCorrupt(seq, 1); return false }
      rd.histograms!.delete(seq)
    }
    if (!take(series, p.readDoubleLE(o + 4), p.readDoubleLE(o + 12), flags, h, seq)) return false
    this.readBack++
    return true
  }

  private positionReader (seq: number): NonNullable<DiskPending['reader']> | undefined {
    let rd = this.reader
    if (rd && (seq < rd.seq - rd.idx || seq > rd.seq - rd.idx + rd.count)) { rd.r.close(); rd = this.reader = undefined }
    if (!rd) {
      let i = this.segments.length - 1
      while (i > 0 && this.segments[i].first > seq) i--
      const seg = this.segments[i]
      rd = this.reader = { seg, r: new SegmentReader(seg.path), seq: seg.first, series: seg.refs ?? new Map<number, Series>(), idx: 0, count: 0 }
    }
    // rd.seq is the seq of entry rd.idx of the current record (when rd.buf is set).
    while (!(rd.buf && seq >= rd.seq - rd.idx && seq < rd.seq - rd.idx + rd.count)) {
      const t = rd.r.next()
      if (t === 0) {
        const next: Segment | undefined = this.segments[this.segments.indexOf(rd.seg) + 1]
        const end = next ? next.first : this.writeSeq
        rd.r.close()
        this.reader = undefined
        // End of this segment's valid data: what it should still have held is lost.
        if (seq < end || !next) {
          if (seq < end) this.skipCorrupt(seq, end - seq)
          return undefined
        }
        rd = this.reader = { seg: next, r: new SegmentReader(next.path), seq: next.first, series: next.refs ?? new Map<number, Series>(), idx: 0, count: 0 }
        continue
      }
      if (rd.seg.refs !== undefined && (t === REC_SERIES_BLOCK || t === REC_SERIES || t === REC_SERIES_PB)) {
        // Ours: the series are at hand (rd.series is seg.refs).
      } else if (t === REC_SERIES_BLOCK) {
        const map = rd.series
        try {
          forEachBlockSeries(snappyUncompress(rd.r.payload()), (ref, enc) => map.set(ref, new SeriesClass(undefined, enc)))
        } catch { /* a damaged block: its series' samples are skipped as unreadable */ }
      } else if (t === REC_SERIES) {
        const s = decodeSeries(rd.r.payload())
        rd.series.set(s.ref, new SeriesClass(s.labels))
      } else if (t === REC_SERIES_PB) {
        const s = decodeSeriesPb(rd.r.payload())
        rd.series.set(s.ref, new SeriesClass(undefined, s.encoded))
      } else if (t === REC_HISTOGRAMS) {
        const p = rd.r.payload()
        const map = rd.histograms ??= new Map()
        try {
          const n = p.readUInt32LE(0)
          let o = 4
          for (let k = 0; k < n; k++) {
            const hseq = p.readDoubleLE(o); const len = p.readUInt32LE(o + 8)
            const d = decodeHistogram(p.subarray(o + 12, o + 12 + len))
            if (d.histogram !== undefined) map.set(hseq, d.histogram)
            o += 12 + len
          }
        } catch { /* damaged: those samples are skipped as unreadable */ }
      } else if (t === REC_SAMPLES || t === REC_SAMPLES_AT) {
        const p = rd.r.payload()
        const at = t === REC_SAMPLES_AT
        const base = at ? p.readDoubleLE(0) : rd.buf ? rd.seq - rd.idx + rd.count : rd.seq
        rd.count = p.readUInt32LE(at ? 8 : 0)
        rd.buf = Buffer.from(p.subarray(at ? 12 : 4))
        rd.idx = 0
        rd.seq = base
        if (base > seq) {
          // seq lies in a stretch acknowledged before it was written: nothing to send.
          this.skipGap(seq, base - seq)
          return undefined
        }
      }
    }
    rd.idx = seq - (rd.seq - rd.idx)
    rd.seq = seq
    return rd
  }

  /** Entries [seq, seq+n) were never written (acknowledged first): finished, not dropped. */
  private skipGap (seq: number, n: number): void {
    this.drainCursor = seq + n
    this.skips.push([seq, seq + n])
    this.advanceFrontier()
  }

  /** Unreadable entries [seq, seq+n) count as finished once everything before them is. */
  private skipCorrupt (seq: number, n: number): void {
    this.o.log?.warn('remote-write buffer: unreadable samples skipped', { from_seq: seq, samples: n })
    this.o.onDrop?.(n, 'corrupt')
    this.drainCursor = seq + n
    this.skips.push([seq, seq + n])
    this.advanceFrontier()
  }

  /** A handed-out sample is finished (sent, or dropped as unsendable). */
  ack (seq: number): void {
    if (seq < this.frontier || seq >= this.drainCursor) return
    this.done[seq & this.doneMask] = 1
    this.advanceFrontier()
  }

  /** A sent batch: marks every seq, then moves the frontier once (not once per sample). */
  ackAll (seqs: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = seqs[i]
      if (seq >= this.frontier && seq < this.drainCursor) this.done[seq & this.doneMask] = 1
    }
    this.advanceFrontier()
  }

  private advanceFrontier (): void {
    for (;;) {
      if (this.skips.length > 0 && this.skips[0][0] <= this.frontier) {
        const [, to] = this.skips.shift()!
        this.advanceFrontierTo(to)
        continue
      }
      if (this.frontier < this.drainCursor && this.done[this.frontier & this.doneMask] === 1) {
        const before = this.frontier
        while (this.frontier < this.drainCursor && this.done[this.frontier & this.doneMask] === 1) {
          this.done[this.frontier & this.doneMask] = 0
          this.frontier++
        }
        if (this.frontier !== before) this.frontierMovedAt = Date.now()
        continue
      }
      break
    }
    // Segments wholly below the frontier are finished.
    while (this.segments.length > 1 && this.segments[1].first <= this.frontier) this.removeOldest()
  }

  /** Makes data and frontier durable. Called every syncIntervalMs and on close. */
  sync (): void {
    if (this.closed) return
    this.shrinkMemory()
    try {
      this.writer.sync()
      if (this.frontier !== this.savedFrontier) {
        const tmp = join(this.o.dir, 'frontier.tmp')
        writeFileSync(tmp, JSON.stringify({ seq: this.frontier }))
        renameSync(tmp, join(this.o.dir, 'frontier'))
        this.savedFrontier = this.frontier
      }
    } catch (err) {
      this.o.log?.warn('remote-write buffer: sync failed', { err: (err as Error).message })
    }
  }

  /** Durable stores keep their data for the next start: clear() only closes. */
  clear (): number {
    this.close()
    return 0
  }

  close (): void {
    if (this.closed) return
    // What is still unacknowledged stays for the next start.
    this.flushToDisk()
    this.sync()
    this.closed = true
    clearInterval(this.timer)
    this.reader?.r.close()
    this.reader = undefined
    this.writer.close()
  }
}
