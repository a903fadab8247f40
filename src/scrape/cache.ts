// Per-target series cache, as Prometheus's scrapeCache: raw series text → Series, so a
// series seen before costs one Map lookup and no allocation. It also carries the
// "seen this scrape" marks that decide staleness, and the metadata of metric families.
//
// Exporters write their series in the same order every time, so the cache also remembers the
// order of the last scrape: expected() names the entry most likely to come next, and a parser
// that can compare the body text with its key directly (PromTextParser.hint) skips both the
// label-block scan and the Map lookup's hashing of a long key.
import { Series, type Labels, type MetricType } from '../storage/series.js'
import { encodeLabels, hashEncoded } from '../storage/label-bytes.js'

/**
 * A raw series text's cache entry: the series it maps to (undefined: metric relabeling dropped
 * it), when it was last seen, and where in the last scrape's order.
 */
export interface CacheEntry {
  /** The raw series text (the Map key). */
  readonly key: string
  readonly ref: SeriesRef | undefined
  /** Iteration in which this raw string was last seen. */
  lastIter: number
  /** Index in the order of the scrape that saw it last (see seen()). */
  pos: number
}

/**
 * One distinct output series with the cache's bookkeeping on it. Nearly every series has
 * exactly one raw spelling, so the series is also that spelling's cache entry (one object per
 * series instead of two: less heap per series); further spellings and dropped ones get an AliasEntry.
 */
export class SeriesRef extends Series implements CacheEntry {
  /** Iteration in which this series last got a sample that counts for staleness. */
  seenIter = -1
  /** Cache entries pointing here (itself included while it is one); at 0 it leaves the intern table. */
  refs = 0
  /** Its last sample was a native histogram: its staleness marker is a histogram one. */
  histogram = false
  key = ''
  lastIter = -1
  pos = -1
  get ref (): SeriesRef { return this }
  /** The series itself (the appenders' view of it). */
  get series (): Series { return this }
}

/** A second raw spelling of a series, or a raw string relabeling dropped. */
export class AliasEntry implements CacheEntry {
  pos = -1
  constructor (readonly key: string, readonly ref: SeriesRef | undefined, public lastIter: number) {}
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

const METADATA_KEEP_ITERS = 10

/**
 * A list refilled every scrape. It is emptied by its count, not by `length = 0` (which drops the
 * backing store, so every scrape grew it again from nothing: garbage per sample
 * for the two lists). References past the count are dropped once a scrape ends shorter.
 */
class RefList<T> {
  items: T[] = []
  len = 0
  push (x: T): void { this.items[this.len++] = x }
  at (i: number): T | undefined { return i < this.len ? this.items[i] : undefined }
  clear (): void { this.len = 0 }
  /** Call when the fill is complete: lets go of what an earlier, longer fill left behind. */
  settle (): void { if (this.items.length > this.len) this.items.length = this.len }
}

export class SeriesCache {
  /** Current scrape iteration. */
  iter = 0
  readonly #evictAfter: number
  readonly #entries = new Map<string, CacheEntry>()
  /** Hash of the encoded labels → the series with those labels (an array on a hash collision). */
  readonly #interned = new Map<number, SeriesRef | SeriesRef[]>()
  readonly #meta = new Map<string, MetaEntry>()
  #cur = new RefList<SeriesRef>()
  #prev = new RefList<SeriesRef>()
  /** Entries in the order the last good scrape saw them, and the order being recorded. */
  #order = new RefList<CacheEntry>()
  #nextOrder = new RefList<CacheEntry>()
  #cursor = 0
  #successfulCount = 0

  constructor (opts: SeriesCacheOptions = {}) {
    this.#evictAfter = Math.max(1, opts.evictAfter ?? 1)
  }

