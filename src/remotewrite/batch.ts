// Struct-of-arrays sample storage: the appender, the pending store and the shards all hold
// samples this way, so the hot path allocates no per-sample objects.

import type { Exemplar, Histogram, Series } from '../storage/series.js'

/** Flag bits per entry. */
export const FLAG_STALE = 1
/** The entry is an exemplar (value/timestamp come from it; the exemplar object is in `exemplars`). */
export const FLAG_EXEMPLAR = 2
/**
 * The entry is a native histogram sample: the Histogram is in `exemplars` (the sparse slot of
 * rare entries), or with FLAG_STALE it is a histogram staleness marker and carries none.
 */
export const FLAG_HISTOGRAM = 4

/** What an entry carries besides its number: an exemplar or a native histogram (see the flags). */
export type Attached = Exemplar | Histogram

export class SampleBatch {
  series: Series[]
  values: Float64Array
  timestamps: Float64Array
  flags: Uint8Array
  /** Disk-buffer sequence number per entry (-1 when the pending store is not durable). */
  seqs: Float64Array
  /** Created (start) timestamp per entry in ms; 0 when none (remote write 2.0's "unset"). */
  starts: Float64Array
  /** Sparse: set only where FLAG_EXEMPLAR or FLAG_HISTOGRAM is. */
  exemplars: Array<Attached | undefined>
  length = 0
  /** Number of exemplar entries among the first `length`. */
  exemplarCount = 0
  /** Number of histogram entries (stale markers included) among the first `length`. */
  histogramCount = 0

  constructor (initialCapacity = 64) {
    const cap = Math.max(1, initialCapacity)
    this.series = new Array<Series>(cap)
    this.values = new Float64Array(cap)
    this.timestamps = new Float64Array(cap)
    this.flags = new Uint8Array(cap)
    this.seqs = new Float64Array(cap)
    this.starts = new Float64Array(cap)
    this.exemplars = []
  }

  get capacity (): number { return this.values.length }

  push (series: Series, timestampMs: number, value: number, flags: number, exemplar?: Attached, seq = -1, startMs = 0): void {
    const i = this.length
    if (i === this.values.length) this.grow(i * 2)
    this.seqs[i] = seq
    this.starts[i] = startMs
    this.series[i] = series
    this.timestamps[i] = timestampMs
    this.values[i] = value
    this.flags[i] = flags
    if ((flags & FLAG_EXEMPLAR) !== 0) {
      this.exemplars[i] = exemplar
      this.exemplarCount++
    } else if ((flags & FLAG_HISTOGRAM) !== 0) {
      if (exemplar !== undefined) this.exemplars[i] = exemplar
      this.histogramCount++
    }
    this.length = i + 1
  }

  /** Copies entry `i` of `src` onto the end of this batch. */
  pushFrom (src: SampleBatch, i: number): void {
    this.push(src.series[i], src.timestamps[i], src.values[i], src.flags[i], src.exemplars[i], src.seqs[i], src.starts[i])
  }

  clear (): void {
    if (this.exemplarCount > 0 || this.histogramCount > 0) this.exemplars.length = 0
    this.length = 0
    this.exemplarCount = 0
    this.histogramCount = 0
  }

  private grow (cap: number): void {
    const values = new Float64Array(cap); values.set(this.values)
    const ts = new Float64Array(cap); ts.set(this.timestamps)
    const flags = new Uint8Array(cap); flags.set(this.flags)
    const seqs = new Float64Array(cap); seqs.set(this.seqs)
    const starts = new Float64Array(cap); starts.set(this.starts)
    this.seqs = seqs
    this.starts = starts
    this.values = values
    this.timestamps = ts
    this.flags = flags
    this.series.length = cap
  }
}
