// The HTTP half of remote write: POSTs one compressed WriteRequest over the shared HTTP client
// (src/http-client/) and classifies the outcome as Prometheus does. 2xx ok; 5xx, network
// errors and timeouts recoverable; 429 recoverable when retry_on_http_429; any other status
// fatal for that batch.
import { HttpClient, defaultHttpClientArgs, describeNetworkError, HttpClientConfigError, TooManyRedirects } from '../http-client/index.js'
import type { ClientOptions } from './options.js'

export type StoreOutcome =
  | { kind: 'ok', status: number }
  /** Retry the same batch; `retryAfterMs` > 0 when the server said when (Retry-After). */
  | { kind: 'recoverable', status: number | undefined, retryAfterMs: number, message: string }
  /** Drop the batch. `message` holds the status and the first line of the response body. */
  | { kind: 'fatal', status: number | undefined, message: string }

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
  }

  /** Sends one snappy-compressed WriteRequest. Never throws; `signal` aborts (as recoverable). */
  async store (body: Uint8Array, attempt: number, signal?: AbortSignal): Promise<StoreOutcome> {
    const headers = attempt > 0 ? { ...this.headers, 'retry-attempt': String(attempt) } : this.headers
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
        return { kind: 'ok', status }
      }
      const text = await readPrefix(res.body, MAX_ERR_BODY)
      const message = `server returned HTTP status ${status}: ${firstLine(text)}`
      if (status >= 500 || (status === 429 && this.retryOn429)) {
        const ra = res.headers['retry-after']
        return { kind: 'recoverable', status, retryAfterMs: parseRetryAfter(Array.isArray(ra) ? ra[0] : ra), message }
      }
      return { kind: 'fatal', status, message }
    } catch (err) {
      // Network errors, timeouts, aborts and unreadable credential files: the batch may be retried.
      const message = timeout.aborted
        ? `request timed out after ${this.timeoutMs}ms`
        : err instanceof HttpClientConfigError || err instanceof TooManyRedirects ? (err as Error).message : describeNetworkError(err)
      return { kind: 'recoverable', status: undefined, retryAfterMs: 0, message }
    }
  }

  async close (): Promise<void> {
    await this.client.close()
  }
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
