// One scrape loop per target, as Prometheus's scrapeLoop: scrape at a fixed slot of the
// interval, append every sample through the series cache, add the report series (`up`
// and friends), write staleness markers for what disappeared, then commit — or, when
// anything fails, roll the batch back and report the failure as data.
import type { Appendable, Appender, Label, Labels, Series } from '../storage/series.js'
import { Series as SeriesClass, sortLabels } from '../storage/series.js'
import { bucketCount, isExponential, reduceResolution, schemaForFactor, SCHEMA_MAX, SCHEMA_MIN, type Histogram } from '../storage/histogram.js'
import { Entry } from '../exposition/entry.js'
import type { ExpositionParser, ParserOptions } from '../exposition/parser.js'
import { NhcbParser } from '../exposition/nhcb.js'
import type { Logger } from '../logging/logger.js'
import { nopLogger } from '../logging/logger.js'
import { formatDuration } from '../vm/duration.js'
import { SeriesCache } from './cache.js'
import { ScrapeHistory } from './history.js'
import { formatLabels, validLabels } from './names.js'
import type { ResolvedScrapeConfig } from './config.js'
import type { ScrapeMetrics } from './metrics.js'
import { ScrapeError, type ScrapeResult } from './scraper.js'
import type { Target } from './target.js'

export type ParserFactory = (contentType: string | undefined, body: string | Buffer, options?: ParserOptions) => ExpositionParser

export interface Fetcher {
  scrape (url: string, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResult>
}

export interface LoopOptions {
  target: Target
  config: ResolvedScrapeConfig
  fetcher: Fetcher
  appendable: Appendable
  parserFor: ParserFactory
  /** A cache handed over from the loop this one replaces (config reload). */
  cache?: SeriesCache
  metrics?: ScrapeMetrics
  log?: Logger
}

export type { HealthState } from './status.js'
import type { HealthState } from './status.js'

export interface TargetHealth {
  health: HealthState
  lastError: string | undefined
  lastScrape: Date | undefined
  lastScrapeDurationMs: number
  /** Samples in the last scrape (scrape_samples_scraped). */
  samples: number
  seriesAdded: number
  /** Series that were live after the last scrape. */
  series: number
}

const EXPORTED_PREFIX = 'exported_'
const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const

/**
 * The slot of a target inside its interval, in ms: key mod interval. No per-process seed
 * (unlike Prometheus's jitter seed), so every node of a fleet picks the same slot and a
 * target handed to another node keeps its scrape times.
 */
export function scrapeOffset (key: bigint, intervalMs: number): number {
  return Number(key % BigInt(Math.max(1, Math.round(intervalMs))))
}

/** The first slot time strictly after now: floor(now/interval)*interval + offset, or one interval later. */
export function nextSlot (now: number, intervalMs: number, offsetMs: number): number {
  const t = Math.floor(now / intervalMs) * intervalMs + offsetMs
  return t > now ? t : t + intervalMs
}

/** A scrape that fails as a whole (limits, parse errors); the batch is rolled back. */
class AppendError extends Error {
  override name = 'AppendError'
}

/**
 * A native histogram as the limits let it in, as Prometheus's maxSchema and bucketLimit
 * appenders do: first lowered to the schema native_histogram_min_bucket_factor allows, then
 * while it has more buckets than the limit, one schema lower at a time; undefined when even
 * the lowest schema (or a custom-bucket one, which cannot be lowered) has too many.
 */
export function limitHistogram (h: Histogram, maxSchema: number, bucketLimit: number): Histogram | undefined {
  if (maxSchema < h.schema && isExponential(h.schema)) h = reduceResolution(h, maxSchema)
  if (bucketLimit <= 0) return h
  if (bucketCount(h) > bucketLimit && !isExponential(h.schema)) return undefined
  while (bucketCount(h) > bucketLimit) {
    if (h.schema <= SCHEMA_MIN) return undefined
    h = reduceResolution(h, h.schema - 1)
  }
  return h
}

interface Counts { total: number, added: number, seriesAdded: number }

export class ScrapeLoop {
  readonly target: Target
  readonly cache: SeriesCache
  readonly offsetMs: number
  /** The last scrapes, for the UI. */
  readonly history = new ScrapeHistory()
  readonly #cfg: ResolvedScrapeConfig
  readonly #fetcher: Fetcher
  readonly #appendable: Appendable
  readonly #parserFor: ParserFactory
  readonly #metrics: ScrapeMetrics | undefined
  readonly #log: Logger
  readonly #abort = new AbortController()
  readonly #report: Series[]
  readonly #intervalLabel: string
  #timer: NodeJS.Timeout | undefined
  #inflight: Promise<void> | undefined
  #stopped = false
  #started = false
  #forcedError: string | undefined
  #lastStart = 0
  #scraped = false
  #health: TargetHealth = { health: 'unknown', lastError: undefined, lastScrape: undefined, lastScrapeDurationMs: 0, samples: 0, seriesAdded: 0, series: 0 }
  // Reused across samples: filled only on a cache miss.
  readonly #lset: Label[] = []
  readonly #parserOptions: ParserOptions
  readonly #maxSchema: number

