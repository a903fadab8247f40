// The exposition parser contract shared by the text 0.0.4 and OpenMetrics 1.0 parsers.
// See README.md for how the scrape loop should use series() as a cache key.

import type { Exemplar, Label, MetricType } from '../storage/series.js'
import type { Histogram } from '../storage/histogram.js'
import { Entry, ParseError } from './entry.js'
import type { EntryKind } from './entry.js'
import { PromTextParser } from './prom-text.js'
import { OpenMetricsParser } from './openmetrics.js'
import { ProtobufParser, PROTOBUF_MEDIA_TYPE } from './protobuf.js'

export { Entry, ParseError }
export type { EntryKind }
/** Copy of a series() key that does not keep the body alive: use it for every cache insert. */
export { flatCopy } from './scan.js'

export interface ExpositionParser {
  /** Advances to the next entry; throws ParseError on malformed input. */
  next (): EntryKind
  /** Series entry: the raw series text (metric name + label block, as written) — use as cache key. */
  series (): string
  /** NaN, +Inf and -Inf are supported. */
  value (): number
  /** Milliseconds (OpenMetrics seconds-with-fraction are converted, truncated like Prometheus). */
  timestamp (): number | undefined
  /**
   * Decodes the current series into labels, including __name__, sorted by name, appended to
   * `out`. Throws ParseError on a duplicate label name (Prometheus fails the scrape then).
   */
  labels (out: Label[]): void
  /** Current exemplar if the series line has one (OpenMetrics). */
  exemplar (): Exemplar | undefined
  /** Type/Help/Unit entries: the metric family name. */
  metricFamily (): string
  /** Type entries. Text format `untyped` is reported as 'unknown'. */
  type (): MetricType
  /** Help entries, unescaped. */
  help (): string
  /** Unit entries. */
  unit (): string
  /**
   * Series entries: true when this is an OpenMetrics `_created` series of a counter, summary or
   * histogram family. Prometheus ingests those as ordinary samples unless start-timestamp
   * ingestion is enabled (then it skips them and uses the value as the start time); the caller
   * decides. Always false for the text format.
   */
  isCreated (): boolean
  /**
   * Optional fast path for a caller that knows what usually comes next: `key` is the series
   * text (as series() returned it) expected on the next series line. If that line's series
   * text is exactly `key`, the parser skips scanning its label block and hinted() is true
   * (the text is byte-identical to one already validated). The hint holds until a series
   * line consumes it.
   */
  hint? (key: string): void
  /** Series entries, after hint(): whether the series text equals the hinted key. */
  hinted? (): boolean
  /**
   * Histogram entries (protobuf only): the native histogram. series(), labels(), timestamp()
   * and exemplar() describe it as for a Series entry; value() is meaningless.
   */
  histogram? (): Histogram
  /** The created timestamp (ms) of the current series' metric, where the format carries one. */
  createdTimestamp? (): number | undefined
}

export interface ParserOptions {
  /**
   * OpenMetrics only: enforce every rule of the spec (family grouping, histogram buckets,
   * exemplar placement, ...). Off on the scrape path, like Prometheus, which only checks syntax.
   */
  readonly strict?: boolean
  /**
   * Buffer bodies are decoded lazily, this many bytes at a time (cut after a line), so no
   * string ever holds the whole body. Default DEFAULT_CHUNK_BYTES (60 KiB); tests use tiny
   * values to put a chunk boundary after every line.
   */
  readonly chunkSize?: number
  /** Protobuf: native histograms as Histogram entries (scrape_native_histograms). @default true */
  readonly nativeHistograms?: boolean
  /** Protobuf: the classic series of native histograms too (scrape_classic_histograms). @default false */
  readonly classicHistograms?: boolean
  /**
   * The scrape protocol (PrometheusText0.0.4, PrometheusProto, ...) a body is parsed as when its
   * content type is missing or not one shoal parses; '' refuses such a body, as Prometheus does.
   * @default "PrometheusText0.0.4"
   */
  readonly fallbackProtocol?: string
}

const OPENMETRICS_MEDIA_TYPE = 'application/openmetrics-text'
const TEXT_MEDIA_TYPE = 'text/plain'

/** The media type each scrape protocol names (the fallback is given as a protocol). */
const PROTOCOL_MEDIA_TYPES: Readonly<Record<string, string>> = {
  PrometheusProto: PROTOBUF_MEDIA_TYPE,
  'PrometheusText0.0.4': TEXT_MEDIA_TYPE,
  'PrometheusText1.0.0': TEXT_MEDIA_TYPE,
  'OpenMetricsText0.0.1': OPENMETRICS_MEDIA_TYPE,
  'OpenMetricsText1.0.0': OPENMETRICS_MEDIA_TYPE,
}

/**
 * The parser for a body by its content type: OpenMetrics, protobuf or the text format. A
 * missing or unknown type takes the fallback protocol, or fails without one with Prometheus's
 * words. A Buffer body is UTF-8 (ASCII chunks are decoded as latin1, the same text faster); a
 * string is one chunk.
 */
export function parserFor (contentType: string | undefined, body: string | Buffer, options: ParserOptions = {}): ExpositionParser {
  let media = contentType === undefined || contentType.trim() === '' ? '' : mediaType(contentType)
  if (media !== OPENMETRICS_MEDIA_TYPE && media !== PROTOBUF_MEDIA_TYPE && media !== TEXT_MEDIA_TYPE) {
    const fallback = options.fallbackProtocol ?? 'PrometheusText0.0.4'
    if (fallback === '') {
      throw new Error(media === ''
        ? 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target'
        : `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`)
    }
    media = PROTOCOL_MEDIA_TYPES[fallback] ?? TEXT_MEDIA_TYPE
  }
  if (media === OPENMETRICS_MEDIA_TYPE) return new OpenMetricsParser(body, options)
  if (media === PROTOBUF_MEDIA_TYPE) return new ProtobufParser(typeof body === 'string' ? Buffer.from(body, 'latin1') : body, options)
  return new PromTextParser(body, options)
}

function mediaType (contentType: string): string {
  const semi = contentType.indexOf(';')
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}
