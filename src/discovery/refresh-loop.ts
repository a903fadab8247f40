// The polling loop behind refresh-based discovery (Prometheus's refresh.Discovery): refresh now,
// then every interval. A restart (new arguments) refreshes at once; the result of a refresh that
// was overtaken by a restart or stop is dropped, so stale arguments never publish targets.
import type { RefreshMetrics } from './metrics.js'

export interface RefreshLoopOptions<T> {
  /** Mechanism label of the refresh metrics ("http", "dns"). */
  mechanism: string
  /** Component id, the `config` label of the refresh metrics. */
  config: string
  metrics: RefreshMetrics
  intervalMs: () => number
  /** One refresh; the signal aborts when the refresh is overtaken. */
  refresh: (signal: AbortSignal) => Promise<T>
  /** A current refresh succeeded. */
  onResult: (value: T) => void
  /** A current refresh failed. */
  onError: (err: Error) => void
}

export class RefreshLoop<T> {
  readonly #opts: RefreshLoopOptions<T>
  #timer: NodeJS.Timeout | undefined
  #ctl: AbortController | undefined
  #gen = 0
  #stopped = false
  /** Settles when the refresh in flight (if any) has settled. */
  #inFlight: Promise<void> = Promise.resolve()

  constructor (opts: RefreshLoopOptions<T>) {
    this.#opts = opts
  }

  /** Refreshes now and restarts the interval from here. */
  kick (): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#ctl?.abort()
    const gen = ++this.#gen
    const ctl = new AbortController()
    this.#ctl = ctl
    const o = this.#opts
    const started = performance.now()
    this.#inFlight = o.refresh(ctl.signal).then(
      value => {
        if (gen === this.#gen && !this.#stopped) o.onResult(value)
      },
      (err: unknown) => {
        if (gen !== this.#gen || this.#stopped) return
        o.metrics.failures.inc({ mechanism: o.mechanism, config: o.config })
        o.onError(err instanceof Error ? err : new Error(String(err)))
      }
    ).finally(() => {
      if (gen !== this.#gen || this.#stopped) return
      const elapsed = performance.now() - started
      o.metrics.duration.observe({ mechanism: o.mechanism, config: o.config }, elapsed / 1000)
      // A fixed cadence, as a ticker gives; a refresh longer than the interval starts the next at once.
      this.#timer = setTimeout(() => this.kick(), Math.max(0, o.intervalMs() - elapsed))
    })
  }

  /** Stops the timer and abandons any refresh in flight; resolves once that refresh has settled. */
  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#ctl?.abort()
    await this.#inFlight
  }
}
