// One HTTP client for every outbound request shoal makes on a user's behalf (scrapes, HTTP
// discovery, remote write, later import.http): Alloy's HTTP client block turned into one
// undici dispatcher (pool, TLS, proxy) plus the headers every request carries (User-Agent,
// http_headers, auth), and redirects followed as Go's http.Client follows them.
import { request, type Dispatcher } from 'undici'
import { VERSION } from '../version.js'
import { buildDispatcher, type PoolOptions } from './dispatcher.js'
import { TooManyRedirects } from './errors.js'
import { readConfigFile } from './files.js'
import { OAuth2TokenSource } from './oauth2.js'
import type { HttpClientArgs } from './schema.js'

/** The one User-Agent of shoal's requests. */
export const USER_AGENT = `shoal/${VERSION}`

/** Go's http.Client gives up on the 10th redirect response. */
export const MAX_REDIRECTS = 10

export interface HttpClientInit {
  /** Most connections per origin. Default: no limit. */
  connections?: number
  /** Idle keep-alive time of a connection. Default: 90 s (Go's transport default). */
  keepAliveTimeoutMs?: number
  /** Default: `shoal/<package version>`. */
  userAgent?: string
  /**
   * Signs or authorises each request sent (each redirect hop to the first host too), after the
   * client's own headers: remote_write's sigv4 and azuread. Its headers win.
   */
  authorize?: RequestAuthorizer
}

/** What an authorizer sees of a request about to be sent. */
export interface OutgoingRequest {
  method: string
  url: string
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>
  body: Uint8Array | undefined
  signal: AbortSignal
}

export interface RequestAuthorizer {
  /** The headers to add (lower-case names); rejects with HttpClientConfigError when credentials are unusable. */
  headers (req: OutgoingRequest): Promise<Record<string, string>>
  close? (): Promise<void>
}

export interface RequestOptions {
  /** Default GET. */
  method?: string
  /** The caller's protocol headers (lower-case names); they win over the client's own. */
  headers?: Record<string, string>
  body?: Uint8Array
  signal: AbortSignal
  /** Set to each URL asked, so an error message can name the one that failed. */
  at?: { url: string }
}

export function isRedirect (status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/** One keep-alive client per configuration; build a new one when the arguments change. */
export class HttpClient {
  readonly args: HttpClientArgs
  readonly #pool: PoolOptions
  readonly #userAgent: string
  readonly #authorize: RequestAuthorizer | undefined
  readonly #oauth2: OAuth2TokenSource | undefined
  #dispatcher: Promise<Dispatcher> | undefined

  constructor (args: HttpClientArgs, init: HttpClientInit = {}) {
    this.args = args
    this.#pool = { connections: init.connections, keepAliveTimeoutMs: init.keepAliveTimeoutMs ?? 90_000 }
    this.#userAgent = init.userAgent ?? USER_AGENT
    this.#authorize = init.authorize
    this.#oauth2 = args.oauth2 !== undefined ? new OAuth2TokenSource(args.oauth2, this.#userAgent) : undefined
  }

  /**
   * Sends a request and resolves with the final response, its body unread. Rejects with
   * HttpClientConfigError (unusable files), TooManyRedirects, or undici's network errors.
   * Credentials go only to the host first asked; a 301/302/303 answer to a POST is followed
   * with a GET without body and 307/308 repeat the request, as Go does.
   */
  async request (url: string, o: RequestOptions): Promise<Dispatcher.ResponseData> {
    const at = o.at ?? { url }
    at.url = url
    const dispatcher = await this.dispatcher()
    const own = await this.headers(o.signal)
    const origin = new URL(url).host
    let method = o.method ?? 'GET'
    let body = o.body
    for (let redirects = 0; ; redirects++) {
      const current = at.url
      const base = { ...own, ...o.headers }
      const sameHost = new URL(current).host === origin
      let headers = sameHost ? base : withoutAuth(base)
      if (this.#authorize !== undefined && sameHost) headers = { ...headers, ...await this.#authorize.headers({ method, url: current, headers, body, signal: o.signal }) }
      const res = await request(current, { method, dispatcher, signal: o.signal, headers, body })
      const location = res.headers.location
      if (!this.args.follow_redirects || !isRedirect(res.statusCode) || typeof location !== 'string') return res
      await res.body.dump()
      if (redirects + 1 >= MAX_REDIRECTS) throw new TooManyRedirects(`${goMethod(method)} ${JSON.stringify(current)}: stopped after ${MAX_REDIRECTS} redirects`)
      if (res.statusCode <= 303 && method !== 'GET' && method !== 'HEAD') { method = 'GET'; body = undefined }
      at.url = new URL(location, current).toString()
    }
  }

  /** The headers every request carries: User-Agent, http_headers and auth (credential files read now). */
  async headers (signal: AbortSignal = AbortSignal.timeout(30_000)): Promise<Record<string, string>> {
    const a = this.args
    const h: Record<string, string> = { 'user-agent': this.#userAgent }
    for (const [name, values] of Object.entries(a.http_headers)) {
      if (values.length > 0) h[name.toLowerCase()] = values.map(v => v.reveal()).join(', ')
    }
    if (a.basic_auth !== undefined) {
      const pw = a.basic_auth.password_file !== '' ? await readCredential(a.basic_auth.password_file, 'password_file') : (a.basic_auth.password?.reveal() ?? '')
      h.authorization = 'Basic ' + Buffer.from(`${a.basic_auth.username}:${pw}`).toString('base64')
    } else if (a.authorization !== undefined) {
      const cred = a.authorization.credentials_file !== '' ? await readCredential(a.authorization.credentials_file, 'credentials_file') : (a.authorization.credentials?.reveal() ?? '')
      h.authorization = `${a.authorization.type} ${cred}`
    } else if (this.#oauth2 !== undefined) {
      h.authorization = await this.#oauth2.authorization(signal)
    } else if (a.bearer_token !== undefined) {
      h.authorization = 'Bearer ' + a.bearer_token.reveal()
    } else if (a.bearer_token_file !== '') {
      h.authorization = 'Bearer ' + await readCredential(a.bearer_token_file, 'bearer_token_file')
    }
    return h
  }

  /** The dispatcher, built on first use; a failed build (unreadable CA file) is retried next time. */
  dispatcher (): Promise<Dispatcher> {
    if (this.#dispatcher === undefined) {
      const d = buildDispatcher(this.args, this.#pool)
      this.#dispatcher = d
      d.catch(() => { if (this.#dispatcher === d) this.#dispatcher = undefined })
    }
    return this.#dispatcher
  }

  async close (): Promise<void> {
    const d = this.#dispatcher
    this.#dispatcher = undefined
    if (d !== undefined) await (await d.catch(() => undefined))?.close()
    await this.#oauth2?.close()
    await this.#authorize?.close?.()
  }
}

/** Headers for a redirect to another host: credentials are not sent along. */
export function withoutAuth (h: Record<string, string>): Record<string, string> {
  const { authorization: _, ...rest } = h
  return rest
}

async function readCredential (path: string, what: string): Promise<string> {
  return (await readConfigFile(path, what)).trim()
}

const goMethod = (m: string): string => m.charAt(0) + m.slice(1).toLowerCase()

