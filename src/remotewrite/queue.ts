// QueueManager: one per endpoint. Accepted samples go to a bounded PendingStore; a dispatcher
// moves them, oldest first, to shards chosen by series id (per-series order is kept); shards
// batch and send with exponential backoff, never dropping on recoverable errors.
//
// Capacity contract: `capacity` bounds the entries accepted and not yet finished (pending +
// in shard batches + in flight). append() never blocks and never drops: it takes what fits
// and returns the count. Callers that get less than they offered await waitForCapacity().

import { systemClock, type Clock, type TimerHandle } from '../clock.js'
import type { Logger } from '../logging/logger.js'
import { SampleBatch } from './batch.js'
import type { StoreOutcome, WrittenCounts } from './client.js'
import { WriteRequestV2Encoder, type MetadataLookup } from './codec-v2.js'
import { seriesShardKey, WriteRequestEncoder, type MetadataEntry } from './codec.js'
import type { QueueMetrics } from './metrics.js'
import type { QueueConfig } from './options.js'
import { MemoryPending, type PendingStore, type TakeEntry } from './pending.js'
import { desiredShards, EwmaRate, ShardLimit } from './reshard.js'
import { Shard, type ShardHost } from './shard.js'
import type { Snappy } from './snappy.js'


/** Where compressed requests go; WriteClient implements it. */
export interface WriteSink {
  store (body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<StoreOutcome>
  /** True while the sink sends remote write 2.0 bodies (WriteClient clears it on a 'downgrade' outcome). */
  v2?: boolean
}

export interface QueueDeps {
  sink: WriteSink
  /** May still be loading (the native addon is imported dynamically). */
  snappy: Snappy | Promise<Snappy>
  metrics: QueueMetrics
  log: Logger
  pending?: PendingStore
  /** Remote write 2.0: the metadata each series carries (from the endpoint's latest). */
  metadataLookup?: MetadataLookup
  /** Timers and send durations. Default: systemClock. */
  clock?: Clock
}

interface CapacityWaiter { n: number, resolve: () => void }

export class QueueManager implements ShardHost {
  readonly maxSamplesPerSend: number
  readonly batchSendDeadlineMs: number
  flushing = false
  readonly clock: Clock
  private readonly cfg: QueueConfig
  private readonly deps: QueueDeps
  private readonly pending: PendingStore
  private shards: Shard[] = []
  private outstanding = 0
  private stopped = false
  private resharding = false
  private readonly abort = new AbortController()
  private capacityWaiters: CapacityWaiter[] = []
  private idleWaiters: Array<() => void> = []
  private reshardTimer: TimerHandle | undefined
  private reshardDisabledUntil = 0
  private lastSendAt = 0
  private readonly take: TakeEntry
  private readonly dataIn: EwmaRate
  private readonly dataOut: EwmaRate
  private readonly dataOutDuration: EwmaRate
  private readonly shardLimit = new ShardLimit()
  /** A send was retried since the last shard update. */
  private retried = false
  private readonly metadataEncoder = new WriteRequestEncoder()
  private snappy: Snappy | undefined
  private readonly snappyReady: Promise<Snappy>

  constructor (cfg: QueueConfig, deps: QueueDeps) {
    this.cfg = cfg
    this.deps = deps
    this.clock = deps.clock ?? systemClock
    this.maxSamplesPerSend = cfg.maxSamplesPerSend
    this.batchSendDeadlineMs = cfg.batchSendDeadlineMs
    this.snappyReady = Promise.resolve(deps.snappy)
    void this.snappyReady.then(s => { this.snappy = s })
    this.pending = deps.pending ?? new MemoryPending(Math.min(cfg.capacity, 4096))
    this.take = (series, ts, value, flags, ex, seq, start) => this.shards[seriesShardKey(series) % this.shards.length].offer(series, ts, value, flags, ex, seq, start)
    this.dataIn = new EwmaRate(0.2, cfg.shardUpdateIntervalMs)
    this.dataOut = new EwmaRate(0.2, cfg.shardUpdateIntervalMs)
    this.dataOutDuration = new EwmaRate(0.2, cfg.shardUpdateIntervalMs)
    const m = deps.metrics
    m.shardsMax.set(cfg.maxShards)
    m.shardsLimit.set(cfg.maxShards)
    m.shardsMin.set(cfg.minShards)
    m.shardsDesired.set(cfg.minShards)
    this.setShardCount(cfg.minShards)
  }

