// Lifeguard's suspicion timeout: a suspicion starts long (max) and shortens towards min as
// independent members confirm it (each a member whose own probe failed too), on a log scale
// so the first confirmations count most. A lone suspecter with a bad link of its own thus waits
// long enough for the suspect to refute; a member many cannot reach is declared dead soon.

import type { SwimClock, TimerHandle } from './types.js'

/** Timeout after `confirmations` of `expected`: max − (max − min) · log(c + 1) / log(k + 1), ≥ min. */
export function suspicionTimeout (confirmations: number, expected: number, minMs: number, maxMs: number): number {
  if (expected < 1) return minMs
  const frac = Math.log(confirmations + 1) / Math.log(expected + 1)
  return Math.max(minMs, Math.floor(maxMs - (maxMs - minMs) * frac))
}

export class Suspicion {
  readonly inc: number
  private readonly start: number
  private readonly confirmers = new Set<string>()
  private timer: TimerHandle
  private readonly clock: SwimClock

  constructor (clock: SwimClock, inc: number, from: string, private readonly expected: number,
    private readonly minMs: number, private readonly maxMs: number, private readonly onTimeout: () => void) {
    this.clock = clock
    this.inc = inc
    this.start = clock.now()
    this.confirmers.add(from) // the first suspecter is not a confirmation of itself
    this.timer = clock.setTimeout(onTimeout, expected < 1 ? minMs : maxMs)
  }

  /** Counts `from` as a confirmation; true if it was new (then it is worth passing on). */
  confirm (from: string): boolean {
    if (this.confirmers.size > this.expected || this.confirmers.has(from)) return false
    this.confirmers.add(from)
    const timeout = suspicionTimeout(this.confirmers.size - 1, this.expected, this.minMs, this.maxMs)
    this.timer.cancel()
    const left = this.start + timeout - this.clock.now()
    this.timer = this.clock.setTimeout(this.onTimeout, Math.max(0, left))
    return true
  }

  cancel (): void { this.timer.cancel() }
}
