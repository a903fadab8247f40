// Time as the parts that wait on it see it: the real clock in the agent, a fake one in tests
// whose outcome must not depend on how busy the machine is (test/helpers/fake-clock.ts).

export interface TimerHandle { cancel (): void }

export interface Clock {
  /** Milliseconds, fractional where the platform has them; compare only with this clock's readings. */
  now (): number
  /**
   * Runs `fn` once after `ms`. The timer does not keep the process running unless `keepAlive`
   * (a shutdown that waits on it must not end early because nothing else is pending).
   */
  setTimeout (fn: () => void, ms: number, keepAlive?: boolean): TimerHandle
}

/** The real clock: epoch milliseconds with sub-millisecond resolution, and Node's timers. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout (fn, ms, keepAlive = false) {
    const t = setTimeout(fn, ms)
    if (!keepAlive) t.unref()
    return { cancel: () => { clearTimeout(t) } }
  },
}