  get numShards (): number { return this.shards.length }
  /** Entries accepted and not yet finished. Never exceeds capacity. */
  get size (): number { return this.outstanding }
  get free (): number {
    if (this.stopped) return 0
    // A durable store takes everything (it is bounded by bytes on disk and drops its oldest).
    return this.pending.durable === true ? this.cfg.capacity : this.cfg.capacity - this.outstanding
  }

  start (): void {
    if (this.reshardTimer !== undefined || this.stopped) return
    const every = (): void => {
      this.reshardTimer = this.clock.setTimeout(() => { every(); this.updateShards() }, this.cfg.shardUpdateIntervalMs)
    }
    every()
  }

  /**
   * Accepts entries [from, batch.length) of the batch, in order, as far as capacity allows.
   * Returns how many were taken (0 once stopped). Never blocks, never drops.
   */
  append (batch: SampleBatch, from = 0): number {
    const n = this.stopped ? 0 : this.pending.durable === true ? batch.length - from : Math.min(batch.length - from, this.free)
    if (n <= 0) return 0
    this.pending.write(batch, from, from + n)
    this.outstanding += n
    this.dataIn.incr(n)
    this.deps.metrics.samplesPending.set(this.outstanding)
    this.pump()
    return n
  }

  /** Resolves once `n` entries fit (at most `capacity`), or the queue stops. */
  waitForCapacity (n = 1): Promise<void> {
    const want = Math.min(n, this.cfg.capacity)
    if (this.stopped || this.free >= want) return Promise.resolve()
    return new Promise(resolve => this.capacityWaiters.push({ n: want, resolve }))
  }

  /**
   * Sends metadata-only requests (remote-write 1.0 sends metadata apart from samples), at most
   * `perSend` entries each (metadata_config.max_samples_per_send).
   */
  async sendMetadata (entries: readonly MetadataEntry[], perSend = this.maxSamplesPerSend): Promise<void> {
    const { metrics } = this.deps
    const n = Math.max(1, perSend)
    for (let i = 0; i < entries.length && !this.abort.signal.aborted; i += n) {
      const chunk = entries.slice(i, i + n)
      const snappy = this.snappy ?? await this.snappyReady
      const body = snappy.compress(this.metadataEncoder.encode(emptyBatch, chunk))
      await this.sendWithBackoff(body, chunk.length, (outcome) => {
        metrics.metadataTotal.inc(chunk.length)
        if (outcome === 'ok') metrics.metadataBytesTotal.inc(body.length)
      })
    }
  }

  /**
   * Flushes what it can within `timeoutMs`, then aborts in-flight sends and discards the
   * rest (counted as dropped, reason "shutdown").
   */
  async stop (timeoutMs: number): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.reshardTimer?.cancel()
    this.reshardTimer = undefined
    for (const w of this.capacityWaiters.splice(0)) w.resolve()
    this.flushing = true
    this.pump()
    for (const s of this.shards) s.flush()
    let timer: TimerHandle | undefined
    const timedOut = new Promise<boolean>(resolve => { timer = this.clock.setTimeout(() => resolve(true), timeoutMs, true) })
    const drained = this.waitIdle(() => this.outstanding === 0).then(() => false)
    const late = await Promise.race([drained, timedOut])
    timer?.cancel()
    const durable = this.pending.durable === true
    if (!late) {
      if (durable) this.pending.clear() // closes the disk buffer after a final sync
      return
    }
    const left = this.outstanding
    this.abort.abort()
    const unsent = this.pending.length
    let discarded = this.pending.clear()
    for (const s of this.shards) discarded += s.discard()
    this.outstanding -= durable ? unsent + discarded : discarded
    // In-flight batches end promptly now that their requests and backoff sleeps are aborted.
    await this.waitIdle(() => this.outstanding <= 0)
    this.outstanding = 0
    this.deps.metrics.samplesPending.set(0)
    if (durable) {
      this.deps.log.info('remote write stopped with unsent samples; they stay in the disk buffer for the next start', { samples: left })
      return
    }
    this.deps.metrics.dropped('shutdown', left)
    this.deps.log.warn('remote write queue stopped before everything was sent', { dropped: left })
  }

  // ShardHost: called by shards.

  /** Remote write 2.0 encoder for a new shard, when the sink sends 2.0. */
  newV2Encoder (): WriteRequestV2Encoder | undefined {
    return this.deps.sink.v2 === true ? new WriteRequestV2Encoder(this.deps.metadataLookup) : undefined
  }

  /** True while requests go out as remote write 2.0. */
  get sendsV2 (): boolean { return this.deps.sink.v2 === true }

