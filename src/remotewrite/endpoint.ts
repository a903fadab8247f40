// RemoteWriteEndpoint: one `endpoint` block of prometheus.remote_write. Appenders batch one
// scrape's samples and hand them to the queue on commit().
//
// Back-pressure contract: commit() never blocks. What the queue cannot take yet waits in an
// overflow (bounded by queue capacity; beyond that samples are dropped and counted with
// reason "queue_full"). The scrape loop should `await endpoint.waitForCapacity()` (also on
// the appender) before its next append: it resolves once the overflow has drained and the
// queue has room, so memory stays bounded by about twice the capacity.

import type { Clock } from '../clock.js'
import type { Registry } from 'prom-client'
import type { Appender, Exemplar, Histogram, Metadata, Series } from '../storage/series.js'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, FLAG_STALE, SampleBatch } from './batch.js'
import { WriteClient } from './client.js'
import type { MetadataEntry } from './codec.js'
import { QueueMetrics } from './metrics.js'
import { resolveQueueConfig, type EndpointOptions, type QueueConfig } from './options.js'
import type { PendingStore } from './pending.js'
import { QueueManager, type WriteSink } from './queue.js'
import type { Logger } from '../logging/logger.js'
import { getSnappy, type Snappy } from './snappy.js'

export type TransformSeries = (series: Series) => Series | undefined

export interface EndpointDeps {
  registry: Registry
  log: Logger
  /** Write relabeling + external labels, applied once per series (results are cached). */
  transformSeries?: TransformSeries
  /** Tests/benchmarks: replace the HTTP client, the compressor or the pending store. */
  sink?: WriteSink
  snappy?: Snappy | Promise<Snappy>
  pending?: PendingStore
  /** The queue's timers and send durations. Default: systemClock. */
  clock?: Clock
}

/** An Appender that can also tell the caller to wait (see the back-pressure contract above). */
export interface BackpressureAppender extends Appender {
  waitForCapacity (): Promise<void>
}

const DEFAULT_METADATA_INTERVAL_MS = 60_000
const DEFAULT_METADATA_PER_SEND = 2000

export class RemoteWriteEndpoint {
  readonly name: string
  readonly queueConfig: QueueConfig
  readonly metrics: QueueMetrics
  readonly queue: QueueManager
  private readonly opts: EndpointOptions
  private readonly log: Logger
  private readonly client: WriteClient | undefined
  private transform: TransformSeries | undefined
  private transformCache = new WeakMap<Series, Series | null>()
  private readonly metadata = new Map<string, Metadata>()
  private metadataTimer: NodeJS.Timeout | undefined
  private overflow = new SampleBatch(64)
  private overflowStart = 0
  private draining = false
  private stopped = false
  private readonly freeBatches: SampleBatch[] = []
  private readonly pending: PendingStore | undefined

  constructor (opts: EndpointOptions, deps: EndpointDeps) {
    this.opts = opts
    this.log = deps.log
    this.name = opts.name ?? new URL(opts.url).host
    this.queueConfig = resolveQueueConfig(opts.queue)
    this.transform = deps.transformSeries
    this.metrics = new QueueMetrics(deps.registry, this.name, opts.url)
    let sink = deps.sink
    if (sink === undefined) {
      this.client = new WriteClient({ ...opts, retryOnHttp429: this.queueConfig.retryOnHttp429 })
      sink = this.client
    }
    const pending = deps.pending
    this.pending = pending
    if (pending?.stats !== undefined) this.metrics.attachBuffer(() => pending.stats!())
    // Metadata read back from the disk buffer (a restart): what scrapes noted since is newer.
    pending?.onMetadata?.((family, m) => { if (this.keepsMetadata && !this.metadata.has(family)) this.metadata.set(family, m) })
    this.queue = new QueueManager(this.queueConfig, {
      sink,
      snappy: deps.snappy ?? getSnappy(),
      metrics: this.metrics,
      log: deps.log,
      pending: deps.pending,
      clock: deps.clock,
      metadataLookup: (family) => this.metadata.get(family)
    })
  }