  constructor (o: LoopOptions) {
    this.target = o.target
    this.#cfg = o.config
    this.#fetcher = o.fetcher
    this.#appendable = o.appendable
    this.#parserFor = o.parserFor
    this.#metrics = o.metrics
    this.#log = o.log ?? nopLogger
    this.cache = o.cache ?? new SeriesCache()
    // A handed-over cache holds the previous loop's live series: they end with this loop.
    this.#scraped = o.cache !== undefined
    this.offsetMs = scrapeOffset(o.target.key, o.target.intervalMs)
    this.#intervalLabel = formatDuration(o.target.intervalMs)
    this.#parserOptions = {
      nativeHistograms: o.config.scrape_native_histograms,
      classicHistograms: o.config.scrape_classic_histograms,
      fallbackProtocol: o.config.scrape_fallback_protocol,
    }
    this.#maxSchema = o.config.native_histogram_min_bucket_factor > 0 ? schemaForFactor(o.config.native_histogram_min_bucket_factor) : SCHEMA_MAX
    this.#report = REPORT_NAMES.map(name => new SeriesClass(sortLabels([{ name: '__name__', value: name }, ...o.target.publicLabels])))
  }

  get health (): TargetHealth { return { ...this.#health } }

  /** Starts the timer chain; the first scrape happens at the target's next slot. */
  start (): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    this.#schedule(nextSlot(Date.now(), this.target.intervalMs, this.offsetMs))
  }

  /** Scrape failures from outside (target_limit exceeded): scrapes report it instead of fetching. */
  setForcedError (err: string | undefined): void {
    this.#forcedError = err
  }

  /**
   * Stops the loop and waits for an in-flight scrape to settle (it is cancelled and writes
   * nothing). writeStaleMarkers: the target is gone, so its series end now; false when the
   * target merely moved to another node, which continues them.
   */
  async stop (opts: { writeStaleMarkers: boolean }): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#abort.abort()
    await this.#inflight
    if (opts.writeStaleMarkers && this.#scraped) this.#writeEndOfRunStaleness(Date.now())
  }

  /** One scrape at timestamp ts (ms). The timer calls this; tests may too. */
  scrapeOnce (ts: number = Date.now()): Promise<void> {
    const p = this.#scrape(ts)
    this.#inflight = p
    return p
  }

  #schedule (slot: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => { void this.#tick(slot) }, Math.max(0, slot - Date.now()))
  }

