// The HTTP client of HTTP-based discovery: Alloy's HTTPClientConfig arguments (auth, TLS, proxy,
// redirects, extra headers) turned into an undici dispatcher and per-request headers. Credential
// files are read on every request, so rotated secrets take effect, as Prometheus does.
import { readFile } from 'node:fs/promises'
import type { SecureVersion } from 'node:tls'
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici'
import { authSchemas, tlsSchema, type AuthArgs, type TlsArgs } from '../components/common/http-client.js'
import { describeNetworkError, USER_AGENT } from '../scrape/scraper.js'
import { getFollowingRedirects, TooManyRedirects } from '../scrape/redirects.js'
import { attr, block, t } from '../vm/schema.js'
import type { Secret } from '../vm/value.js'

export interface HttpClientArgs extends AuthArgs {
  oauth2: unknown
  tls_config: TlsArgs | undefined
  proxy_url: string
  no_proxy: string
  proxy_from_environment: boolean
  proxy_connect_header: Record<string, Secret[]>
  follow_redirects: boolean
  enable_http2: boolean
  http_headers: Record<string, Secret[]>
}

/** The squashed HTTP client arguments, with Alloy's defaults. */
export const httpClientSchema = {
  ...authSchemas,
  tls_config: block(tlsSchema),
  proxy_url: attr(t.string, { default: '' }),
  no_proxy: attr(t.string, { default: '' }),
  proxy_from_environment: attr(t.bool, { default: false }),
  proxy_connect_header: attr(t.map(t.array(t.secret)), { default: {} }),
  follow_redirects: attr(t.bool, { default: true }),
  enable_http2: attr(t.bool, { default: true }),
  http_headers: attr(t.map(t.array(t.secret)), { default: {} }),
}

// Headers the client sets itself (prometheus/common's reserved list, lower-cased).
const RESERVED_HEADERS = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds',
  'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
])

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' }

/** Alloy's HTTPClientConfig.Validate, in its wording. */
export function validateHttpClient (a: HttpClientArgs): string[] {
  const problems: string[] = []
  const auths = [a.basic_auth, a.authorization, a.oauth2, a.bearer_token, a.bearer_token_file || undefined].filter(x => x !== undefined).length
  if (auths > 1) problems.push('at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured')
  if (a.oauth2 !== undefined) problems.push('oauth2 is not supported by shoal yet')
  if (a.basic_auth?.password !== undefined && a.basic_auth.password_file !== '') problems.push('at most one of basic_auth password & password_file must be configured')
  if (a.authorization?.credentials !== undefined && a.authorization.credentials_file !== '') problems.push('at most one of authorization credentials & credentials_file must be configured')
  if (a.authorization !== undefined && a.authorization.type.toLowerCase() === 'basic') problems.push('authorization type cannot be set to "basic", use "basic_auth" instead')
  for (const name of Object.keys(a.http_headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) problems.push(`setting header "${name}" is not allowed`)
  }
  const hasConnect = Object.keys(a.proxy_connect_header).length > 0
  if (hasConnect && !a.proxy_from_environment && a.proxy_url === '') problems.push('if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured')
  if (a.proxy_from_environment && a.proxy_url !== '') problems.push('if proxy_from_environment is configured, proxy_url must not be configured')
  if (a.proxy_from_environment && a.no_proxy !== '') problems.push('if proxy_from_environment is configured, no_proxy must not be configured')
  if (a.proxy_url === '' && a.no_proxy !== '') problems.push('if no_proxy is configured, proxy_url must also be configured')
  if (a.proxy_url !== '') {
    try { new URL(a.proxy_url) } catch { problems.push(`invalid proxy_url "${a.proxy_url}"`) }
  }
  const min = a.tls_config?.min_version ?? ''
  if (min !== '' && TLS_VERSIONS[min] === undefined) problems.push(`unknown TLS version: ${min}`)
  return problems
}

export interface HttpResponse {
  status: number
  contentType: string
  body: string
}

/** One keep-alive client per component instance; rebuild it when the arguments change. */
export class SdHttpClient {
  readonly #args: HttpClientArgs
  #dispatcher: Promise<Dispatcher> | undefined

  constructor (args: HttpClientArgs) {
    this.#args = args
  }

