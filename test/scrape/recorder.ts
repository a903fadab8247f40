// An in-memory Appendable for tests: records committed batches, counts rollbacks.
import type { Appendable, Appender, Exemplar, Histogram, Metadata, Series } from '../../src/storage/series.js'
import { labelsString } from '../../src/storage/series.js'

export type Op =
  | { kind: 'sample', series: Series, t: number, v: number }
  | { kind: 'stale', series: Series, t: number, histogram?: boolean }
  | { kind: 'histogram', series: Series, t: number, h: Histogram }
  | { kind: 'exemplar', series: Series, exemplar: Exemplar }
  | { kind: 'metadata', family: string, metadata: Metadata }

export class Recorder implements Appendable {
  batches: Op[][] = []
  rollbacks = 0

  appender (): Appender {
    const ops: Op[] = []
    let done = false
    const check = (): void => { if (done) throw new Error('appender used after commit/rollback') }
    return {
      append: (series, t, v) => { check(); ops.push({ kind: 'sample', series, t, v }) },
      appendHistogram: (series, t, h) => { check(); ops.push({ kind: 'histogram', series, t, h }) },
      appendStale: (series, t, histogram) => { check(); ops.push(histogram === true ? { kind: 'stale', series, t, histogram } : { kind: 'stale', series, t }) },
      appendExemplar: (series, exemplar) => { check(); ops.push({ kind: 'exemplar', series, exemplar }) },
      appendMetadata: (family, metadata) => { check(); ops.push({ kind: 'metadata', family, metadata }) },
      commit: () => { check(); done = true; this.batches.push(ops) },
      rollback: () => { check(); done = true; this.rollbacks++ },
    }
  }

  last (): Op[] { return this.batches[this.batches.length - 1] ?? [] }

  /** `{labels} value@t` lines of samples (report series' duration value replaced by "D"). */
  static samples (ops: Op[]): string[] {
    return ops.filter(o => o.kind === 'sample').map(o => {
      const s = o
      const v = s.series.get('__name__') === 'scrape_duration_seconds' ? 'D' : String(s.v)
      return `${labelsString(s.series.labels)} ${v}@${s.t}`
    })
  }

  static stale (ops: Op[]): string[] {
    return ops.filter(o => o.kind === 'stale').map(o => `${labelsString(o.series.labels)}@${(o as { t: number }).t}`).sort()
  }
}
