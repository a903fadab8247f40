// A scrape pool: all targets of one prometheus.scrape component. It turns discovered
// targets into loops, keeps them in step with discovery and cluster ownership, and
// restarts them on config changes only as far as the change requires.
import type { Registry } from 'prom-client'
import { parserFor as defaultParserFor } from '../exposition/parser.js'
import type { Logger } from '../logging/logger.js'
import { nopLogger } from '../logging/logger.js'
import type { Appendable, Labels } from '../storage/series.js'
import { labelsEqual } from '../storage/series.js'
import { formatDuration } from '../vm/duration.js'
import type { SeriesCache } from './cache.js'
import { httpClientPart, resolveScrapeConfig, sameValue, type ResolvedScrapeConfig, type ScrapeConfig } from './config.js'
import { ScrapeLoop, type Fetcher, type ParserFactory } from './loop.js'
import type { TargetDebugInfo } from './status.js'
import { ScrapeMetrics } from './metrics.js'
import { HttpScraper } from './scraper.js'
import { newTarget, targetKey, type Target } from './target.js'
import { hex64 } from './hash.js'

export interface PoolDeps {
  appendable: Appendable
  registry: Registry
  log?: Logger
  /** Defaults to the exposition parsers chosen by Content-Type. */
  parserFor?: ParserFactory
  /** Defaults to an HttpScraper (one keep-alive agent per pool). */
  fetcher?: (cfg: ResolvedScrapeConfig) => Fetcher & { close (): Promise<void> }
}

export type { TargetDebugInfo } from './status.js'

interface Known {
  target: Target
}

interface Failed {
  discovered: Record<string, string>
  error: string
}

function labelsObject (labels: Labels): Record<string, string> {
  const o: Record<string, string> = {}
  for (const l of labels) o[l.name] = l.value
  return o
}

/** Config fields that change how series are built, so cached Series no longer apply. */
function sameSeriesShape (a: ResolvedScrapeConfig, b: ResolvedScrapeConfig): boolean {
  return a.honor_labels === b.honor_labels && a.metric_relabel === b.metric_relabel &&
    a.label_limit === b.label_limit && a.label_name_length_limit === b.label_name_length_limit &&
    a.label_value_length_limit === b.label_value_length_limit &&
    a.metric_name_validation_scheme === b.metric_name_validation_scheme
}

function sameFetch (a: ResolvedScrapeConfig, b: ResolvedScrapeConfig): boolean {
  return sameValue(httpClientPart(a), httpClientPart(b)) && sameValue(a.scrape_protocols, b.scrape_protocols) &&
    a.body_size_limit === b.body_size_limit && a.metric_name_escaping_scheme === b.metric_name_escaping_scheme
}

export class ScrapePool {
  #cfg: ResolvedScrapeConfig
  readonly #deps: PoolDeps
  readonly #log: Logger
  readonly #metrics: ScrapeMetrics
  readonly #parserFor: ParserFactory
  #fetcher: Fetcher & { close (): Promise<void> }
  #discovered: Array<Record<string, string>> = []
  #known = new Map<string, Known>()
  #failed: Failed[] = []
  #loggedFailures = new Set<string>()
  readonly #loops = new Map<string, ScrapeLoop>()
  #isLocal: (key: bigint) => boolean = () => true
  #queue: Promise<void> = Promise.resolve()
  #stopped = false

  constructor (config: ScrapeConfig, deps: PoolDeps) {
    this.#cfg = resolveScrapeConfig(config)
    this.#deps = deps
    this.#log = deps.log ?? nopLogger
    this.#metrics = new ScrapeMetrics(deps.registry)
    this.#parserFor = deps.parserFor ?? defaultParserFor
    this.#fetcher = this.#newFetcher(this.#cfg)
  }

