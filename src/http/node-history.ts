// A node's recent load for the cluster page's sparklines: samples scraped per second and targets
// owned, sampled from its own registry every STEP_MS into fixed rings (POINTS each), so the
// memory is bounded (two Float64Arrays of POINTS) whatever the fleet or the uptime.
import type { Registry } from 'prom-client'
import type { NodeHistory as NodeHistoryJSON } from './ui/client/wire.mjs'

export const STEP_MS = 5_000
/** 15 minutes at STEP_MS. */
export const POINTS = 180

const SAMPLES = 'shoal_scrape_samples_scraped_total'
const OWNED = 'shoal_scrape_targets_owned'

export interface NodeHistoryInit {
  /** Default STEP_MS. */
  stepMs?: number
  /** Default POINTS. */
  points?: number
}

export class NodeHistory {
  readonly #registry: Registry
  readonly #stepMs: number
  readonly #rate: Float64Array
  readonly #owned: Float64Array
  #next = 0
  #count = 0
  #end = 0
  #lastTotal: number | undefined
  #lastAt = 0
  #timer: NodeJS.Timeout | undefined

  constructor (registry: Registry, init: NodeHistoryInit = {}) {
    this.#registry = registry
    this.#stepMs = init.stepMs ?? STEP_MS
    const n = init.points ?? POINTS
    this.#rate = new Float64Array(n)
    this.#owned = new Float64Array(n)
  }

  start (): void {
    if (this.#timer !== undefined) return
    void this.sample()
    this.#timer = setInterval(() => { void this.sample() }, this.#stepMs)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One point: the samples rate since the previous call and the targets owned now. */
  async sample (now: number = Date.now()): Promise<void> {
    const total = await this.#sum(SAMPLES)
    const owned = await this.#sum(OWNED)
    const prev = this.#lastTotal
    const dt = (now - this.#lastAt) / 1000
    this.#lastTotal = total
    this.#lastAt = now
    if (prev === undefined || dt <= 0) return // a rate needs two readings
    const i = this.#next
    this.#rate[i] = Math.max(0, total - prev) / dt
    this.#owned[i] = owned
    this.#next = (i + 1) % this.#rate.length
    if (this.#count < this.#rate.length) this.#count++
    this.#end = now
  }

  snapshot (): NodeHistoryJSON {
    const n = this.#rate.length
    const first = (this.#next - this.#count + n) % n
    const rate: number[] = []
    const owned: number[] = []
    for (let k = 0; k < this.#count; k++) {
      const i = (first + k) % n
      rate.push(Math.round(this.#rate[i] * 100) / 100)
      owned.push(this.#owned[i])
    }
    return { stepSeconds: this.#stepMs / 1000, end: this.#end > 0 ? new Date(this.#end).toISOString() : '', samplesPerSecond: rate, targetsOwned: owned }
  }

  async #sum (name: string): Promise<number> {
    const m = this.#registry.getSingleMetric(name)
    if (m === undefined) return 0
    const got = await m.get()
    let s = 0
    for (const v of got.values) s += v.value
    return s
  }
}