  start (): void {
    this.queue.start()
    if (this.opts.sendMetadata && this.metadataTimer === undefined) {
      this.metadataTimer = setInterval(() => { void this.sendMetadata() }, this.opts.metadataSendIntervalMs ?? DEFAULT_METADATA_INTERVAL_MS)
      this.metadataTimer.unref()
    }
  }

  /** Replaces the series transform (config reload); forgets cached results. */
  setTransformSeries (fn: TransformSeries | undefined): void {
    this.transform = fn
    this.transformCache = new WeakMap()
  }

  appender (): BackpressureAppender {
    return new EndpointAppender(this, this.freeBatches.pop() ?? new SampleBatch(256))
  }

  /** Resolves when committed samples no longer wait outside the queue and the queue has room. */
  async waitForCapacity (): Promise<void> {
    while (!this.stopped && (this.overflowLength > 0 || this.queue.free === 0)) {
      await this.queue.waitForCapacity(this.overflowLength + 1)
    }
  }

  /** Sends all metadata seen so far (runs on the metadata interval when send_metadata is on). */
  async sendMetadata (): Promise<void> {
    // 2.0 has no metadata-only requests: each series carries its own.
    if (this.metadata.size === 0 || this.stopped || this.queue.sendsV2) return
    const entries: MetadataEntry[] = []
    for (const [metricFamily, m] of this.metadata) entries.push({ metricFamily, type: m.type, help: m.help, unit: m.unit })
    await this.queue.sendMetadata(entries, this.opts.metadataMaxPerSend ?? DEFAULT_METADATA_PER_SEND)
  }

  /** Flushes what it can within `timeoutMs` (overflow first, then the queue), then shuts down. */
  async stop (timeoutMs: number): Promise<void> {
    if (this.stopped) return
    const deadline = Date.now() + timeoutMs
    if (this.metadataTimer !== undefined) clearInterval(this.metadataTimer)
    if (this.overflowLength > 0) {
      await Promise.race([this.waitForCapacity(), delay(timeoutMs)])
    }
    this.stopped = true
    const lost = this.overflowLength
    if (lost > 0) this.metrics.dropped('shutdown', lost)
    this.overflow = new SampleBatch(1)
    this.overflowStart = 0
    await this.queue.stop(Math.max(0, deadline - Date.now()))
    this.metrics.detachBuffer()
    await this.client?.close()
  }

  // Called by appenders.

  /** The series as sent (after transformSeries), or undefined when dropped. */
  resolveSeries (series: Series): Series | undefined {
    const fn = this.transform
    if (fn === undefined) return series
    const hit = this.transformCache.get(series)
    if (hit !== undefined) return hit ?? undefined
    const out = fn(series)
    this.transformCache.set(series, out ?? null)
    return out
  }

  get sendExemplars (): boolean { return this.opts.sendExemplars }
  get sendNativeHistograms (): boolean { return this.opts.sendNativeHistograms === true }

  /** 2.0 carries metadata with each series whether or not metadata_config sends it apart. */
  private get keepsMetadata (): boolean { return this.opts.sendMetadata || this.opts.protobufMessage === 'io.prometheus.write.v2.Request' }

  noteMetadata (family: string, m: Metadata): void {
    if (!this.keepsMetadata) return
    this.metadata.set(family, m)
    this.pending?.noteMetadata?.(family, m)
  }

  /** Takes a committed batch; the batch object is recycled. */
  enqueue (batch: SampleBatch, droppedByTransform: number): void {
    if (droppedByTransform > 0) this.metrics.dropped('dropped_series', droppedByTransform)
    const n = batch.length
    if (n > 0 && !this.stopped) {
      this.metrics.samplesIn.inc(n - batch.exemplarCount - batch.histogramCount)
      if (batch.histogramCount > 0) this.metrics.histogramsIn.inc(batch.histogramCount)
      let maxTs = 0
      for (let i = 0; i < n; i++) if (batch.timestamps[i] > maxTs) maxTs = batch.timestamps[i]
      this.metrics.observeIn(maxTs)
      // Anything already waiting goes first, or per-series order would break.
      const taken = this.overflowLength === 0 ? this.queue.append(batch) : 0
      if (taken < n) this.toOverflow(batch, taken)
    } else if (n > 0) {
      this.metrics.dropped('shutdown', n)
    }
    this.recycle(batch)
  }

