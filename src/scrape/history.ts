// The last scrapes of one target, for the UI's per-target chart: a fixed ring of typed arrays, so
// a pool of thousands of targets holds a bounded, allocation-free history (error texts aside,
// which are capped and kept only for failed scrapes).
import type { ScrapeRecord } from './status.js'

/** Scrapes kept per target. */
export const HISTORY_LENGTH = 20
/** Longer error texts are cut: the bound on what a failing target's history can hold. */
export const HISTORY_ERROR_CHARS = 256

export class ScrapeHistory {
  readonly #at = new Float64Array(HISTORY_LENGTH)
  readonly #durationMs = new Float32Array(HISTORY_LENGTH)
  readonly #samples = new Uint32Array(HISTORY_LENGTH)
  readonly #up = new Uint8Array(HISTORY_LENGTH)
  readonly #errors = new Array<string | undefined>(HISTORY_LENGTH)
  #next = 0
  #count = 0

  record (atMs: number, durationMs: number, samples: number, error: string | undefined): void {
    const i = this.#next
    this.#at[i] = atMs
    this.#durationMs[i] = durationMs
    this.#samples[i] = Math.min(samples, 0xffffffff)
    this.#up[i] = error === undefined ? 1 : 0
    this.#errors[i] = error === undefined ? undefined : error.length > HISTORY_ERROR_CHARS ? `${error.slice(0, HISTORY_ERROR_CHARS - 1)}…` : error
    this.#next = (i + 1) % HISTORY_LENGTH
    if (this.#count < HISTORY_LENGTH) this.#count++
  }

  get size (): number { return this.#count }

  /** Oldest first. */
  records (): ScrapeRecord[] {
    const out: ScrapeRecord[] = []
    const first = (this.#next - this.#count + HISTORY_LENGTH) % HISTORY_LENGTH
    for (let n = 0; n < this.#count; n++) {
      const i = (first + n) % HISTORY_LENGTH
      out.push({
        time: new Date(this.#at[i]).toISOString(),
        durationSeconds: Math.round(this.#durationMs[i] * 1000) / 1e6,
        samples: this.#samples[i],
        up: this.#up[i] === 1,
        error: this.#errors[i] ?? '',
      })
    }
    return out
  }
}
