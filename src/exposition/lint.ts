// Checks a whole exposition body: every line parsed, every series decoded, and for OpenMetrics
// every rule of the spec (strict mode).

import type { Label } from '../storage/series.js'
import { Entry, ParseError } from './entry.js'
import { parseErrorAt } from './errors.js'
import { OpenMetricsParser } from './openmetrics.js'
import type { ExpositionParser } from './parser.js'
import { PromTextParser } from './prom-text.js'
import { ProtobufParser } from './protobuf.js'

export type LintResult =
  | { ok: true, samples: number }
  | { ok: false, error: string, line: number, column: number }

/**
 * A delimited protobuf body (io.prometheus.client.MetricFamily): every metric decoded, native
 * histograms validated. Errors name the byte offset (line 1, column = offset + 1).
 */
export function lintProtobuf (body: Buffer): LintResult {
  try {
    const p = new ProtobufParser(body)
    const scratch: Label[] = []
    let samples = 0
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series && k !== Entry.Histogram) continue
      samples++
      scratch.length = 0
      p.labels(scratch)
      p.exemplar()
    }
    return { ok: true, samples }
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message, line: e.line, column: e.column }
    throw e
  }
}

/**
 * OpenMetrics bodies must be valid UTF-8. The body arrives decoded, so a U+FFFD replacement
 * character is taken as the mark of an invalid byte sequence (a genuine U+FFFD in an
 * OpenMetrics body would be reported too — acceptable for a linter, and the scrape path does
 * not lint).
 */
export function lintExposition (body: string, format: 'text' | 'openmetrics'): LintResult {
  try {
    if (format === 'openmetrics') {
      const bad = body.indexOf('\uFFFD')
      if (bad >= 0) throw parseErrorAt(body, bad, 'invalid UTF-8')
    }
    const p: ExpositionParser = format === 'openmetrics' ? new OpenMetricsParser(body, { strict: true }) : new PromTextParser(body)
    const scratch: Label[] = []
    let samples = 0
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series) continue
      samples++
      scratch.length = 0
      p.labels(scratch)
    }
    return { ok: true, samples }
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message, line: e.line, column: e.column }
    throw e
  }
}