  recycle (batch: SampleBatch): void {
    batch.clear()
    if (this.freeBatches.length < 8 && batch.capacity <= 65536) this.freeBatches.push(batch)
  }

  private get overflowLength (): number { return this.overflow.length - this.overflowStart }

  private toOverflow (batch: SampleBatch, from: number): void {
    const room = this.queueConfig.capacity - this.overflowLength
    const end = Math.min(batch.length, from + Math.max(0, room))
    for (let i = from; i < end; i++) this.overflow.pushFrom(batch, i)
    if (end < batch.length) {
      const lost = batch.length - end
      this.metrics.dropped('queue_full', lost)
      this.log.warn('remote write queue full; dropping samples (is the scrape loop awaiting waitForCapacity?)', { dropped: lost })
    }
    void this.drainOverflow()
  }

  private async drainOverflow (): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      while (!this.stopped && this.overflowLength > 0) {
        await this.queue.waitForCapacity(1)
        if (this.stopped) break
        this.overflowStart += this.queue.append(this.overflow, this.overflowStart)
        if (this.overflowLength === 0) {
          this.overflow.clear()
          this.overflowStart = 0
        } else if (this.overflowStart > this.overflow.length / 2) {
          // Compact so the overflow's arrays do not grow while it drains.
          const rest = new SampleBatch(this.overflowLength)
          for (let i = this.overflowStart; i < this.overflow.length; i++) rest.pushFrom(this.overflow, i)
          this.overflow = rest
          this.overflowStart = 0
        }
      }
    } finally {
      this.draining = false
    }
  }
}

class EndpointAppender implements BackpressureAppender {
  private dropped = 0
  private lastTs = 0
  private done = false

  constructor (private readonly ep: RemoteWriteEndpoint, private readonly batch: SampleBatch) {}

  append (series: Series, timestampMs: number, value: number, startMs?: number): void {
    if (this.done) return // the batch went back to the pool on commit/rollback
    this.lastTs = timestampMs
    const s = this.ep.resolveSeries(series)
    if (s === undefined) { this.dropped++; return }
    this.batch.push(s, timestampMs, value, 0, undefined, -1, startMs ?? 0)
  }

  appendHistogram (series: Series, timestampMs: number, histogram: Histogram, startMs?: number): void {
    if (this.done) return
    this.lastTs = timestampMs
    if (!this.ep.sendNativeHistograms) return
    const s = this.ep.resolveSeries(series)
    if (s === undefined) { this.dropped++; return }
    this.batch.push(s, timestampMs, Number.NaN, FLAG_HISTOGRAM, histogram, -1, startMs ?? 0)
  }

  appendStale (series: Series, timestampMs: number, histogram?: boolean): void {
    if (this.done) return
    this.lastTs = timestampMs
    if (histogram === true && !this.ep.sendNativeHistograms) return
    const s = this.ep.resolveSeries(series)
    if (s === undefined) { this.dropped++; return }
    this.batch.push(s, timestampMs, Number.NaN, histogram === true ? FLAG_STALE | FLAG_HISTOGRAM : FLAG_STALE)
  }

  appendExemplar (series: Series, exemplar: Exemplar): void {
    if (this.done || !this.ep.sendExemplars) return
    const s = this.ep.resolveSeries(series)
    if (s === undefined) return
    // An exemplar without its own timestamp takes the sample's (Prometheus does the same).
    this.batch.push(s, exemplar.timestamp ?? this.lastTs, exemplar.value, FLAG_EXEMPLAR, exemplar)
  }

  appendMetadata (metricFamily: string, metadata: Metadata): void {
    this.ep.noteMetadata(metricFamily, metadata)
  }

  commit (): void {
    if (this.done) return
    this.done = true
    this.ep.enqueue(this.batch, this.dropped)
  }

  rollback (): void {
    if (this.done) return
    this.done = true
    this.ep.recycle(this.batch)
  }

  waitForCapacity (): Promise<void> { return this.ep.waitForCapacity() }
}

function delay (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref())
}