  async sendBatch (batch: SampleBatch, encoder: WriteRequestEncoder, encoderV2?: WriteRequestV2Encoder): Promise<boolean> {
    for (;;) {
      const v2 = encoderV2 !== undefined && this.deps.sink.v2 === true
      const r = await this.sendBatchAs(batch, v2 ? encoderV2 : encoder)
      if (r !== 'downgrade') return r
    }
  }

  private async sendBatchAs (batch: SampleBatch, encoder: WriteRequestEncoder | WriteRequestV2Encoder): Promise<boolean | 'downgrade'> {
    const { metrics } = this.deps
    const snappy = this.snappy ?? await this.snappyReady
    const exemplars = batch.exemplarCount
    const histograms = batch.histogramCount
    const samples = batch.length - exemplars - histograms
    let maxTs = 0
    for (let i = 0; i < batch.length; i++) if (batch.timestamps[i] > maxTs) maxTs = batch.timestamps[i]
    let body: Uint8Array
    try {
      body = snappy.compress(encoder.encode(batch))
    } catch (err) {
      // Encoding cannot succeed on a retry either: drop the batch.
      metrics.samplesFailed.inc(samples)
      this.deps.log.error('failed to encode remote write batch', { failedSampleCount: samples, err: (err as Error).message })
      return true
    }
    return await this.sendWithBackoff(body, samples, (outcome, seconds) => {
      // Like Prometheus, samples_total and bytes_total count every attempt.
      metrics.samplesTotal.inc(samples)
      metrics.exemplarsTotal.inc(exemplars)
      if (histograms > 0) metrics.histogramsTotal.inc(histograms)
      metrics.bytesTotal.inc(body.length)
      if (outcome === 'retry') { this.retried = true; return }
      this.dataOut.incr(batch.length)
      this.dataOutDuration.incr(seconds)
      if (outcome === 'ok') {
        metrics.observeSent(maxTs)
        this.shardLimit.observe(batch.length)
      } else metrics.samplesFailed.inc(samples)
    }, (written) => {
      // A partial write is final: what the receiver did not write is counted as failed, not resent.
      const lost = { samples: samples - written.samples, histograms: histograms - written.histograms, exemplars: exemplars - written.exemplars }
      if (lost.samples > 0) metrics.samplesFailed.inc(lost.samples)
      if (lost.histograms > 0) metrics.histogramsFailed.inc(lost.histograms)
      if (lost.exemplars > 0) metrics.exemplarsFailed.inc(lost.exemplars)
      if (lost.samples > 0 || lost.histograms > 0 || lost.exemplars > 0) this.deps.log.warn('remote write receiver wrote part of a request', { notWritten: lost })
    })
  }

  private downgraded = false

  private noteDowngrade (message: string): void {
    if (this.downgraded) return
    this.downgraded = true
    this.deps.log.warn('remote write receiver does not accept Remote Write 2.0 (io.prometheus.write.v2.Request); sending 1.0 (prometheus.WriteRequest) from now on', { reason: message })
  }

  batchDone (n: number, batch: SampleBatch, finished: boolean): void {
    this.outstanding -= n
    this.deps.metrics.samplesPending.set(Math.max(0, this.outstanding))
    if (!finished) return
    const p = this.pending
    if (p.ackAll !== undefined) p.ackAll(batch.seqs, n)
    else if (p.ack !== undefined) for (let i = 0; i < n; i++) if (batch.seqs[i] >= 0) p.ack(batch.seqs[i])
  }

  afterBatch (): void {
    this.pump()
    this.wakeCapacityWaiters()
    for (const w of this.idleWaiters.splice(0)) w()
  }

  // Internals.

  private pump (): void {
    if (this.resharding || this.pending.length === 0 || this.abort.signal.aborted) return
    this.pending.drain(this.take)
  }

  private wakeCapacityWaiters (): void {
    if (this.capacityWaiters.length === 0) return
    const free = this.free
    const still: CapacityWaiter[] = []
    for (const w of this.capacityWaiters) {
      if (free >= w.n) w.resolve()
      else still.push(w)
    }
    this.capacityWaiters = still
  }

  /** Resolves when `done()` holds; rechecked after every finished batch. */
  private async waitIdle (done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>(resolve => this.idleWaiters.push(resolve))
  }

