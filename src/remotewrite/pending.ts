// The seam between "accepted data" and "shards". The queue writes committed samples here and
// its dispatcher drains them, oldest first, into shard batches. Two stores implement it: an
// in-memory ring and the disk buffer (disk/disk-pending.ts), whose `write` persists to segments
// and whose `drain` reads them back.

import type { Metadata, Series } from '../storage/series.js'
import type { Attached, SampleBatch } from './batch.js'

/** Receives one entry (`startMs` 0: no created timestamp); returns false to refuse it (the entry then stays pending). */
export type TakeEntry = (series: Series, timestampMs: number, value: number, flags: number, exemplar: Attached | undefined, seq: number, startMs: number) => boolean

export interface PendingStore {
  /** Entries held. */
  readonly length: number
  /** Appends entries [from, to) of the batch, in order. The queue enforces capacity first. */
  write (batch: SampleBatch, from: number, to: number): void
  /** Offers entries oldest first until `take` refuses one; removes the taken. Returns how many. */
  drain (take: TakeEntry): number
  /** Discards everything; returns how many entries were discarded (a durable store keeps them and returns 0). */
  clear (): number
  /** True for stores that keep data across restarts (the disk buffer): they accept everything. */
  readonly durable?: boolean
  /** A handed-out entry (by the seq given to take) is finished: sent, or dropped as unsendable. */
  ack? (seq: number): void
  /** ack() for seqs[0, n) at once (entries < 0 were not handed out by this store). */
  ackAll? (seqs: ArrayLike<number>, n: number): void
  /** Metadata of a metric family the sender keeps: a durable store writes it with the samples. */
  noteMetadata? (family: string, m: Metadata): void
  /** A durable store calls fn with the metadata it reads back from disk, before the samples written after it. */
  onMetadata? (fn: (family: string, m: Metadata) => void): void
  /** A disk buffer's state, for its metrics. */
  stats? (): BufferStats
}

export interface BufferStats {
  /** Bytes of all segments. */
  bytes: number
  /** The bound on bytes: past it the oldest segments are dropped. */
  maxBytes: number
  segments: number
  /** Samples the memory window holds at most now. */
  memoryEntries: number
  /** Samples handed out from disk rather than memory, since start. */
  readBack: number
}

/** A growable ring buffer in struct-of-arrays form. */
export class MemoryPending implements PendingStore {
  private series: Array<Series | undefined>
  private values: Float64Array
  private timestamps: Float64Array
  private flags: Uint8Array
  private starts: Float64Array
  private exemplars = new Map<number, Attached>() // ring index -> exemplar (rare)
  private head = 0
  length = 0

  constructor (initialSize = 1024) {
    const n = Math.max(16, initialSize)
    this.series = new Array<Series | undefined>(n)
    this.values = new Float64Array(n)
    this.timestamps = new Float64Array(n)
    this.flags = new Uint8Array(n)
    this.starts = new Float64Array(n)
  }

  write (batch: SampleBatch, from: number, to: number): void {
    const count = to - from
    if (this.length + count > this.values.length) this.grow(this.length + count)
    const size = this.values.length
    let at = (this.head + this.length) % size
    for (let i = from; i < to; i++) {
      this.series[at] = batch.series[i]
      this.values[at] = batch.values[i]
      this.timestamps[at] = batch.timestamps[i]
      this.starts[at] = batch.starts[i]
      const f = batch.flags[i]
      this.flags[at] = f
      const ex = batch.exemplars[i]
      if (f !== 0 && ex !== undefined) this.exemplars.set(at, ex)
      if (++at === size) at = 0
    }
    this.length += count
  }

  drain (take: TakeEntry): number {
    const size = this.values.length
    let taken = 0
    while (this.length > 0) {
      const at = this.head
      const ex = this.exemplars.size > 0 ? this.exemplars.get(at) : undefined
      if (!take(this.series[at] as Series, this.timestamps[at], this.values[at], this.flags[at], ex, -1, this.starts[at])) break
      if (ex !== undefined) this.exemplars.delete(at)
      this.series[at] = undefined // let dropped series be collected
      this.head = at + 1 === size ? 0 : at + 1
      this.length--
      taken++
    }
    return taken
  }

  clear (): number {
    const n = this.length
    this.series.fill(undefined)
    this.exemplars.clear()
    this.head = 0
    this.length = 0
    return n
  }

  private grow (min: number): void {
    let size = this.values.length * 2
    while (size < min) size *= 2
    const series = new Array<Series | undefined>(size)
    const values = new Float64Array(size)
    const timestamps = new Float64Array(size)
    const flags = new Uint8Array(size)
    const starts = new Float64Array(size)
    const exemplars = new Map<number, Attached>()
    const old = this.values.length
    for (let k = 0; k < this.length; k++) {
      const at = (this.head + k) % old
      series[k] = this.series[at]
      values[k] = this.values[at]
      timestamps[k] = this.timestamps[at]
      flags[k] = this.flags[at]
      starts[k] = this.starts[at]
      const ex = this.exemplars.get(at)
      if (ex !== undefined) exemplars.set(k, ex)
    }
    this.series = series
    this.values = values
    this.timestamps = timestamps
    this.flags = flags
    this.starts = starts
    this.exemplars = exemplars
    this.head = 0
  }
}
