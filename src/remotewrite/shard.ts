// One sending lane. A shard fills a batch up to max_samples_per_send (or until the batch send
// deadline), sends it with retries, and keeps at most one request in flight, so the samples of
// a series (always routed to the same shard) arrive in order.

import type { Clock, TimerHandle } from '../clock.js'
import type { Series } from '../storage/series.js'
import { SampleBatch, type Attached } from './batch.js'
import { WriteRequestEncoder } from './codec.js'
import type { WriteRequestV2Encoder } from './codec-v2.js'

/** What a shard needs from its queue. */
export interface ShardHost {
  readonly maxSamplesPerSend: number
  readonly batchSendDeadlineMs: number
  /** The batch send deadline's timer. */
  readonly clock: Clock
  /** True while stopping or resharding: send partial batches right away. */
  readonly flushing: boolean
  /** Encodes + compresses + sends with retries; resolves true when the batch is finished (sent or given up for good), false when aborted. */
  sendBatch (batch: SampleBatch, encoder: WriteRequestEncoder, encoderV2?: WriteRequestV2Encoder): Promise<boolean>
  /** A remote write 2.0 encoder when the endpoint sends 2.0. */
  newV2Encoder? (): WriteRequestV2Encoder | undefined
  /** A batch of `n` entries left the queue (sent, failed or abandoned); `finished` as sendBatch said. */
  batchDone (n: number, batch: SampleBatch, finished: boolean): void
  /** After a shard is free again: pump pending entries, wake waiters. */
  afterBatch (): void
}

export class Shard {
  private filling: SampleBatch
  private spare: SampleBatch
  private inFlight = false
  private deadlineHit = false
  private timer: TimerHandle | undefined
  private readonly encoder = new WriteRequestEncoder()
  private readonly encoderV2: WriteRequestV2Encoder | undefined

  constructor (private readonly host: ShardHost) {
    this.encoderV2 = host.newV2Encoder?.()
    const size = Math.min(host.maxSamplesPerSend, 4096)
    this.filling = new SampleBatch(size)
    this.spare = new SampleBatch(size)
  }

  /** Entries waiting in the filling batch plus the one in flight. */
  get busy (): boolean { return this.inFlight || this.filling.length > 0 }

  /** Takes one entry; false when the batch is full and the previous one is still in flight. */
  offer (series: Series, ts: number, value: number, flags: number, exemplar: Attached | undefined, seq = -1, startMs = 0): boolean {
    const max = this.host.maxSamplesPerSend
    if (this.filling.length >= max) {
      if (this.inFlight) return false
      this.flush()
    }
    this.filling.push(series, ts, value, flags, exemplar, seq, startMs)
    if (this.filling.length >= max || this.host.flushing) this.flush()
    else if (this.filling.length === 1) this.armDeadline()
    return true
  }

  /** Sends the filling batch now if nothing is in flight (used by stop/reshard). */
  flush (): void {
    if (this.inFlight || this.filling.length === 0) return
    this.clearDeadline()
    this.deadlineHit = false
    const batch = this.filling
    this.filling = this.spare
    this.spare = batch
    this.inFlight = true
    let finished = false
    void this.host.sendBatch(batch, this.encoder, this.encoderV2).then(f => { finished = f }, () => {}).finally(() => {
      const n = batch.length
      this.host.batchDone(n, batch, finished)
      batch.clear()
      this.inFlight = false
      const full = this.filling.length >= this.host.maxSamplesPerSend
      if (this.filling.length > 0 && (full || this.deadlineHit || this.host.flushing)) this.flush()
      else if (this.filling.length > 0 && this.timer === undefined) this.armDeadline()
      this.host.afterBatch()
    })
  }

  /** Drops the filling batch (hard stop); returns how many entries it held. */
  discard (): number {
    this.clearDeadline()
    const n = this.filling.length
    this.filling.clear()
    return n
  }

  private armDeadline (): void {
    this.clearDeadline()
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = undefined
      this.deadlineHit = true
      this.flush()
    }, this.host.batchSendDeadlineMs)
  }

  private clearDeadline (): void {
    this.timer?.cancel()
    this.timer = undefined
  }
}