  async #tick (slot: number): Promise<void> {
    const now = Date.now()
    if (now - slot > this.target.intervalMs / 2) {
      // Far too late: this process was frozen (SIGSTOP) or starved. Skip the slot rather than
      // scrape at a random time; a clustered target may meanwhile belong to another node, and
      // ownership is re-checked before the next slot.
      this.#metrics?.skippedSlots.inc()
    } else {
      // Samples get the slot's time when the timer was only a little late, so a target's
      // timestamps stay evenly spaced (it compresses better and lines up across the fleet:
      // two nodes scraping the same slot during a handoff write one sample, not two).
      const tolerance = Math.min(this.target.intervalMs / 50, 100)
      await this.scrapeOnce(now - slot <= tolerance ? slot : now)
    }
    // Re-align to the wall clock; slots missed by a slow scrape are skipped, not queued.
    let next = slot + this.target.intervalMs
    const after = Date.now()
    while (next <= after) next += this.target.intervalMs
    this.#schedule(next)
  }

  async #scrape (ts: number): Promise<void> {
    const startWall = new Date()
    const start = performance.now()
    if (this.#lastStart !== 0) {
      this.#metrics?.intervalLength.labels(this.#intervalLabel).observe((start - this.#lastStart) / 1000)
    }
    this.#lastStart = start

    let result: ScrapeResult | undefined
    let scrapeErr: string | undefined = this.#forcedError
    if (scrapeErr === undefined) {
      try {
        result = await this.#fetcher.scrape(this.target.url, this.target.timeoutMs, this.#abort.signal)
      } catch (err) {
        scrapeErr = (err as Error).message
        if (err instanceof ScrapeError && err.reason === 'body_size_limit') this.#metrics?.exceededBodySizeLimit.inc()
      }
    }
    if (this.#stopped) return
    // Back-pressure: while the receivers' queues are full, wait (at most one interval) before
    // adding more; past that the queue's own overflow accounting takes over.
    const wait = this.#appendable.waitForCapacity?.()
    if (wait !== undefined) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([wait, new Promise<void>(resolve => { timer = setTimeout(resolve, this.target.intervalMs) })])
      clearTimeout(timer)
      if (this.#stopped) return
    }

    const counts: Counts = { total: 0, added: 0, seriesAdded: 0 }
    let app = this.#appendable.appender()
    try {
      if (result !== undefined && scrapeErr === undefined) {
        try {
          this.#appendSamples(app, result, ts, counts)
        } catch (err) {
          app.rollback()
          app = this.#appendable.appender()
          this.cache.abandon()
          scrapeErr = (err as Error).message
          this.#log.debug('append failed', { target: this.target.url, err: scrapeErr })
        }
      }
      // Whatever the last good scrape had and this one does not is stale now; after a
      // failure that is everything.
      this.cache.forEachStale((s, histogram) => app.appendStale(s, ts, histogram))
      if (scrapeErr === undefined) {
        this.cache.forEachChangedMeta((family, m) => app.appendMetadata(family, { type: m.type, help: m.help, unit: m.unit }))
      }
      this.cache.iterDone(scrapeErr === undefined)

      const durationMs = performance.now() - start
      const r = this.#report
      app.append(r[0], ts, scrapeErr === undefined ? 1 : 0)
      app.append(r[1], ts, durationMs / 1000)
      app.append(r[2], ts, counts.total)
      app.append(r[3], ts, counts.added)
      app.append(r[4], ts, counts.seriesAdded)
      app.commit()
      this.#scraped = true
      this.#metrics?.scrapeDuration.labels(this.#cfg.job_name).observe(durationMs / 1000)
      this.#metrics?.samplesScraped.labels(this.#cfg.job_name).inc(counts.total)
      this.history.record(startWall.getTime(), durationMs, counts.total, scrapeErr)
      this.#health = {
        health: scrapeErr === undefined ? 'up' : 'down',
        lastError: scrapeErr,
        lastScrape: startWall,
        lastScrapeDurationMs: durationMs,
        samples: counts.total,
        seriesAdded: counts.seriesAdded,
        series: this.cache.liveCount,
      }
    } catch (err) {
      // The appendable itself failed (commit): nothing of this scrape is kept.
      try { app.rollback() } catch {}
      this.#log.warn('scrape commit failed', { target: this.target.url, err })
      this.#health = { ...this.#health, health: 'down', lastError: `commit failed: ${(err as Error).message}`, lastScrape: startWall }
      this.history.record(startWall.getTime(), performance.now() - start, 0, this.#health.lastError)
    }
  }

  /** The hot path: everything per sample avoids allocation once the series is cached. */
  #appendSamples (app: Appender, res: ScrapeResult, ts: number, counts: Counts): void {
    const cfg = this.#cfg
    const cache = this.cache
    const iter = cache.iter
    const honorTs = cfg.honor_timestamps
    const trackTsStaleness = cfg.track_timestamps_staleness
    const sampleLimit = cfg.sample_limit
    const bucketLimit = cfg.native_histogram_bucket_limit
    const maxSchema = this.#maxSchema
    let appended = 0
    let limitHit = false
    let bucketLimitHit = false

    let p = this.#parserFor(res.contentType, res.body, this.#parserOptions)
    if (cfg.convert_classic_histograms_to_nhcb) p = new NhcbParser(p, cfg.scrape_classic_histograms)
    // Parsers that can check the expected series text in place get it before each series line.
    const hinting = p.hint !== undefined
    let expected = hinting ? cache.expected() : undefined
    if (expected !== undefined) p.hint!(expected.key)
    for (;;) {
      const kind = p.next()
      if (kind === Entry.EOF) break
      switch (kind) {
        case Entry.Type: cache.setType(p.metricFamily(), p.type()); continue
        case Entry.Help: cache.setHelp(p.metricFamily(), p.help()); continue
        case Entry.Unit: cache.setUnit(p.metricFamily(), p.unit()); continue
        case Entry.Comment: continue
      }
      counts.total++

      let t = ts
      let explicitTs = false
      if (honorTs) {
        const pt = p.timestamp()
        if (pt !== undefined) { t = pt; explicitTs = true }
      }

      let e = expected !== undefined && p.hinted!() ? expected : undefined
      let isNew = false
      if (e === undefined) {
        const raw = p.series()
        e = cache.lookup(raw)
        if (e === undefined) {
          const labels = this.#sampleLabels(p)
          if (labels === undefined) e = cache.addDropped(raw)
          else {
            this.#checkLabels(labels)
            counts.added++
            // Over the limit a new series is not cached: it never reached the appender.
            if (sampleLimit > 0 && ++appended > sampleLimit) { limitHit = true; continue }
            e = cache.addSeries(raw, labels)
            isNew = true
          }
        }
      }
      if (hinting) {
        cache.seen(e)
        expected = cache.expected()
        if (expected !== undefined) p.hint!(expected.key)
      }
      if (!isNew) {
        if (e.ref === undefined) { e.lastIter = iter; continue }
        counts.added++
      }
      const ref = e.ref!
      // The same series twice in one scrape without a timestamp (or two spellings of it):
      // Prometheus rejects the second sample as a duplicate and carries on.
      if (!explicitTs && ((!isNew && e.lastIter === iter) || ref.seenIter === iter)) {
        e.lastIter = iter
        this.#metrics?.duplicateTimestamp.inc()
        continue
      }
      e.lastIter = iter
      // Keep parsing past the limit so the report counts the whole exposition.
      if (kind === Entry.Histogram) {
        // Over the bucket limit the histogram never reaches the sample limit (Prometheus's order of appenders).
        const h = limitHistogram(p.histogram!(), maxSchema, bucketLimit)
        if (h === undefined) { bucketLimitHit = true; if (isNew) appended--; continue }
        if (!isNew && sampleLimit > 0 && ++appended > sampleLimit) { limitHit = true; continue }
        app.appendHistogram(ref.series, t, h, p.createdTimestamp?.())
        ref.histogram = true
      } else {
        if (!isNew && sampleLimit > 0 && ++appended > sampleLimit) { limitHit = true; continue }
        app.append(ref.series, t, p.value(), p.createdTimestamp?.())
        ref.histogram = false
      }
      if (!explicitTs || trackTsStaleness) cache.track(ref)
      if (isNew) counts.seriesAdded++

      const ex = p.exemplar()
      if (ex !== undefined) {
        app.appendExemplar(ref.series, ex.timestamp === undefined ? { labels: ex.labels, value: ex.value, timestamp: t } : ex)
      }
    }
    if (limitHit) {
      this.#metrics?.exceededSampleLimit.inc()
      throw new AppendError('sample limit exceeded')
    }
    if (bucketLimitHit) {
      this.#metrics?.exceededBucketLimit.inc()
      throw new AppendError('histogram bucket limit exceeded')
    }
  }

  /** Labels of a new series: target labels per honor_labels, then metric relabeling. */
  #sampleLabels (p: ExpositionParser): Labels | undefined {
    const lset = this.#lset
    lset.length = 0
    p.labels(lset)
    const target = this.target.publicLabels
    let out: Labels = this.#mergeTargetLabels(lset, target) ?? this.#mergeConflicting(lset, target)
    const relabel = this.#cfg.metric_relabel
    if (relabel !== undefined) {
      const r = relabel(out)
      if (r === undefined || r.length === 0) return undefined
      out = r
    }
    return out
  }

  /**
   * The usual case, both lists sorted and no name in both: a plain merge. undefined on a
   * conflict. The result only lives until the new series has encoded it.
   */
  #mergeTargetLabels (exposed: Label[], target: Labels): Label[] | undefined {
    const out: Label[] = []
    let j = 0
    for (let i = 0; i < exposed.length; i++) {
      const l = exposed[i]
      if (l.value === '') continue
      while (j < target.length && target[j].name < l.name) out.push(target[j++])
      if (j < target.length && target[j].name === l.name) {
        if (!this.#cfg.honor_labels) return undefined
        j++ // honor_labels: the exposed value wins
      }
      out.push(l)
    }
    while (j < target.length) out.push(target[j++])
    return out
  }

  /** Exposed values that clash with target labels move to exported_<name> (shortest names first, adding prefixes until the name is free). */
  #mergeConflicting (lset: Label[], target: Labels): Label[] {
    const m = new Map<string, string>()
    for (const l of lset) if (l.value !== '') m.set(l.name, l.value)
    const conflicts: Label[] = []
    for (const l of target) {
      const exposed = m.get(l.name)
      if (exposed !== undefined) conflicts.push({ name: l.name, value: exposed })
      m.set(l.name, l.value)
    }
    conflicts.sort((a, b) => a.name.length - b.name.length)
    for (const c of conflicts) {
      let name = c.name
      do name = EXPORTED_PREFIX + name
      while (m.has(name))
      m.set(name, c.value)
    }
    return sortLabels([...m].map(([name, value]) => ({ name, value })))
  }

  #checkLabels (labels: Labels): void {
    const cfg = this.#cfg
    let name: string | undefined
    for (const l of labels) if (l.name === '__name__') name = l.value
    if (name === undefined) throw new AppendError('missing metric name (__name__ label)')
    if (!validLabels(labels, cfg.metric_name_validation_scheme)) throw new AppendError(`invalid metric name or label names: ${formatLabels(labels)}`)
    const met = name.slice(0, 50)
    if (cfg.label_limit > 0 && labels.length > cfg.label_limit) {
      this.#metrics?.exceededLabelLimits.inc()
      throw new AppendError(`label_limit exceeded (metric: ${met}, number of labels: ${labels.length}, limit: ${cfg.label_limit})`)
    }
    for (const l of labels) {
      if (cfg.label_name_length_limit > 0 && l.name.length > cfg.label_name_length_limit) {
        this.#metrics?.exceededLabelLimits.inc()
        throw new AppendError(`label_name_length_limit exceeded (metric: ${met}, label name: ${l.name.slice(0, 50)}, length: ${l.name.length}, limit: ${cfg.label_name_length_limit})`)
      }
      if (cfg.label_value_length_limit > 0 && l.value.length > cfg.label_value_length_limit) {
        this.#metrics?.exceededLabelLimits.inc()
        throw new AppendError(`label_value_length_limit exceeded (metric: ${met}, label name: ${l.name.slice(0, 50)}, value: ${JSON.stringify(l.value.slice(0, 50))}, length: ${l.value.length}, limit: ${cfg.label_value_length_limit})`)
      }
    }
  }

  #writeEndOfRunStaleness (ts: number): void {
    const app = this.#appendable.appender()
    try {
      this.cache.forEachStale((s, histogram) => app.appendStale(s, ts, histogram))
      for (const s of this.#report) app.appendStale(s, ts)
      app.commit()
    } catch (err) {
      try { app.rollback() } catch {}
      this.#log.warn('writing staleness markers failed', { target: this.target.url, err })
    }
  }
}
