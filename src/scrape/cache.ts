// Per-target series cache, as Prometheus's scrapeCache: raw series text → Series, so a
// series seen before costs one Map lookup and no allocation. It also carries the
// "seen this scrape" marks that decide staleness, and the metadata of metric families.
import { Series, type Labels, type MetricType } from '../storage/series.js'

/** One distinct output series. Raw strings that map to the same labels share it. */
export class SeriesRef {
  /** Iteration in which this series last got a sample that counts for staleness. */
  seenIter = -1
  /** Cache entries pointing here; at 0 the ref leaves the intern table. */
  refs = 0
  constructor (readonly series: Series) {}
}

export interface CacheEntry {
  /** undefined: metric relabeling dropped this series. */
  readonly ref: SeriesRef | undefined
  /** Iteration in which this raw string was last seen. */
  lastIter: number
}

export interface MetaEntry {
  type: MetricType
  help: string
  unit: string
  lastIter: number
  /** Iteration in which type, help or unit last changed (or the entry appeared). */
  changedIter: number
}

export interface SeriesCacheOptions {
  /**
   * Entries unseen for this many successful scrapes are evicted. 1 is Prometheus's policy
   * (keep only what the last successful scrape saw).
   * @default 1
   */
  evictAfter?: number
}

/** A copy of s that does not share memory with the body it was sliced from. */
export function flatCopy (s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8')
}

function labelsKey (labels: Labels): string {
  let k = ''
  for (const l of labels) k += l.name + '\xff' + l.value + '\xff'
  return k
}

const METADATA_KEEP_ITERS = 10

export class SeriesCache {
  /** Current scrape iteration. */
  iter = 0
  readonly #evictAfter: number
  readonly #entries = new Map<string, CacheEntry>()
  readonly #interned = new Map<string, SeriesRef>()
  readonly #meta = new Map<string, MetaEntry>()
  #cur: SeriesRef[] = []
  #prev: SeriesRef[] = []
  #successfulCount = 0

  constructor (opts: SeriesCacheOptions = {}) {
    this.#evictAfter = Math.max(1, opts.evictAfter ?? 1)
  }

  /** Number of raw strings cached (series and dropped). */
  get size (): number { return this.#entries.size }

  /** Series that counted for staleness in the last completed scrape. */
  get liveCount (): number { return this.#prev.length }

  lookup (raw: string): CacheEntry | undefined {
    return this.#entries.get(raw)
  }

  /** Caches a new raw string → labels mapping; series with equal labels share one Series. */
  addSeries (raw: string, labels: Labels): CacheEntry {
    const k = labelsKey(labels)
    let ref = this.#interned.get(k)
    if (ref === undefined) {
      ref = new SeriesRef(new Series(labels))
      this.#interned.set(k, ref)
    }
    ref.refs++
    const e: CacheEntry = { ref, lastIter: this.iter }
    this.#entries.set(flatCopy(raw), e)
    return e
  }

  /** Remembers that relabeling dropped raw, so it is skipped without relabeling again. */
  addDropped (raw: string): void {
    this.#entries.set(flatCopy(raw), { ref: undefined, lastIter: this.iter })
  }

  /** Marks ref as present in this scrape (staleness). */
  track (ref: SeriesRef): void {
    if (ref.seenIter !== this.iter) {
      ref.seenIter = this.iter
      this.#cur.push(ref)
    }
  }

  /** Calls fn for each series present at the last completed scrape but not tracked in this one. */
  forEachStale (fn: (s: Series) => void): void {
    for (const r of this.#prev) if (r.seenIter !== this.iter) fn(r.series)
  }

  /** Forgets this scrape's presence marks: a failed scrape counts as an empty one. */
  abandon (): void {
    for (const r of this.#cur) r.seenIter = -1
    this.#cur.length = 0
  }

  setType (family: string, type: MetricType): void {
    const e = this.#metaEntry(family)
    if (e.type !== type) { e.type = type; e.changedIter = this.iter }
  }

  setHelp (family: string, help: string): void {
    const e = this.#metaEntry(family)
    if (e.help !== help) { e.help = flatCopy(help); e.changedIter = this.iter }
  }

  setUnit (family: string, unit: string): void {
    const e = this.#metaEntry(family)
    if (e.unit !== unit) { e.unit = flatCopy(unit); e.changedIter = this.iter }
  }

  /** Families whose metadata appeared or changed in this scrape. */
  forEachChangedMeta (fn: (family: string, m: MetaEntry) => void): void {
    for (const [family, m] of this.#meta) if (m.changedIter === this.iter) fn(family, m)
  }

  getMeta (family: string): MetaEntry | undefined {
    return this.#meta.get(family)
  }

  /**
   * Ends the scrape. After a successful one, entries unseen for evictAfter scrapes leave;
   * after failures the cache is flushed only if it has grown far beyond its last good size
   * (a target failing with ever new series must not grow it forever).
   */
  iterDone (success: boolean): void {
    const count = this.#entries.size + this.#meta.size
    let flush = success
    if (success) this.#successfulCount = count
    else if (count > this.#successfulCount * 2 + 1000) flush = true
    if (flush) {
      const minIter = this.iter - this.#evictAfter + 1
      for (const [raw, e] of this.#entries) {
        if (e.lastIter >= minIter) continue
        this.#entries.delete(raw)
        const ref = e.ref
        if (ref !== undefined && --ref.refs === 0) this.#interned.delete(labelsKey(ref.series.labels))
      }
      for (const [family, m] of this.#meta) {
        if (this.iter - m.lastIter > METADATA_KEEP_ITERS) this.#meta.delete(family)
      }
    }
    const prev = this.#prev
    this.#prev = this.#cur
    this.#cur = prev
    this.#cur.length = 0
    this.iter++
  }

  #metaEntry (family: string): MetaEntry {
    let e = this.#meta.get(family)
    if (e === undefined) {
      e = { type: 'unknown', help: '', unit: '', lastIter: this.iter, changedIter: this.iter }
      this.#meta.set(flatCopy(family), e)
    }
    e.lastIter = this.iter
    return e
  }
}
