// prometheus_remote_storage_* metrics, named as Prometheus names them. One set of metric
// families per Registry (several endpoints share it), one child per (remote_name, url).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { BufferStats } from './pending.js'
import { perRegistry } from '../metrics/registry.js'

const P = 'prometheus_remote_storage_'
const LABELS = ['remote_name', 'url'] as const

interface Families {
  samplesTotal: Counter<string>
  samplesFailed: Counter<string>
  samplesRetried: Counter<string>
  samplesDropped: Counter<string>
  exemplarsTotal: Counter<string>
  histogramsTotal: Counter<string>
  histogramsFailed: Counter<string>
  exemplarsFailed: Counter<string>
  histogramsIn: Counter<string>
  metadataTotal: Counter<string>
  samplesIn: Counter<string>
  bytesTotal: Counter<string>
  metadataBytesTotal: Counter<string>
  samplesPending: Gauge<string>
  shards: Gauge<string>
  shardsDesired: Gauge<string>
  shardsMax: Gauge<string>
  shardsMin: Gauge<string>
  shardsLimit: Gauge<string>
  highestIn: Gauge<string>
  highestSent: Gauge<string>
  batchDuration: Histogram<string>
  bufferBytes: Gauge<string>
  bufferSegments: Gauge<string>
  bufferMaxBytes: Gauge<string>
  bufferMemoryEntries: Gauge<string>
  bufferReadBack: Counter<string>
  /** Disk buffers by endpoint, read when the metrics are collected (nothing on the hot path). */
  buffers: Map<QueueMetrics, () => BufferStats>
}

