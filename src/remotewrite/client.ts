// The HTTP half of remote write: POSTs one compressed WriteRequest over the shared HTTP client
// (src/http-client/) and classifies the outcome as Prometheus does. 2xx ok; 5xx, network
// errors and timeouts recoverable; 429 recoverable when retry_on_http_429; any other status
// fatal for that batch.
import { HttpClient, defaultHttpClientArgs, describeNetworkError, HttpClientConfigError, TooManyRedirects } from '../http-client/index.js'
import type { ClientOptions } from './options.js'

export type StoreOutcome =
  /** `written`: what a 2.0 receiver said it wrote (X-Prometheus-Remote-Write-*-Written), when it said. */
  | { kind: 'ok', status: number, written?: WrittenCounts }
  /** The receiver speaks only 1.0 (415, or a 2xx without the 2.0 response headers): encode the batch again as 1.0 and resend. */
  | { kind: 'downgrade', status: number, message: string }
  /** Retry the same batch; `retryAfterMs` > 0 when the server said when (Retry-After). */
  | { kind: 'recoverable', status: number | undefined, retryAfterMs: number, message: string }
  /** Drop the batch. `message` holds the status and the first line of the response body. */
  | { kind: 'fatal', status: number | undefined, message: string }

export interface WrittenCounts { samples: number, histograms: number, exemplars: number }

/** Remote write 2.0's Content-Type; 1.0's is plain application/x-protobuf (proto=prometheus.WriteRequest). */
export const CONTENT_TYPE_V2 = 'application/x-protobuf;proto=io.prometheus.write.v2.Request'

/** Longest part of an error response body kept for the log (Prometheus: 1024). */
const MAX_ERR_BODY = 1024

/**
 * Parses Retry-After (delay-seconds or an HTTP date) into milliseconds from `now`.
 * Returns 0 when absent, unparsable or in the past (the caller then uses its own backoff).
 */
export function parseRetryAfter (header: string | undefined, now = Date.now()): number {
  if (header === undefined) return 0
  const h = header.trim()
  if (/^\d+$/.test(h)) return Number(h) * 1000
  const date = Date.parse(h)
  if (Number.isNaN(date)) return 0
  return Math.max(0, date - now)
}

export class WriteClient {
  readonly url: string
  private readonly client: HttpClient
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number
  private readonly retryOn429: boolean
  /** Sending 2.0 until the receiver shows it only takes 1.0. */
  v2: boolean

  constructor (opts: ClientOptions) {
    this.url = opts.url
    this.timeoutMs = opts.remoteTimeoutMs
    this.retryOn429 = opts.retryOnHttp429
    // One keep-alive pool to the receiver, as many connections as shards send at once.
    this.client = new HttpClient(opts.http ?? defaultHttpClientArgs(), { keepAliveTimeoutMs: 30_000, userAgent: opts.userAgent, authorize: opts.authorize })
    const h: Record<string, string> = {}
    for (const [k, v] of Object.entries(opts.headers ?? {})) h[k.toLowerCase()] = v
    // The protocol headers last, so `headers` cannot override them by accident.
    h['content-encoding'] = 'snappy'
    h['content-type'] = 'application/x-protobuf'
    h['x-prometheus-remote-write-version'] = '0.1.0'
    this.headers = h
    this.v2 = opts.protobufMessage === 'io.prometheus.write.v2.Request'
  }

  private headersFor (attempt: number): Record<string, string> {
    const h = this.v2 ? { ...this.headers, 'content-type': CONTENT_TYPE_V2, 'x-prometheus-remote-write-version': '2.0.0' } : this.headers
    return attempt > 0 ? { ...h, 'retry-attempt': String(attempt) } : h
  }

  /** Sends one snappy-compressed WriteRequest. Never throws; `signal` aborts (as recoverable). */
  async store (body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<StoreOutcome> {
    const v2 = this.v2
    const headers = this.headersFor(attempt)
    const timeout = AbortSignal.timeout(this.timeoutMs)
    try {
      const res = await this.client.request(this.url, {
        method: 'POST',
        headers,
        body,
        signal: signal !== undefined ? AbortSignal.any([signal, timeout]) : timeout,
      })
      const status = res.statusCode
      if (status >= 200 && status < 300) {
        await res.body.dump()
        if (!v2) return { kind: 'ok', status }
        const written = writtenCounts(res.headers)
        // A 1.0 receiver decodes a 2.0 body as an empty 1.0 request and answers 2xx without the headers.
        if (written === undefined) { this.v2 = false; return { kind: 'downgrade', status, message: `receiver answered HTTP ${status} without X-Prometheus-Remote-Write-*-Written headers` } }
        return { kind: 'ok', status, written }
      }
      const text = await readPrefix(res.body, MAX_ERR_BODY)
      const message = `server returned HTTP status ${status}: ${firstLine(text)}`
      if (v2 && status === 415) { this.v2 = false; return { kind: 'downgrade', status, message } }
      if (status >= 500 || (status === 429 && this.retryOn429)) {
        const ra = res.headers['retry-after']
        return { kind: 'recoverable', status, retryAfterMs: parseRetryAfter(Array.isArray(ra) ? ra[0] : ra), message }
      }
      return { kind: 'fatal', status, message }
    } catch (err) {
      // Network errors, timeouts, aborts and unreadable credential files: the batch may be retried.
      const message = timeout.aborted
        ? `request timed out after ${this.timeoutMs}ms`
        : err instanceof HttpClientConfigError || err instanceof TooManyRedirects ? (err).message : describeNetworkError(err)
      return { kind: 'recoverable', status: undefined, retryAfterMs: 0, message }
    }
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}

function writtenCounts (headers: Record<string, string | string[] | undefined>): WrittenCounts | undefined {
  const get = (k: string): number | undefined => {
    const v = headers[`x-prometheus-remote-write-${k}-written`]
    const s = Array.isArray(v) ? v[0] : v
    if (s === undefined || !/^\s*\d+\s*$/.test(s)) return undefined
    return Number(s)
  }
  const samples = get('samples'); const histograms = get('histograms'); const exemplars = get('exemplars')
  if (samples === undefined && histograms === undefined && exemplars === undefined) return undefined
  return { samples: samples ?? 0, histograms: histograms ?? 0, exemplars: exemplars ?? 0 }
}

async function readPrefix (body: AsyncIterable<Uint8Array> & { dump: () => Promise<void> }, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk))
    n += chunk.length
    if (n >= max) break
  }
  // Breaking out of the iterator destroys the stream; undici then closes that connection.
  return Buffer.concat(chunks).subarray(0, max).toString('utf8')
}

function firstLine (s: string): string {
  const i = s.indexOf('\n')
  return (i === -1 ? s : s.slice(0, i)).trim()
}