  /**
   * GETs url. Resolves with any final (non-redirect) response; rejects with Go-style messages
   * (`Get "url": ...`) for network errors and timeouts.
   */
  async get (url: string, opts: { headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal }): Promise<HttpResponse> {
    const ctl = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; ctl.abort() }, opts.timeoutMs)
    const onAbort = (): void => ctl.abort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const at = { url }
    try {
      const dispatcher = await this.#getDispatcher()
      const headers = { ...await this.#headers(), ...opts.headers }
      const res = await getFollowingRedirects({ dispatcher, headers, signal: ctl.signal, followRedirects: this.#args.follow_redirects, at })
      const ct = res.headers['content-type']
      return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body: await res.body.text() }
    } catch (err) {
      if (timedOut) throw new Error(`Get ${JSON.stringify(at.url)}: context deadline exceeded (Client.Timeout exceeded)`)
      if (opts.signal?.aborted === true) throw new Error(`Get ${JSON.stringify(at.url)}: context canceled`)
      if (err instanceof TooManyRedirects) throw err
      if ((err as { code?: string }).code === 'ERR_CONFIG') throw err
      throw new Error(`Get ${JSON.stringify(at.url)}: ${describeNetworkError(err)}`)
    } finally {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  async close (): Promise<void> {
    const d = this.#dispatcher
    this.#dispatcher = undefined
    if (d !== undefined) await (await d.catch(() => undefined))?.close()
  }

  #getDispatcher (): Promise<Dispatcher> {
    if (this.#dispatcher === undefined) {
      this.#dispatcher = buildDispatcher(this.#args)
      // A failed build (unreadable CA file) is retried on the next request.
      this.#dispatcher.catch(() => { this.#dispatcher = undefined })
    }
    return this.#dispatcher
  }

  async #headers (): Promise<Record<string, string>> {
    const a = this.#args
    const h: Record<string, string> = { 'user-agent': USER_AGENT }
    for (const [name, values] of Object.entries(a.http_headers)) {
      if (values.length > 0) h[name.toLowerCase()] = values.map(v => v.reveal()).join(', ')
    }
    if (a.basic_auth !== undefined) {
      const pw = a.basic_auth.password_file !== '' ? await readConfigFile(a.basic_auth.password_file, 'password_file') : (a.basic_auth.password?.reveal() ?? '')
      h.authorization = 'Basic ' + Buffer.from(`${a.basic_auth.username}:${pw}`).toString('base64')
    } else if (a.authorization !== undefined) {
      const cred = a.authorization.credentials_file !== '' ? await readConfigFile(a.authorization.credentials_file, 'credentials_file') : (a.authorization.credentials?.reveal() ?? '')
      h.authorization = `${a.authorization.type} ${cred}`
    } else if (a.bearer_token !== undefined) {
      h.authorization = 'Bearer ' + a.bearer_token.reveal()
    } else if (a.bearer_token_file !== '') {
      h.authorization = 'Bearer ' + await readConfigFile(a.bearer_token_file, 'bearer_token_file')
    }
    return h
  }
}

class ConfigError extends Error {
  readonly code = 'ERR_CONFIG'
}

async function readConfigFile (path: string, what: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim()
  } catch (err) {
    throw new ConfigError(`unable to read ${what} ${path}: ${(err as Error).message}`)
  }
}

async function pemOrFile (pem: string | undefined, file: string, what: string): Promise<string | undefined> {
  if (pem !== undefined && pem !== '') return pem
  if (file === '') return undefined
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError(`unable to read ${what} ${file}: ${(err as Error).message}`)
  }
}

async function buildDispatcher (a: HttpClientArgs): Promise<Dispatcher> {
  const t = a.tls_config
  const minVersion = t !== undefined && t.min_version !== '' ? TLS_VERSIONS[t.min_version] : 'TLSv1.2'
  if (minVersion === undefined) throw new ConfigError(`unknown TLS version: ${t?.min_version ?? ''}`)
  const tls = {
    ca: await pemOrFile(t?.ca_pem, t?.ca_file ?? '', 'ca_file'),
    cert: await pemOrFile(t?.cert_pem, t?.cert_file ?? '', 'cert_file'),
    key: await pemOrFile(t?.key_pem?.reveal(), t?.key_file ?? '', 'key_file'),
    servername: t !== undefined && t.server_name !== '' ? t.server_name : undefined,
    rejectUnauthorized: t?.insecure_skip_verify !== true,
    minVersion,
  }
  const common = { keepAliveTimeout: 90_000, allowH2: a.enable_http2, connect: tls }
  if (a.proxy_url === '' && !a.proxy_from_environment) return new Agent(common)
  const connectHeaders: Record<string, string> = {}
  for (const [name, values] of Object.entries(a.proxy_connect_header)) connectHeaders[name] = values.map(v => v.reveal()).join(', ')
  // EnvHttpProxyAgent does the no_proxy matching; with proxy_url it is told the proxy explicitly.
  return new EnvHttpProxyAgent({
    ...common,
    requestTls: tls,
    headers: connectHeaders,
    ...(a.proxy_url !== '' ? { httpProxy: a.proxy_url, httpsProxy: a.proxy_url, noProxy: a.no_proxy } : {}),
  })
}