const families = perRegistry((registry: Registry): Families => {
  const registers = [registry]
  const counter = (name: string, help: string, extra: string[] = []): Counter<string> =>
    new Counter({ name: P + name, help, labelNames: [...LABELS, ...extra], registers })
  const gauge = (name: string, help: string): Gauge<string> =>
    new Gauge({ name: P + name, help, labelNames: [...LABELS], registers })
  const buffers = new Map<QueueMetrics, () => BufferStats>()
  // Gauges read from the buffers at collection; the counter adds what was read back since.
  const fromBuffers = (pick: (s: BufferStats) => number) => function (this: Gauge<string>): void {
    for (const [m, stats] of buffers) this.set(m.labels, pick(stats()))
  }
  const f: Families = {
    buffers,
    bufferBytes: new Gauge({ name: 'shoal_remote_storage_buffer_bytes', help: 'Bytes of the disk buffer\'s segments: samples not yet acknowledged, and the series they need.', labelNames: [...LABELS], registers, collect: fromBuffers(s => s.bytes) }),
    bufferMaxBytes: new Gauge({ name: 'shoal_remote_storage_buffer_max_bytes', help: 'The disk buffer\'s bound on bytes: past it the oldest samples are dropped (alert as buffer_bytes nears it).', labelNames: [...LABELS], registers, collect: fromBuffers(s => s.maxBytes) }),
    bufferSegments: new Gauge({ name: 'shoal_remote_storage_buffer_segments', help: 'Segment files of the disk buffer.', labelNames: [...LABELS], registers, collect: fromBuffers(s => s.segments) }),
    bufferMemoryEntries: new Gauge({ name: 'shoal_remote_storage_buffer_memory_entries', help: 'Samples the disk buffer\'s memory window holds at most now (it grows while the sender is behind and shrinks once it has caught up).', labelNames: [...LABELS], registers, collect: fromBuffers(s => s.memoryEntries) }),
    bufferReadBack: new Counter({
      name: 'shoal_remote_storage_buffer_read_back_samples_total',
      help: 'Samples sent from the disk buffer\'s segments rather than from memory: after falling behind by more than the memory window, or after a restart.',
      labelNames: [...LABELS],
      registers,
      collect (this: Counter<string>): void {
        for (const [m, stats] of buffers) {
          const now = stats().readBack
          const d = now - m.readBackReported
          m.readBackReported = now
          if (d > 0) this.inc(m.labels, d)
        }
      }
    }),
    samplesTotal: counter('samples_total', 'Total number of samples sent to remote storage.'),
    samplesFailed: counter('samples_failed_total', 'Total number of samples which failed on send to remote storage, non-recoverable errors.'),
    samplesRetried: counter('samples_retried_total', 'Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.'),
    samplesDropped: counter('samples_dropped_total', 'Total number of samples which were dropped before being sent via remote write (relabelling, queue overflow, shutdown).', ['reason']),
    exemplarsTotal: counter('exemplars_total', 'Total number of exemplars sent to remote storage.'),
    histogramsTotal: counter('histograms_total', 'Total number of histograms sent to remote storage.'),
    histogramsFailed: counter('histograms_failed_total', 'Total number of histograms which failed on send to remote storage, non-recoverable errors.'),
    exemplarsFailed: counter('exemplars_failed_total', 'Total number of exemplars which failed on send to remote storage, non-recoverable errors.'),
    histogramsIn: counter('histograms_in_total', 'HistogramSamples in to remote storage, compare to histograms out for queue managers.'),
    metadataTotal: counter('metadata_total', 'Total number of metadata entries sent to remote storage.'),
    samplesIn: counter('samples_in_total', 'Samples in to remote storage, compare to samples out for queue managers.'),
    bytesTotal: counter('bytes_total', 'The total number of bytes of data (not metadata) sent by the queue after compression.'),
    metadataBytesTotal: counter('metadata_bytes_total', 'The total number of bytes of metadata sent by the queue after compression.'),
    samplesPending: gauge('samples_pending', 'The number of samples pending in the queues shards to be sent to the remote storage.'),
    shards: gauge('shards', 'The number of shards used for parallel sending to the remote storage.'),
    shardsDesired: gauge('shards_desired', 'The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.'),
    shardsMax: gauge('shards_max', 'The maximum number of shards that the queue is allowed to run.'),
    shardsMin: gauge('shards_min', 'The minimum number of shards that the queue is allowed to run.'),
    shardsLimit: new Gauge({ name: 'shoal_remote_storage_shards_limit', help: 'Most shards the queue may use now: twice the current count, or the count beyond which the receiver delivered no more samples per second.', labelNames: [...LABELS], registers }),
    highestIn: gauge('highest_timestamp_in_seconds', 'Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.'),
    highestSent: gauge('queue_highest_sent_timestamp_seconds', 'Highest timestamp successfully sent by this queue, in seconds since epoch.'),
    batchDuration: new Histogram({
      name: P + 'sent_batch_duration_seconds',
      help: 'Duration of send calls to the remote storage.',
      labelNames: [...LABELS],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300],
      registers
    })
  }
  return f
})

/** The metric children of one endpoint; the queue and shards update these directly. */
export class QueueMetrics {
  readonly samplesTotal: Counter.Internal
  readonly samplesFailed: Counter.Internal
  readonly samplesRetried: Counter.Internal
  readonly exemplarsTotal: Counter.Internal
  readonly histogramsTotal: Counter.Internal
  readonly histogramsFailed: Counter.Internal
  readonly exemplarsFailed: Counter.Internal
  readonly histogramsIn: Counter.Internal
  readonly metadataTotal: Counter.Internal
  readonly samplesIn: Counter.Internal
  readonly bytesTotal: Counter.Internal
  readonly metadataBytesTotal: Counter.Internal
  readonly samplesPending: Gauge.Internal<string>
  readonly shards: Gauge.Internal<string>
  readonly shardsDesired: Gauge.Internal<string>
  readonly shardsMax: Gauge.Internal<string>
  readonly shardsMin: Gauge.Internal<string>
  readonly shardsLimit: Gauge.Internal<string>
  readonly highestIn: Gauge.Internal<string>
  readonly highestSent: Gauge.Internal<string>
  readonly batchDuration: Histogram.Internal<string>
  private readonly f: Families
  readonly labels: { remote_name: string, url: string }
  /** The buffer's read-back count when the counter was last brought up to date. */
  readBackReported = 0
  private highestInValue = 0
  private highestSentValue = 0

