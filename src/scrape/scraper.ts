// One HTTP GET per scrape, as Prometheus's targetScraper does: Accept negotiation, gzip,
// a body size limit enforced while streaming, and a single deadline over the whole exchange;
// auth, TLS, proxy and redirects are the shared HTTP client's (src/http-client/). Failures are
// one-line reasons in Go's wording where Prometheus users know it ("server returned HTTP
// status 404 Not Found").
import { STATUS_CODES } from 'node:http'
import type { Readable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { HttpClient, HttpClientConfigError, TooManyRedirects, defaultHttpClientArgs, describeNetworkError } from '../http-client/index.js'
import type { HttpClientArgs } from '../http-client/index.js'
import { DEFAULT_SCRAPE_PROTOCOLS } from './config.js'
import { formatPromDuration } from './duration.js'

/** Media types per scrape protocol (Prometheus's ScrapeProtocolsHeaders: all five of Alloy's protocols). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
}

/**
 * The Accept header for the given protocols, in order of preference, built as Prometheus 3
 * builds it: q-values from 0.(protocols known + 1) down, then `*∕*`, and the name-escaping
 * scheme on the formats that can carry UTF-8 names (PrometheusText1.0.0, OpenMetricsText1.0.0).
 * For Alloy's defaults:
 * `application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*∕*;q=0.2`
 */
export function acceptHeader (protocols: readonly string[] = DEFAULT_SCRAPE_PROTOCOLS, escaping = 'underscores'): string {
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1
  const vals: string[] = []
  for (const p of protocols) {
    let media = SCRAPE_PROTOCOL_HEADERS[p]
    if (media === undefined) throw new Error(`invalid scrape protocol ${JSON.stringify(p)}: supported are ${Object.keys(SCRAPE_PROTOCOL_HEADERS).join(', ')}`)
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') media += `;escaping=${escaping}`
    vals.push(`${media};q=0.${weight}`)
    weight--
  }
  vals.push(`*/*;q=0.${weight}`)
  return vals.join(',')
}

/** A scrape that failed; the message is the target's last_error. */
export class ScrapeError extends Error {
  override name = 'ScrapeError'
  constructor (message: string, readonly reason: 'http_status' | 'timeout' | 'body_size_limit' | 'network' | 'config' = 'network') {
    super(message)
  }
}

export interface ScrapeResult {
  /**
   * The (inflated) body. HttpScraper always returns the Buffer, which the parsers decode in
   * chunks; strings (test fakes) are parsed as they are.
   */
  body: Buffer | string
  contentType: string | undefined
  /** Uncompressed size. */
  bytes: number
}

export interface ScraperOptions {
  /** Default: Alloy's defaults (no auth, TLS 1.2+, follow redirects). */
  http_client?: HttpClientArgs
  /** @default true */
  enable_compression?: boolean
  scrape_protocols?: string[]
  /** Bytes of uncompressed body; 0 = no limit. */
  body_size_limit?: number
  /** Asked for in the Accept header. @default "underscores" */
  metric_name_escaping_scheme?: string
}

/** Connections per target origin kept by a pool's client (a target is scraped one at a time). */
const CONNECTIONS_PER_ORIGIN = 64

/**
 * The HTTP client of one scrape pool: one keep-alive client shared by all its targets.
 */
export class HttpScraper {
  readonly accept: string
  readonly #cfg: ScraperOptions
  readonly #client: HttpClient

  constructor (cfg: ScraperOptions) {
    this.#cfg = cfg
    this.#client = new HttpClient(cfg.http_client ?? defaultHttpClientArgs(), { connections: CONNECTIONS_PER_ORIGIN })
    this.accept = acceptHeader(cfg.scrape_protocols ?? DEFAULT_SCRAPE_PROTOCOLS, cfg.metric_name_escaping_scheme)
  }

  /** Fetches url; rejects with a ScrapeError. `signal` cancels (pool stop); the timeout is its own. */
  async scrape (url: string, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResult & { body: Buffer }> {
    const ctl = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; ctl.abort() }, timeoutMs)
    const onAbort = (): void => ctl.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    const at = { url }
    try {
      const headers = {
        accept: this.accept,
        'accept-encoding': this.#cfg.enable_compression === false ? 'identity' : 'gzip',
        'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
      }
      const res = await this.#client.request(url, { headers, signal: ctl.signal, at })
      if (res.statusCode !== 200) {
        res.body.resume()
        throw new ScrapeError(`server returned HTTP status ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd(), 'http_status')
      }
      const ct = res.headers['content-type']
      const enc = res.headers['content-encoding']
      const { body, bytes } = await readBody(res.body, enc === 'gzip', this.#cfg.body_size_limit ?? 0)
      return { body, contentType: Array.isArray(ct) ? ct[0] : ct, bytes }
    } catch (err) {
      if (err instanceof ScrapeError) throw err
      if (err instanceof TooManyRedirects) throw new ScrapeError(err.message)
      if (err instanceof HttpClientConfigError) throw new ScrapeError(err.message, 'config')
      if (timedOut) {
        throw new ScrapeError(`Get ${JSON.stringify(at.url)}: context deadline exceeded (no complete response within the ${formatPromDuration(timeoutMs)} scrape timeout)`, 'timeout')
      }
      if (signal?.aborted === true) throw new ScrapeError('scrape cancelled', 'network')
      throw new ScrapeError(`Get ${JSON.stringify(at.url)}: ${describeNetworkError(err)}`)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async close (): Promise<void> {
    await this.#client.close()
  }
}

async function readBody (src: Readable, gzip: boolean, limit: number): Promise<{ body: Buffer, bytes: number }> {
  // Gzip bodies are read whole and inflated in one synchronous call: a streaming gunzip costs
  // a thread-pool round trip and a stream event per 16 KiB of output. Deflate never shrinks
  // data by more than its block overhead, so a compressed body much over the limit cannot
  // inflate to less than it and is refused early.
  const max = limit <= 0 ? 0 : gzip ? limit + Math.ceil(limit / 1000) + 1024 : limit
  const chunks: Buffer[] = []
  let bytes = 0
  try {
    for await (const chunk of src) {
      bytes += (chunk as Buffer).length
      if (max > 0 && bytes > max) {
        throw new ScrapeError('body size limit exceeded', 'body_size_limit')
      }
      chunks.push(chunk as Buffer)
    }
  } catch (err) {
    src.destroy()
    throw err
  }
  let buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes)
  if (gzip) {
    try {
      buf = gunzipSync(buf, gunzipOptions(buf, limit))
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ScrapeError('body size limit exceeded', 'body_size_limit')
      throw new ScrapeError(`gzip: ${(err as Error).message}`)
    }
    bytes = buf.length
  }
  // Not decoded here: one string of a body over 128 KiB costs a large-object allocation; the
  // parsers decode it in chunks.
  return { body: buf, bytes }
}

/** Largest output buffer allocated up front from a gzip size hint when no body limit applies. */
const MAX_SIZE_HINT = 64 << 20

/**
 * Inflate options: one output chunk of the size the gzip trailer announces (ISIZE, the last
 * 4 bytes: uncompressed length mod 2^32) instead of 16 KiB chunks joined by a final copy.
 * It is only a hint: a wrong or multi-member trailer just means more chunks, as before.
 */
export function gunzipOptions (gz: Buffer, limit: number): { maxOutputLength?: number, chunkSize?: number } {
  const o: { maxOutputLength?: number, chunkSize?: number } = {}
  if (limit > 0) o.maxOutputLength = limit
  if (gz.length >= 18) {
    // +1: a chunk filled exactly would make zlib allocate another one to look for more output.
    const size = gz.readUInt32LE(gz.length - 4) + 1
    // Capped by what deflate can produce from this input (at most ~1032:1) and by the limit,
    // so a lying trailer cannot make us allocate more than the body could ever need.
    o.chunkSize = Math.max(64, Math.min(size, gz.length * 1032 + 64, MAX_SIZE_HINT, limit > 0 ? limit + 1 : Infinity))
  }
  return o
}
