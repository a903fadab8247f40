// Sends one batch of appends to every receiver in a forward_to list.
import type { Appendable, Appender, Exemplar, Histogram, Metadata, Series } from './series.js'

class FanoutAppender implements Appender {
  constructor (private readonly apps: Appender[]) {}
  append (s: Series, t: number, v: number): void { for (const a of this.apps) a.append(s, t, v) }
  appendHistogram (s: Series, t: number, h: Histogram): void { for (const a of this.apps) a.appendHistogram(s, t, h) }
  appendStale (s: Series, t: number, histogram?: boolean): void { for (const a of this.apps) a.appendStale(s, t, histogram) }
  appendExemplar (s: Series, e: Exemplar): void { for (const a of this.apps) a.appendExemplar(s, e) }
  appendMetadata (f: string, m: Metadata): void { for (const a of this.apps) a.appendMetadata(f, m) }
  commit (): void { for (const a of this.apps) a.commit() }
  rollback (): void { for (const a of this.apps) a.rollback() }
}

const discard: Appender = {
  append () {}, appendHistogram () {}, appendStale () {}, appendExemplar () {}, appendMetadata () {}, commit () {}, rollback () {},
}

/** An Appendable over a (changeable) list of receivers; an empty list discards. */
export class Fanout implements Appendable {
  #targets: readonly Appendable[]
  constructor (targets: readonly Appendable[] = []) { this.#targets = targets.filter(Boolean) }
  set (targets: readonly Appendable[]): void { this.#targets = targets.filter(Boolean) }
  async waitForCapacity (): Promise<void> {
    const waits = this.#targets.flatMap(t => t.waitForCapacity?.() ?? [])
    if (waits.length > 0) await Promise.all(waits)
  }
  appender (): Appender {
    const t = this.#targets
    if (t.length === 0) return discard
    if (t.length === 1) return t[0].appender()
    return new FanoutAppender(t.map(x => x.appender()))
  }
}