  /**
   * Sends one body until it succeeds, fails for good, or the queue is aborted.
   * `report` runs after each attempt: 'retry' (recoverable), 'ok', 'fail' (dropped).
   */
  private async sendWithBackoff (body: Uint8Array, count: number,
    report: (outcome: 'ok' | 'fail' | 'retry', seconds: number) => void, written?: (w: WrittenCounts) => void): Promise<boolean | 'downgrade'> {
    const { sink, metrics, log } = this.deps
    let backoff = this.cfg.minBackoffMs
    for (let attempt = 0; ; attempt++) {
      if (this.abort.signal.aborted) return false
      const t0 = this.clock.now()
      const out = await sink.store(body, attempt, this.abort.signal)
      const seconds = (this.clock.now() - t0) / 1000
      metrics.batchDuration.observe(seconds)
      if (out.kind === 'ok') {
        this.lastSendAt = this.clock.now()
        report('ok', seconds)
        if (out.written !== undefined) written?.(out.written)
        return true
      }
      if (out.kind === 'downgrade') {
        this.noteDowngrade(out.message)
        return 'downgrade'
      }
      if (out.kind === 'fatal') {
        this.lastSendAt = this.clock.now()
        report('fail', seconds)
        log.error('non-recoverable error', { failedSampleCount: count, err: out.message })
        return true
      }
      report('retry', seconds)
      if (this.abort.signal.aborted) return false
      const sleep = out.retryAfterMs > 0 ? out.retryAfterMs : backoff
      if (out.retryAfterMs > 0) log.info('Retrying after duration specified by Retry-After header', { durationMs: sleep })
      // Never reshard on recoverable errors: more shards would only add to the pressure.
      this.reshardDisabledUntil = Math.max(this.reshardDisabledUntil, this.clock.now() + 2 * sleep)
      await abortableSleep(this.clock, sleep, this.abort.signal)
      if (this.abort.signal.aborted) return false
      metrics.samplesRetried.inc(count)
      log.warn('Failed to send batch, retrying', { err: out.message, attempt: attempt + 1 })
      backoff = Math.min(sleep * 2, this.cfg.maxBackoffMs)
    }
  }

  private updateShards (): void {
    this.dataIn.tick(); this.dataOut.tick(); this.dataOutDuration.tick()
    // Behind: more waiting than an interval of sending and than full batches for every shard.
    // Only then is the pace the receiver's rather than the input's.
    const seconds = this.cfg.shardUpdateIntervalMs / 1000
    const behind = !this.retried && this.outstanding > Math.max(2 * this.shards.length * this.maxSamplesPerSend, this.dataOut.rate() * seconds)
    this.retried = false
    const limit = this.shardLimit.update(this.shards.length, seconds, behind)
    this.deps.metrics.shardsLimit.set(Math.min(limit, this.cfg.maxShards))
    const { desired, next } = desiredShards({
      inRate: this.dataIn.rate(),
      outRate: this.dataOut.rate(),
      outDurationRate: this.dataOutDuration.rate(),
      backlog: this.outstanding,
      delaySeconds: this.deps.metrics.delaySeconds,
      current: this.shards.length,
      min: this.cfg.minShards,
      max: this.cfg.maxShards,
      limit
    })
    this.deps.metrics.shardsDesired.set(desired)
    if (next === this.shards.length || this.resharding || this.stopped) return
    const now = this.clock.now()
    // Skip while sends fail (nothing got through lately) or after recoverable errors.
    if (now < this.reshardDisabledUntil) return
    if (this.outstanding > 0 && now - this.lastSendAt > this.cfg.shardUpdateIntervalMs) return
    void this.reshard(next, Math.ceil(desired) > limit ? limit : undefined)
  }

  /** Changes the shard count once every shard is drained, so per-series order survives. */
  async reshard (n: number, limit?: number): Promise<void> {
    if (this.resharding || this.stopped) return
    this.deps.log.info('Remote storage resharding', { from: this.shards.length, to: n, ...(limit !== undefined ? { limit } : {}) })
    this.resharding = true
    this.flushing = true
    for (const s of this.shards) s.flush()
    await this.waitIdle(() => this.shards.every(s => !s.busy))
    this.flushing = this.stopped
    this.resharding = false
    if (!this.stopped) this.setShardCount(n)
    this.pump()
  }

  private setShardCount (n: number): void {
    while (this.shards.length < n) this.shards.push(new Shard(this))
    this.shards.length = n
    this.deps.metrics.shards.set(n)
  }
}

const emptyBatch = new SampleBatch(1)

function abortableSleep (clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal.aborted) { resolve(); return }
    const done = (): void => { t.cancel(); signal.removeEventListener('abort', done); resolve() }
    const t = clock.setTimeout(done, ms, true)
    signal.addEventListener('abort', done)
  })
}