  /** Number of raw strings cached (series and dropped). */
  get size (): number { return this.#entries.size }

  /** Series that counted for staleness in the last completed scrape. */
  get liveCount (): number { return this.#prev.len }

  lookup (raw: string): CacheEntry | undefined {
    return this.#entries.get(raw)
  }

  /** Caches a new raw string → labels mapping; series with equal labels share one Series. */
  addSeries (raw: string, labels: Labels): CacheEntry {
    const ref = this.#intern(labels)
    const key = flatCopy(raw)
    let e: CacheEntry
    if (ref.refs++ === 0) {
      ref.key = key
      ref.lastIter = this.iter
      ref.pos = -1
      e = ref
    } else e = new AliasEntry(key, ref, this.iter)
    this.#entries.set(key, e)
    return e
  }

  /** Remembers that relabeling dropped raw, so it is skipped without relabeling again. */
  addDropped (raw: string): CacheEntry {
    const key = flatCopy(raw)
    const e = new AliasEntry(key, undefined, this.iter)
    this.#entries.set(key, e)
    return e
  }

  /** The entry that followed the last seen() one in the previous scrape: a guess at what comes next. */
  expected (): CacheEntry | undefined {
    return this.#order.at(this.#cursor)
  }

  /** Records e as the next series of this scrape (for expected()). Call once per series line. */
  seen (e: CacheEntry): void {
    const order = this.#order
    const c = this.#cursor
    if (order.at(c) === e) this.#cursor = c + 1
    // Out of order: continue the guesses from where e was last time. A new series keeps them.
    else if (e.pos >= 0 && order.at(e.pos) === e) this.#cursor = e.pos + 1
    e.pos = this.#nextOrder.len
    this.#nextOrder.push(e)
  }

  #intern (labels: Labels): SeriesRef {
    const enc = encodeLabels(labels)
    const h = hashEncoded(enc) & 0x3fffffff
    const got = this.#interned.get(h)
    if (got === undefined) {
      const ref = new SeriesRef(undefined, enc)
      this.#interned.set(h, ref)
      return ref
    }
    const list = got instanceof SeriesRef ? [got] : got
    for (const r of list) if (r.series.encoded === enc) return r
    const ref = new SeriesRef(undefined, enc)
    list.push(ref)
    this.#interned.set(h, list)
    return ref
  }

  #release (ref: SeriesRef): void {
    if (--ref.refs > 0) return
    const h = ref.hash() & 0x3fffffff
    const got = this.#interned.get(h)
    if (got === ref) this.#interned.delete(h)
    else if (Array.isArray(got)) {
      const rest = got.filter(r => r !== ref)
      if (rest.length === 1) this.#interned.set(h, rest[0])
      else this.#interned.set(h, rest)
    }
  }

  /** Marks ref as present in this scrape (staleness). */
  track (ref: SeriesRef): void {
    if (ref.seenIter !== this.iter) {
      ref.seenIter = this.iter
      this.#cur.push(ref)
    }
  }

  /**
   * Calls fn for each series present at the last completed scrape but not tracked in this one;
   * `histogram` when its last sample was a native histogram.
   */
  forEachStale (fn: (s: Series, histogram: boolean) => void): void {
    const prev = this.#prev
    for (let i = 0; i < prev.len; i++) {
      const r = prev.items[i]
      if (r.seenIter !== this.iter) fn(r.series, r.histogram)
    }
  }

  /** Forgets this scrape's presence marks: a failed scrape counts as an empty one. */
  abandon (): void {
    const cur = this.#cur
    for (let i = 0; i < cur.len; i++) cur.items[i].seenIter = -1
    cur.clear()
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
    this.#meta.forEach((m, family) => { if (m.changedIter === this.iter) fn(family, m) })
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
    // A good scrape's order predicts the next one; a failed one's is partial, so keep the old.
    if (success) {
      const o = this.#order
      this.#order = this.#nextOrder
      this.#nextOrder = o
      this.#order.settle()
    }
    this.#nextOrder.clear()
    this.#cursor = 0
    if (flush) {
      const minIter = this.iter - this.#evictAfter + 1
      let evicted = 0
      // values() and forEach, not `for (const [k, v] of map)`: that made a pair per entry.
      for (const e of this.#entries.values()) {
        if (e.lastIter >= minIter) continue
        this.#entries.delete(e.key)
        evicted++
        if (e.ref !== undefined) this.#release(e.ref)
      }
      this.#meta.forEach((m, family) => {
        if (this.iter - m.lastIter > METADATA_KEEP_ITERS) this.#meta.delete(family)
      })
      // expected() must only ever name live entries.
      if (evicted > 0) {
        const kept = new RefList<CacheEntry>()
        for (let i = 0; i < this.#order.len; i++) {
          const e = this.#order.items[i]
          if (this.#entries.get(e.key) === e) kept.push(e)
        }
        this.#order = kept
      }
    }
    const prev = this.#prev
    this.#prev = this.#cur
    this.#prev.settle()
    this.#cur = prev
    this.#cur.clear()
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
