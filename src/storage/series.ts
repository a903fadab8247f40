// The sample path's currency. A Series is created once per distinct label set and reused
// across scrapes, so the hot path hands around references, not fresh label arrays. It keeps
// its labels only in their encoded wire form (one flat string), which remote_write sends as is.
import { decodeLabels, encodeLabels, hashEncoded } from './label-bytes.js'
import type { Histogram } from './histogram.js'

export type { Histogram }

export interface Label {
  readonly name: string
  readonly value: string
}

/** Sorted by name, names unique. */
export type Labels = readonly Label[]

let nextSeriesId = 1

export class Series {
  /** Process-unique id; stable for the life of the object. */
  readonly id: number
  /**
   * The labels in remote-write wire form (label-bytes.ts), the only copy a series keeps: the
   * remote-write encoder writes it as is, and `labels` decodes it for the rare reader.
   */
  encoded: string
  #hash = -1
  /** From a sorted label set, or (labels undefined) from its encoded form. */
  constructor (labels: Labels | undefined, encoded?: string) {
    this.id = nextSeriesId++
    this.encoded = encoded ?? encodeLabels(labels ?? [])
  }

  /**
   * A 31-bit hash of the encoded labels, computed once: the scrape cache interns by it, and
   * remote_write picks shards by it (not by id, so the same series read back from the disk
   * buffer, a new object, goes to the same shard and its samples stay in order).
   */
  hash (): number {
    if (this.#hash < 0) this.#hash = hashEncoded(this.encoded)
    return this.#hash
  }

  /** The label set, decoded on each call (cache it where it is read often). */
  get labels (): Labels { return decodeLabels(this.encoded) }

  get (name: string): string | undefined {
    for (const l of this.labels) if (l.name === name) return l.value
    return undefined
  }
}

export interface Exemplar {
  readonly labels: Labels
  readonly value: number
  /** Milliseconds since epoch, or undefined when the exposition had none. */
  readonly timestamp: number | undefined
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown'

export interface Metadata {
  readonly type: MetricType
  readonly help: string
  readonly unit: string
}

/**
 * One batch of appends (one scrape, one remote-write request). Nothing is visible
 * downstream until commit(); rollback() discards the batch.
 */
export interface Appender {
  /**
   * `startMs`: the created (start) timestamp of the sample's counter, summary or histogram,
   * in ms, where the exposition or the sender carried one; undefined or 0 when none (remote
   * write 2.0 spells "none" 0).
   */
  append (series: Series, timestampMs: number, value: number, startMs?: number): void
  /** A native histogram sample (`startMs` as for append). */
  appendHistogram (series: Series, timestampMs: number, histogram: Histogram, startMs?: number): void
  /**
   * A Prometheus staleness marker for the series at the given time: StaleNaN, or for a
   * native-histogram series (`histogram`) a histogram whose sum is StaleNaN, as Prometheus
   * stores it.
   */
  appendStale (series: Series, timestampMs: number, histogram?: boolean): void
  appendExemplar (series: Series, exemplar: Exemplar): void
  /** Metadata of a metric family, keyed by its name (the series' __name__ stem). */
  appendMetadata (metricFamily: string, metadata: Metadata): void
  commit (): void
  rollback (): void
}

/** Anything samples can be sent to: what `forward_to` lists and `receiver` exports. */
export interface Appendable {
  appender (): Appender
  /**
   * Resolves when the receiver has room again (remote_write's bounded queue). Producers await
   * it before appending a batch, so a slow receiver slows scraping instead of growing memory.
   */
  waitForCapacity? (): Promise<void>
}

/** Stringifies labels as `{a="1", b="2"}` (debug and error messages, not the hot path). */
export function labelsString (labels: Labels): string {
  return '{' + labels.map(l => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}'
}

/** Compares two sorted label sets. */
export function labelsEqual (a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || a[i].value !== b[i].value) return false
  }
  return true
}

/** Sorts in place by name and returns the array. */
export function sortLabels<T extends Label> (labels: T[]): T[] {
  return labels.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
}
