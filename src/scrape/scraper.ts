// One HTTP GET per scrape, as Prometheus's targetScraper does: Accept negotiation, gzip,
// a body size limit enforced while streaming, auth, TLS, proxy, redirects, and a single
// deadline over the whole exchange. Failures are one-line reasons in Go's wording where
// Prometheus users know it ("server returned HTTP status 404 Not Found").
import { readFile } from 'node:fs/promises'
import { STATUS_CODES } from 'node:http'
import type { Readable } from 'node:stream'
import type { SecureVersion } from 'node:tls'
import { gunzipSync } from 'node:zlib'
import { Agent, ProxyAgent, type Dispatcher } from 'undici'
import { getFollowingRedirects, TooManyRedirects } from './redirects.js'
import type { HTTPClientConfig } from './config.js'
import { DEFAULT_SCRAPE_PROTOCOLS } from './config.js'
import { formatPromDuration } from './duration.js'

export const USER_AGENT = 'shoal/0.1.0'

/** Media types per scrape protocol (Prometheus's ScrapeProtocolsHeaders, text formats we parse). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<string, string>> = {
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
}

/**
 * The Accept header for the given protocols, in order of preference. The q-values follow
 * Prometheus 2.x (which knew four protocols, so the first gets q=0.5), giving for the
 * defaults exactly what Prometheus 2 sends:
 * `application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*∕*;q=0.2`
 */