  get jobName (): string { return this.#cfg.job_name }

  /** New discovery results: loops start for new local targets, removed ones end with staleness markers. */
  sync (targets: Array<Record<string, string>>): Promise<void> {
    return this.#enqueue(async () => {
      this.#discovered = targets
      this.#rebuildTargets()
      await this.#reconcile()
    })
  }

  /**
   * Cluster ownership: targets for which isLocal(key) is false are kept as known but not
   * scraped. A target handed to a peer ends without staleness markers: the peer continues
   * its series.
   */
  setOwnership (isLocal: (key: bigint) => boolean): Promise<void> {
    return this.#enqueue(async () => {
      this.#isLocal = isLocal
      await this.#reconcile()
    })
  }

  /** New arguments. Loops restart only if something they use changed; caches survive where valid. */
  update (config: ScrapeConfig): Promise<void> {
    return this.#enqueue(async () => {
      const next = resolveScrapeConfig(config)
      const prev = this.#cfg
      if (sameValue(prev, next)) return
      this.#cfg = next
      let oldFetcher: (Fetcher & { close (): Promise<void> }) | undefined
      if (!sameFetch(prev, next)) {
        oldFetcher = this.#fetcher
        this.#fetcher = this.#newFetcher(next)
      }
      const { target_limit: _a, ...restPrev } = prev
      const { target_limit: _b, ...restNext } = next
      const loopsAffected = !sameValue(restPrev, restNext)
      const keepCaches = sameSeriesShape(prev, next)
      this.#rebuildTargets()
      if (loopsAffected) await this.#restartAll(keepCaches)
      await this.#reconcile()
      await oldFetcher?.close()
    })
  }

  /**
   * Stops every loop. writeStaleMarkers: the targets are gone for good (component removed);
   * false on shutdown or when the fleet takes over.
   */
  stop (opts: { writeStaleMarkers: boolean } = { writeStaleMarkers: false }): Promise<void> {
    return this.#enqueue(async () => {
      this.#stopped = true
      await Promise.all([...this.#loops.values()].map(l => l.stop(opts)))
      this.#loops.clear()
      this.#metrics.poolTargets.remove(this.#cfg.job_name)
      this.#metrics.targetsOwned.remove(this.#cfg.job_name)
      this.#metrics.targetsKnown.remove(this.#cfg.job_name)
      await this.#fetcher.close()
    })
  }

  /** Known targets: scraped here, or owned by a peer. */
  targetCounts (): { local: number, remote: number, failed: number } {
    return { local: this.#loops.size, remote: this.#known.size - this.#loops.size, failed: this.#failed.length }
  }

  /** The loop of a target (tests, UI detail). */
  loop (key: bigint): ScrapeLoop | undefined {
    return this.#loops.get(hex64(key))
  }

  /** A target as built from discovery (scraped here or not); undefined when unknown or dropped. */
  known (key: bigint): Target | undefined {
    return this.#known.get(hex64(key))?.target
  }

  /**
   * Known targets not scraped here (owned by a peer, or waiting for the fleet to form), with the
   * labels and URL they would be scraped with; health is unknown to this node.
   */
  remoteTargets (): Array<{ key: bigint, info: TargetDebugInfo }> {
    const out: Array<{ key: bigint, info: TargetDebugInfo }> = []
    for (const [k, { target: t }] of this.#known) {
      if (this.#loops.has(k)) continue
      out.push({
        key: t.key,
        info: {
          job: this.#cfg.job_name,
          url: t.url,
          health: 'unknown',
          labels: labelsObject(t.publicLabels),
          discovered_labels: labelsObject(t.discoveredLabels),
          last_error: '',
          last_scrape: '',
          last_scrape_duration: '0s',
          samples: 0,
          key: k,
        },
      })
    }
    out.sort((a, b) => (a.info.url < b.info.url ? -1 : a.info.url > b.info.url ? 1 : 0))
    return out
  }

  debugInfo (): TargetDebugInfo[] {
    const out: TargetDebugInfo[] = []
    for (const loop of this.#loops.values()) {
      const h = loop.health
      const t = loop.target
      out.push({
        job: this.#cfg.job_name,
        url: t.url,
        health: h.health,
        labels: labelsObject(t.publicLabels),
        discovered_labels: labelsObject(t.discoveredLabels),
        last_error: h.lastError ?? '',
        last_scrape: h.lastScrape?.toISOString() ?? '',
        last_scrape_duration: formatDuration(h.lastScrapeDurationMs),
        series: h.series,
        samples: h.samples,
        key: hex64(t.key),
      })
    }
    // Targets that could not be built are shown too, so the reason is visible.
    for (const f of this.#failed) {
      out.push({
        job: this.#cfg.job_name,
        url: '',
        health: 'down',
        labels: {},
        discovered_labels: f.discovered,
        last_error: f.error,
        last_scrape: '',
        last_scrape_duration: '0s',
        samples: 0,
      })
    }
    out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
    return out
  }

  #enqueue (op: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(() => (this.#stopped ? undefined : op()))
    this.#queue = run.catch(err => { this.#log.error('scrape pool operation failed', { err }) })
    return run
  }

  #newFetcher (cfg: ResolvedScrapeConfig): Fetcher & { close (): Promise<void> } {
    return this.#deps.fetcher?.(cfg) ?? new HttpScraper(cfg)
  }

  /** Discovered targets → scrape targets under the current config (deduplicated by key). */
  #rebuildTargets (): void {
    const known = new Map<string, Known>()
    const failed: Failed[] = []
    const failures = new Set<string>()
    for (const d of this.#discovered) {
      try {
        const t = newTarget(d, this.#cfg)
        if (t !== undefined && !known.has(t.keyHex)) known.set(t.keyHex, { target: t })
      } catch (err) {
        const error = (err as Error).message
        failed.push({ discovered: d, error })
        const id = hex64(targetKey(d)) + error
        failures.add(id)
        if (!this.#loggedFailures.has(id)) this.#log.warn('creating target failed', { job: this.#cfg.job_name, err: error })
      }
    }
    this.#known = known
    this.#failed = failed
    this.#loggedFailures = failures
  }

  async #reconcile (): Promise<void> {
    const stops: Array<Promise<void>> = []
    // A snapshot: replacing a loop re-inserts its key, which a live Map iterator would visit again.
    for (const [k, loop] of [...this.#loops]) {
      const known = this.#known.get(k)
      if (known === undefined) {
        // Gone from discovery: its series end here.
        stops.push(loop.stop({ writeStaleMarkers: true }))
        this.#loops.delete(k)
      } else if (!this.#local(known.target.key)) {
        // Moved to a peer, which continues the series.
        stops.push(loop.stop({ writeStaleMarkers: false }))
        this.#loops.delete(k)
      } else if (!sameTarget(loop.target, known.target)) {
        // Same identity, different labels or URL (e.g. changed __meta_ labels used by
        // relabeling): the old series end, the new loop starts afresh.
        const sameLabels = labelsEqual(loop.target.publicLabels, known.target.publicLabels)
        stops.push(this.#replace(k, loop, known.target, sameLabels ? loop.cache : undefined))
      }
    }
    for (const [k, { target }] of this.#known) {
      if (this.#loops.has(k) || !this.#local(target.key)) continue
      this.#startLoop(target)
    }
    await Promise.all(stops)
    this.#applyTargetLimit()
    this.#metrics.poolTargets.labels(this.#cfg.job_name).set(this.#loops.size)
    this.#metrics.targetsOwned.labels(this.#cfg.job_name).set(this.#loops.size)
    this.#metrics.targetsKnown.labels(this.#cfg.job_name).set(this.#known.size)
  }

  #local (key: bigint): boolean {
    try {
      return this.#isLocal(key)
    } catch {
      // As Alloy: a failing ownership lookup keeps the target here rather than losing it.
      return true
    }
  }

  async #restartAll (keepCaches: boolean): Promise<void> {
    const stops: Array<Promise<void>> = []
    // A snapshot: replacing a loop re-inserts its key, which a live Map iterator would visit again.
    for (const [k, loop] of [...this.#loops]) {
      const known = this.#known.get(k)
      if (known === undefined) continue // reconcile() ends it with markers
      const reuse = keepCaches && labelsEqual(loop.target.publicLabels, known.target.publicLabels)
      stops.push(this.#replace(k, loop, known.target, reuse ? loop.cache : undefined))
    }
    await Promise.all(stops)
  }

  /** Replaces a loop. With a cache the new loop continues the old one's series (no markers). */
  async #replace (k: string, old: ScrapeLoop, target: Target, cache: SeriesCache | undefined): Promise<void> {
    this.#loops.delete(k)
    const stopped = old.stop({ writeStaleMarkers: cache === undefined })
    this.#startLoop(target, cache)
    await stopped
  }

  #startLoop (target: Target, cache?: SeriesCache): void {
    const loop = new ScrapeLoop({
      target,
      config: this.#cfg,
      fetcher: this.#fetcher,
      appendable: this.#deps.appendable,
      parserFor: this.#parserFor,
      cache,
      metrics: this.#metrics,
      log: this.#log,
    })
    this.#loops.set(target.keyHex, loop)
    loop.start()
  }

  #applyTargetLimit (): void {
    const limit = this.#cfg.target_limit
    let err: string | undefined
    if (limit > 0 && this.#loops.size > limit) {
      err = `target_limit exceeded (number of targets: ${this.#loops.size}, limit: ${limit})`
      this.#metrics.exceededTargetLimit.inc()
    }
    for (const l of this.#loops.values()) l.setForcedError(err)
  }
}

function sameTarget (a: Target, b: Target): boolean {
  return a.url === b.url && a.intervalMs === b.intervalMs && a.timeoutMs === b.timeoutMs && labelsEqual(a.labels, b.labels)
}
