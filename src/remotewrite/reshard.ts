// How many shards the queue wants, from measured throughput (after Prometheus'
// calculateDesiredShards, simplified): the time one sample takes to send times the incoming
// rate, plus 5%/s of the backlog to catch up, changed only outside a ±30% tolerance band.

/** Exponentially weighted per-second rate, ticked once per interval. */
export class EwmaRate {
  private events = 0
  private current = 0
  private initialised = false
  constructor (private readonly weight: number, private readonly intervalMs: number) {}

  incr (n: number): void { this.events += n }

  tick (): void {
    const instant = this.events / (this.intervalMs / 1000)
    this.events = 0
    if (this.initialised) this.current += this.weight * (instant - this.current)
    else if (instant !== 0) { this.current = instant; this.initialised = true }
  }

  rate (): number { return this.current }
}

export interface ShardInputs {
  /** Samples accepted per second. */
  inRate: number
  /** Samples sent (or failed for good) per second. */
  outRate: number
  /** Seconds spent sending per second (sum of send durations / interval). */
  outDurationRate: number
  /** Samples accepted but not yet sent. */
  backlog: number
  /** Newest received minus newest sent timestamp, seconds. */
  delaySeconds: number
  current: number
  min: number
  max: number
}

export const SHARD_TOLERANCE = 0.3

/** Returns the raw desired value (for the shards_desired metric) and the shard count to use. */
export function desiredShards (i: ShardInputs): { desired: number, next: number } {
  if (i.outRate <= 0) {
    // Nothing went out: with nothing waiting either, the queue is idle and may shrink.
    if (i.backlog === 0 && i.inRate === 0) return { desired: i.min, next: i.min }
    return { desired: i.current, next: i.current }
  }
  const timePerSample = i.outDurationRate / i.outRate
  const desired = timePerSample * (i.inRate + 0.05 * i.backlog)
  const lower = i.current * (1 - SHARD_TOLERANCE)
  const upper = i.current * (1 + SHARD_TOLERANCE)
  const rounded = Math.ceil(desired)
  if (lower <= rounded && rounded <= upper) return { desired, next: i.current }
  // Do not shrink while more than ten seconds behind.
  if (rounded < i.current && i.delaySeconds > 10) return { desired, next: i.current }
  return { desired, next: Math.min(i.max, Math.max(i.min, rounded)) }
}
