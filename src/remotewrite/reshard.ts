// How many shards the queue wants, from measured throughput (after Prometheus'
// calculateDesiredShards, simplified): the time one sample takes to send times the incoming
// rate, plus 5%/s of the backlog to catch up, changed only outside a ±30% tolerance band.
//
// Prometheus' rule assumes a receiver that scales with concurrency. One that is out of CPU
// answers every extra request by making all of them slower, so the rule keeps adding shards
// (up to max_shards) while throughput falls: each request then costs the receiver more
// (50 concurrent decodes, a larger heap to collect). ShardLimit caps the shards at the count
// beyond which the receiver delivered no more.

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
  /** Most shards to use (ShardLimit); none: no cap. */
  limit?: number
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
  let rounded = Math.ceil(desired)
  // A saturated receiver: more shards would only slow it down, and fewer do not lose anything
  // even while behind.
  const capped = i.limit !== undefined && rounded > i.limit
  if (capped) rounded = i.limit!
  // Above the limit is never within tolerance: the count that did not pay must go.
  if (capped && i.current > rounded) return { desired, next: Math.max(i.min, rounded) }
  if (lower <= rounded && rounded <= upper) return { desired, next: i.current }
  // Do not shrink while more than ten seconds behind.
  if (!capped && rounded < i.current && i.delaySeconds > 10) return { desired, next: i.current }
  return { desired, next: Math.min(i.max, Math.max(i.min, rounded)) }
}

/**
 * The share of a step's proportional gain it must bring to count as paying: doubling the shards
 * must add 12.5 %. Near a receiver's knee a real gain is small, and at its limit a step brings
 * nothing but noise (a few %).
 */
const PAYING_SHARE = 0.125

/**
 * An interval's pace is exact only to a request at either end (one in flight as it starts, one
 * as it ends): with n requests in it, a step must also beat 2/n of relative gain, or a small
 * probe (3 shards after 2) passes on where the interval boundaries fell.
 */
const BOUNDARY_REQUESTS = 2

/**
 * Finds how many shards a receiver is worth by what they deliver. While the queue is behind
 * (more waits than an interval of sending), the samples acknowledged per second are the
 * receiver's pace at this shard count. A step up that brings less than an eighth of its
 * proportional gain did not pay: the receiver is out of capacity, and more requests at once
 * only slow it down. The limit then goes back to the count before the step and holds it for a
 * while; after that a smaller step is tried, as the receiver may have grown (or the verdict was
 * wrong). While behind, every count's pace is measured before a step up from it, and a step is
 * at most a doubling.
 */
export class ShardLimit {
  private samples = 0
  private requests = 0
  private wasBehind = false
  /** The last interval, if it was spent behind. */
  private base: { shards: number, rate: number, requests: number } | undefined = undefined
  private held: number | undefined = undefined
  private holdLeft = 0
  private holdFor: number

  /**
   * A limit found by a step that did not pay is kept firstHold updates, twice as long after
   * each further step that does not pay, up to maxHold: a verdict blurred by a change of load
   * (the receiver creating a million new series at start) is soon tried again.
   */
  constructor (private readonly firstHold = 3, private readonly maxHold = 30) {
    this.holdFor = firstHold
  }

  /** One request's samples, acknowledged by the receiver. */
  observe (samples: number): void { this.samples += samples; this.requests++ }

  /**
   * Ends an interval of `seconds` run with `shards` shards; `behind`: at its end the queue
   * was behind and nothing was retried in it (the pace is the receiver's). Returns the most
   * shards to use.
   */
  update (shards: number, seconds: number, behind: boolean): number {
    const rate = this.samples / seconds
    const requests = this.requests
    this.samples = 0
    this.requests = 0
    const measured = behind && this.wasBehind
    this.wasBehind = behind
    // A step is judged against the interval right before it: one in which the queue kept up
    // says nothing about the receiver, and older paces may be from another load.
    const b = this.base
    this.base = measured ? { shards, rate, requests } : undefined
    const stepped = measured && b !== undefined && shards > b.shards
    const needed = stepped ? Math.max(PAYING_SHARE * (shards / b.shards - 1), BOUNDARY_REQUESTS / Math.max(1, Math.min(b.requests, requests))) : 0
    if (stepped && rate < b.rate * (1 + needed)) {
      this.held = b.shards
      this.holdLeft = this.holdFor
      this.holdFor = Math.min(this.maxHold, this.holdFor * 2)
    } else if (stepped) {
      this.holdFor = this.firstHold
    } else if (this.held !== undefined && --this.holdLeft <= 0) {
      // Probe a quarter more: the receiver may have grown (or another sender left).
      const probe = this.held + Math.max(1, Math.ceil(this.held / 4))
      this.held = undefined
      return probe
    }
    if (this.held !== undefined) return this.held
    // Just fell behind: measure this count's pace before stepping up from it.
    return behind && !measured ? shards : 2 * shards + 1
  }
}