  constructor (registry: Registry, remoteName: string, url: string) {
    const f = families(registry)
    const l = { remote_name: remoteName, url }
    this.f = f
    this.labels = l
    this.samplesTotal = f.samplesTotal.labels(l)
    this.samplesFailed = f.samplesFailed.labels(l)
    this.samplesRetried = f.samplesRetried.labels(l)
    this.exemplarsTotal = f.exemplarsTotal.labels(l)
    this.histogramsTotal = f.histogramsTotal.labels(l)
    this.histogramsFailed = f.histogramsFailed.labels(l)
    this.exemplarsFailed = f.exemplarsFailed.labels(l)
    this.histogramsIn = f.histogramsIn.labels(l)
    this.metadataTotal = f.metadataTotal.labels(l)
    this.samplesIn = f.samplesIn.labels(l)
    this.bytesTotal = f.bytesTotal.labels(l)
    this.metadataBytesTotal = f.metadataBytesTotal.labels(l)
    this.samplesPending = f.samplesPending.labels(l)
    this.shards = f.shards.labels(l)
    this.shardsDesired = f.shardsDesired.labels(l)
    this.shardsMax = f.shardsMax.labels(l)
    this.shardsMin = f.shardsMin.labels(l)
    this.shardsLimit = f.shardsLimit.labels(l)
    this.highestIn = f.highestIn.labels(l)
    this.highestSent = f.highestSent.labels(l)
    this.batchDuration = f.batchDuration.labels(l)
    // Make the zero values visible before the first event, as Prometheus does.
    this.samplesTotal.inc(0); this.samplesFailed.inc(0); this.samplesRetried.inc(0)
    this.samplesIn.inc(0); this.bytesTotal.inc(0); this.highestIn.set(0); this.highestSent.set(0)
  }

  /** Reports a disk buffer's state with this endpoint's labels. */
  attachBuffer (stats: () => BufferStats): void {
    this.f.buffers.set(this, stats)
    this.f.bufferReadBack.inc(this.labels, 0)
  }

  /** The endpoint stopped: its buffer is no longer read (its series keep their last values). */
  detachBuffer (): void {
    this.f.buffers.delete(this)
  }

  dropped (reason: string, n: number): void {
    this.f.samplesDropped.inc({ ...this.labels, reason }, n)
  }

  observeIn (maxTimestampMs: number): void {
    if (maxTimestampMs > this.highestInValue) {
      this.highestInValue = maxTimestampMs
      this.highestIn.set(maxTimestampMs / 1000)
    }
  }

  observeSent (maxTimestampMs: number): void {
    if (maxTimestampMs > this.highestSentValue) {
      this.highestSentValue = maxTimestampMs
      this.highestSent.set(maxTimestampMs / 1000)
    }
  }

  /** Seconds between the newest sample received and the newest sent (the queue's lag). */
  get delaySeconds (): number {
    return Math.max(0, (this.highestInValue - this.highestSentValue) / 1000)
  }

  /** Removes this endpoint's series from the registry (on endpoint shutdown/reload). */
  remove (): void {
    this.detachBuffer()
    const f = this.f
    for (const m of [f.samplesTotal, f.samplesFailed, f.samplesRetried, f.exemplarsTotal, f.histogramsTotal, f.histogramsFailed, f.exemplarsFailed, f.histogramsIn, f.metadataTotal, f.samplesIn,
      f.bytesTotal, f.metadataBytesTotal, f.samplesPending, f.shards, f.shardsDesired, f.shardsMax, f.shardsMin,
      f.shardsLimit, f.highestIn, f.highestSent, f.batchDuration, f.bufferBytes, f.bufferMaxBytes, f.bufferSegments, f.bufferMemoryEntries,
      f.bufferReadBack]) {
      (m as { remove: (l: Record<string, string>) => void }).remove(this.labels)
    }
  }
}