export function acceptHeader (protocols: readonly string[] = DEFAULT_SCRAPE_PROTOCOLS): string {
  let weight = 5
  const vals: string[] = []
  for (const p of protocols) {
    const media = SCRAPE_PROTOCOL_HEADERS[p]
    if (media === undefined) throw new Error(`invalid scrape protocol ${JSON.stringify(p)}: supported are ${Object.keys(SCRAPE_PROTOCOL_HEADERS).join(', ')}`)
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

export interface ScraperOptions extends HTTPClientConfig {
  scrape_protocols?: string[]
  /** Bytes of uncompressed body; 0 = no limit. */
  body_size_limit?: number
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' }

/**
 * The HTTP client of one scrape pool: one keep-alive agent shared by all its targets.
 */
export class HttpScraper {
  readonly accept: string
  readonly #cfg: ScraperOptions
  #dispatcher: Promise<Dispatcher> | undefined

  constructor (cfg: ScraperOptions) {
    this.#cfg = cfg
    this.accept = acceptHeader(cfg.scrape_protocols ?? DEFAULT_SCRAPE_PROTOCOLS)
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
      const dispatcher = await this.#getDispatcher()
      const headers = await this.#headers(timeoutMs)
      const res = await getFollowingRedirects({ dispatcher, headers, signal: ctl.signal, followRedirects: this.#cfg.follow_redirects !== false, at })
      if (res.statusCode !== 200) {
        res.body.resume()
        throw new ScrapeError(`server returned HTTP status ${res.statusCode} ${STATUS_CODES[res.statusCode] ?? ''}`.trimEnd(), 'http_status')
      }
      const ct = res.headers['content-type']
      const enc = res.headers['content-encoding']
      const { body, bytes } = await readBody(res.body as unknown as Readable, enc === 'gzip', this.#cfg.body_size_limit ?? 0)
      return { body, contentType: Array.isArray(ct) ? ct[0] : ct, bytes }
    } catch (err) {
      if (err instanceof ScrapeError) throw err
      if (err instanceof TooManyRedirects) throw new ScrapeError(err.message)
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
    const d = this.#dispatcher
    this.#dispatcher = undefined
    if (d !== undefined) await (await d.catch(() => undefined))?.close()
  }

  #getDispatcher (): Promise<Dispatcher> {
    if (this.#dispatcher === undefined) {
      this.#dispatcher = buildDispatcher(this.#cfg)
      // A failed build (unreadable CA file) is retried on the next scrape.
      this.#dispatcher.catch(() => { this.#dispatcher = undefined })
    }
    return this.#dispatcher
  }

  async #headers (timeoutMs: number): Promise<Record<string, string>> {
    const cfg = this.#cfg
    const h: Record<string, string> = {
      accept: this.accept,
      'accept-encoding': cfg.enable_compression === false ? 'identity' : 'gzip',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': String(timeoutMs / 1000),
    }
    // Files are read on every scrape so rotated credentials take effect, as Prometheus does.
    if (cfg.basic_auth !== undefined) {
      const pw = cfg.basic_auth.password_file !== undefined
        ? (await readSecretFile(cfg.basic_auth.password_file, 'password_file'))
        : (cfg.basic_auth.password?.reveal() ?? '')
      h.authorization = 'Basic ' + Buffer.from(`${cfg.basic_auth.username}:${pw}`).toString('base64')
    } else if (cfg.authorization !== undefined) {
      const cred = cfg.authorization.credentials_file !== undefined
        ? await readSecretFile(cfg.authorization.credentials_file, 'credentials_file')
        : (cfg.authorization.credentials?.reveal() ?? '')
      h.authorization = `${cfg.authorization.type ?? 'Bearer'} ${cred}`
    } else if (cfg.bearer_token !== undefined) {
      h.authorization = 'Bearer ' + cfg.bearer_token.reveal()
    } else if (cfg.bearer_token_file !== undefined) {
      h.authorization = 'Bearer ' + await readSecretFile(cfg.bearer_token_file, 'bearer_token_file')
    }
    return h
  }
}

async function readSecretFile (path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (err) {
    throw new ScrapeError(`unable to read ${what} ${path}: ${(err as Error).message}`, 'config')
  }
}

async function readOpt (pem: string | undefined, file: string | undefined, what: string): Promise<string | undefined> {
  if (pem !== undefined && pem !== '') return pem
  if (file === undefined || file === '') return undefined
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new ScrapeError(`unable to read ${what} ${file}: ${(err as Error).message}`, 'config')
  }
}

async function buildDispatcher (cfg: ScraperOptions): Promise<Dispatcher> {
  const t = cfg.tls_config ?? {}
  const minVersion = t.min_version !== undefined ? TLS_VERSIONS[t.min_version] : 'TLSv1.2'
  if (minVersion === undefined) throw new ScrapeError(`unknown TLS version: ${t.min_version}`, 'config')
  const tls = {
    ca: await readOpt(t.ca_pem, t.ca_file, 'ca_file'),
    cert: await readOpt(t.cert_pem, t.cert_file, 'cert_file'),
    key: await readOpt(t.key_pem?.reveal(), t.key_file, 'key_file'),
    servername: t.server_name,
    rejectUnauthorized: t.insecure_skip_verify !== true,
    minVersion,
  }
  const common = { keepAliveTimeout: 90_000, connections: 64 }
  if (cfg.proxy_url !== undefined && cfg.proxy_url !== '') {
    // Plain-http targets go through the proxy as absolute-URI requests, https ones tunnel.
    return new ProxyAgent({ ...common, uri: cfg.proxy_url, requestTls: tls, proxyTunnel: false })
  }
  return new Agent({ ...common, connect: tls })
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

/** Go-flavoured wording for the usual socket failures. */
export function describeNetworkError (err: unknown): string {
  let e = err as { code?: string, message?: string, address?: string, port?: number, hostname?: string, cause?: unknown }
  // undici wraps socket errors: the useful code is on the cause.
  while (e.code === undefined && e.cause !== undefined && e.cause !== null) e = e.cause as typeof e
  const where = e.address !== undefined ? `${e.address}${e.port !== undefined ? ':' + e.port : ''}` : ''
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${where}: connect: connection refused`
    case 'ENOTFOUND': case 'EAI_AGAIN': return `dial tcp: lookup ${e.hostname ?? ''}: no such host`
    case 'ECONNRESET': return 'read: connection reset by peer'
    case 'EHOSTUNREACH': return `dial tcp ${where}: connect: no route to host`
    case 'ENETUNREACH': return `dial tcp ${where}: connect: network is unreachable`
    case 'ETIMEDOUT': case 'UND_ERR_CONNECT_TIMEOUT': return `dial tcp ${where}: i/o timeout`
    case 'UND_ERR_SOCKET': return `connection closed by the target: ${e.message ?? ''}`
    default:
      if (e.code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(e.code)) return `tls: ${e.message ?? e.code}`
      return e.message ?? String(err)
  }
}
