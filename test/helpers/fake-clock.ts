// A clock that moves only when the test says so: timers fire in time order, and after each the
// promise chains it started run to their end before time moves on. A test on it gives the same
// outcome however busy the machine is.
import type { Clock, TimerHandle } from '../../src/clock.js'

interface Timer { at: number, seq: number, fn: () => void, live: boolean }

/** Lets every queued microtask (and the promise chains they start) run. */
const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

export class FakeClock implements Clock {
  #now: number
  #seq = 0
  #timers: Timer[] = []

  constructor (start = 1_700_000_000_000) { this.#now = start }

  now (): number { return this.#now }

  setTimeout (fn: () => void, ms: number): TimerHandle {
    const t: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true }
    this.#timers.push(t)
    return { cancel: () => { t.live = false } }
  }

  /** A promise that resolves after `ms` of this clock's time. */
  sleep (ms: number): Promise<void> {
    return new Promise(resolve => { this.setTimeout(resolve, ms) })
  }

  /** Timers not yet fired nor cancelled. */
  get pending (): number { return this.#timers.filter(t => t.live).length }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time. */
  async advance (ms: number): Promise<void> {
    const end = this.#now + ms
    await settle()
    for (;;) {
      this.#timers = this.#timers.filter(t => t.live)
      let next: Timer | undefined
      for (const t of this.#timers) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      if (next === undefined) break
      next.live = false
      this.#now = Math.max(this.#now, next.at)
      next.fn()
      await settle()
    }
    this.#now = end
  }
}
