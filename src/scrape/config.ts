// The scrape engine's configuration: prometheus.scrape's arguments, already decoded by the
// config layer (durations in milliseconds, secrets as Secret). Defaults are Alloy's.
import type { Labels } from '../storage/series.js'
import type { HttpClientArgs } from '../http-client/index.js'
import type { EscapingScheme, ValidationScheme } from './names.js'

/** Relabeling as a function: returns the new labels, or undefined to drop. */
export type RelabelFn = (labels: Labels) => Labels | undefined

/** The HTTP client part, compared as a whole to decide whether to rebuild the client. */
export interface HTTPClientConfig {
  /** Alloy's HTTP client block (src/http-client/). Default: its defaults. */
  http_client?: HttpClientArgs
  /** @default true */
  enable_compression?: boolean
}

export interface ScrapeConfig extends HTTPClientConfig {
  job_name: string
  /** @default 60_000 */
  scrape_interval?: number
  /** @default 10_000 */
  scrape_timeout?: number
  /** @default "/metrics" */
  metrics_path?: string
  /** @default "http" */
  scheme?: string
  params?: Record<string, string[]>
  honor_labels?: boolean
  /** @default true */
  honor_timestamps?: boolean
  track_timestamps_staleness?: boolean
  sample_limit?: number
  target_limit?: number
  label_limit?: number
  label_name_length_limit?: number
  label_value_length_limit?: number
  /** Bytes of uncompressed body; 0 = no limit. */
  body_size_limit?: number
  /** @default ["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"] */
  scrape_protocols?: string[]
  /**
   * The protocol a body with a missing or unknown content type is parsed as; '' fails such a
   * scrape, as Prometheus does. @default "PrometheusText0.0.4"
   */
  scrape_fallback_protocol?: string
  /** Native histograms become histogram samples (else only their classic series). @default false */
  scrape_native_histograms?: boolean
  /** The classic series of native histograms too. @default false */
  scrape_classic_histograms?: boolean
  /** Most buckets a native histogram may have: above it the resolution is lowered, then the scrape fails. 0: no limit. */
  native_histogram_bucket_limit?: number
  /** Lowest bucket growth factor kept: finer native histograms are lowered to the matching schema. 0: no limit. */
  native_histogram_min_bucket_factor?: number
  /** Classic histograms become custom-bucket native histograms (schema -53). @default false */
  convert_classic_histograms_to_nhcb?: boolean
  /**
   * Names a series may have after metric relabeling; under 'legacy' any other fails the scrape,
   * as in Prometheus 3. @default "legacy"
   */
  metric_name_validation_scheme?: ValidationScheme
  /** The escaping the Accept header asks the target for. @default "underscores" */
  metric_name_escaping_scheme?: EscapingScheme
  /** Target relabeling, applied while computing target labels (Prometheus relabel_configs). */
  relabel?: RelabelFn
  /** Metric relabeling, applied once per new series (cached). */
  metric_relabel?: RelabelFn
}

/** Alloy's default scrape_protocols. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly string[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']
/** What Alloy's scrape_protocols become with scrape_native_histograms or enable_protobuf_negotiation (and no scrape_protocols). */
export const PROTO_FIRST_SCRAPE_PROTOCOLS: readonly string[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS]

/** A ScrapeConfig with every default filled in. */
export type ResolvedScrapeConfig = Required<Pick<ScrapeConfig,
'job_name' | 'scrape_interval' | 'scrape_timeout' | 'metrics_path' | 'scheme' | 'params' | 'honor_labels' |
'honor_timestamps' | 'track_timestamps_staleness' | 'sample_limit' | 'target_limit' | 'label_limit' |
'label_name_length_limit' | 'label_value_length_limit' | 'body_size_limit' | 'scrape_protocols' |
'enable_compression' | 'scrape_fallback_protocol' | 'scrape_native_histograms' | 'scrape_classic_histograms' |
'native_histogram_bucket_limit' | 'native_histogram_min_bucket_factor' | 'convert_classic_histograms_to_nhcb' |
'metric_name_validation_scheme' | 'metric_name_escaping_scheme'>> & ScrapeConfig

export function resolveScrapeConfig (c: ScrapeConfig): ResolvedScrapeConfig {
  return {
    ...c,
    scrape_interval: c.scrape_interval ?? 60_000,
    scrape_timeout: c.scrape_timeout ?? 10_000,
    metrics_path: c.metrics_path ?? '/metrics',
    scheme: c.scheme ?? 'http',
    params: c.params ?? {},
    honor_labels: c.honor_labels ?? false,
    honor_timestamps: c.honor_timestamps ?? true,
    track_timestamps_staleness: c.track_timestamps_staleness ?? false,
    sample_limit: c.sample_limit ?? 0,
    target_limit: c.target_limit ?? 0,
    label_limit: c.label_limit ?? 0,
    label_name_length_limit: c.label_name_length_limit ?? 0,
    label_value_length_limit: c.label_value_length_limit ?? 0,
    body_size_limit: c.body_size_limit ?? 0,
    scrape_protocols: c.scrape_protocols ?? [...DEFAULT_SCRAPE_PROTOCOLS],
    enable_compression: c.enable_compression ?? true,
    scrape_fallback_protocol: c.scrape_fallback_protocol ?? 'PrometheusText0.0.4',
    scrape_native_histograms: c.scrape_native_histograms ?? false,
    scrape_classic_histograms: c.scrape_classic_histograms ?? false,
    native_histogram_bucket_limit: c.native_histogram_bucket_limit ?? 0,
    native_histogram_min_bucket_factor: c.native_histogram_min_bucket_factor ?? 0,
    convert_classic_histograms_to_nhcb: c.convert_classic_histograms_to_nhcb ?? false,
    metric_name_validation_scheme: c.metric_name_validation_scheme ?? 'legacy',
    metric_name_escaping_scheme: c.metric_name_escaping_scheme ?? (c.metric_name_validation_scheme === 'utf8' ? 'allow-utf-8' : 'underscores'),
  }
}

/** Picks the HTTP client fields, for change detection. */
export function httpClientPart (c: ScrapeConfig): HTTPClientConfig {
  return { http_client: c.http_client, enable_compression: c.enable_compression ?? true }
}

/**
 * Deep equality for configs: secrets compare by their real value (their JSON form is
 * always "(secret)"), functions by identity, arrays and plain objects structurally.
 */
export function sameValue (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  const ra = (a as { reveal?: unknown }).reveal
  const rb = (b as { reveal?: unknown }).reveal
  if (typeof ra === 'function' || typeof rb === 'function') {
    return typeof ra === 'function' && typeof rb === 'function' &&
      (a as { reveal: () => string }).reveal() === (b as { reveal: () => string }).reveal()
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a).filter(k => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter(k => (b as Record<string, unknown>)[k] !== undefined)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}
