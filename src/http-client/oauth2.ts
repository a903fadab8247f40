// The oauth2 block: OAuth 2.0 client credentials (RFC 6749 §4.4) as Go's
// golang.org/x/oauth2/clientcredentials does it for Prometheus. The token is fetched from
// token_url over its own connection (the block's own tls_config and proxy options), cached
// until 10 s before it expires, and fetched again when client_secret_file changes.
import { request, type Dispatcher } from 'undici'
import { buildDispatcher } from './dispatcher.js'
import { readConfigFile } from './files.js'
import type { OAuth2Args } from './schema.js'

/** Go's oauth2 treats a token as expired this long before its expiry. */
export const EXPIRY_DELTA_MS = 10_000

/** The token endpoint answered with an error or something that is not a token. */
export class OAuth2TokenError extends Error {
  override name = 'OAuth2TokenError'
}

interface Token { header: string, expiresAt: number }

export class OAuth2TokenSource {
  readonly #o: OAuth2Args
  readonly #userAgent: string
  #dispatcher: Promise<Dispatcher> | undefined
  #token: Token | undefined
  #secret = ''
  #inflight: Promise<Token> | undefined
  /** Go's AuthStyleAutoDetect: credentials in a Basic header first, in the form if the server refuses that. */
  #inBody = false

  constructor (o: OAuth2Args, userAgent: string) {
    this.#o = o
    this.#userAgent = userAgent
  }

  /** The Authorization header value for the next request. */
  async authorization (signal: AbortSignal, now = Date.now()): Promise<string> {
    const secret = this.#o.client_secret_file !== ''
      ? (await readConfigFile(this.#o.client_secret_file, 'client_secret_file')).trim()
      : (this.#o.client_secret?.reveal() ?? '')
    if (secret !== this.#secret) { this.#secret = secret; this.#token = undefined }
    const tok = this.#token
    if (tok !== undefined && now < tok.expiresAt - EXPIRY_DELTA_MS) return tok.header
    this.#inflight ??= this.#fetch(secret, signal).finally(() => { this.#inflight = undefined })
    const fresh = await this.#inflight
    this.#token = fresh
    return fresh.header
  }

  async #fetch (secret: string, signal: AbortSignal): Promise<Token> {
    const first = await this.#post(secret, this.#inBody, signal)
    if (first.ok || this.#inBody || first.status < 400 || first.status >= 500) return this.#parse(first)
    const second = await this.#post(secret, true, signal)
    if (second.ok) this.#inBody = true
    return this.#parse(second)
  }

  async #post (secret: string, inBody: boolean, signal: AbortSignal): Promise<{ ok: boolean, status: number, text: string, contentType: string }> {
    const o = this.#o
    const form = new URLSearchParams()
    form.set('grant_type', 'client_credentials')
    if (o.scopes.length > 0) form.set('scope', o.scopes.join(' '))
    for (const [k, v] of Object.entries(o.endpoint_params)) form.set(k, v)
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.#userAgent, accept: 'application/json' }
    if (inBody) {
      form.set('client_id', o.client_id)
      form.set('client_secret', secret)
    } else {
      // RFC 6749 §2.3.1: both URL-encoded before the Basic encoding.
      headers.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(o.client_id)}:${encodeURIComponent(secret)}`).toString('base64')
    }
    const dispatcher = await this.#dispatcherOnce()
    let res: Dispatcher.ResponseData
    try {
      res = await request(o.token_url, { method: 'POST', headers, body: form.toString(), dispatcher, signal })
    } catch (err) {
      throw new OAuth2TokenError(`oauth2: cannot fetch token from ${o.token_url}: ${(err as Error).message}`)
    }
    const text = await res.body.text()
    const ct = res.headers['content-type']
    return { ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, text, contentType: Array.isArray(ct) ? ct[0] : (ct ?? '') }
  }

  #parse (r: { ok: boolean, status: number, text: string, contentType: string }): Token {
    const url = this.#o.token_url
    if (!r.ok) throw new OAuth2TokenError(`oauth2: cannot fetch token: ${r.status}\nResponse: ${r.text.slice(0, 1024)}`)
    let fields: Record<string, unknown>
    if (/^(application\/x-www-form-urlencoded|text\/plain)/.test(r.contentType)) {
      fields = Object.fromEntries(new URLSearchParams(r.text))
    } else {
      try { fields = JSON.parse(r.text) } catch { throw new OAuth2TokenError(`oauth2: cannot parse json from ${url}`) }
    }
    const access = fields.access_token
    if (typeof access !== 'string' || access === '') throw new OAuth2TokenError('oauth2: server response missing access_token')
    const type = typeof fields.token_type === 'string' && fields.token_type !== '' ? fields.token_type : 'Bearer'
    // Go's Token.Type(): "bearer", "mac" and "basic" are capitalised, other types are kept.
    const canon: Record<string, string> = { bearer: 'Bearer', mac: 'MAC', basic: 'Basic' }
    const expiresIn = Number(fields.expires_in)
    return {
      header: `${canon[type.toLowerCase()] ?? type} ${access}`,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
    }
  }

  #dispatcherOnce (): Promise<Dispatcher> {
    if (this.#dispatcher === undefined) {
      const o = this.#o
      const d = buildDispatcher({ ...o, enable_http2: true }, { keepAliveTimeoutMs: 90_000 })
      this.#dispatcher = d
      d.catch(() => { if (this.#dispatcher === d) this.#dispatcher = undefined })
    }
    return this.#dispatcher
  }

  async close (): Promise<void> {
    const d = this.#dispatcher
    this.#dispatcher = undefined
    if (d !== undefined) await (await d.catch(() => undefined))?.close()
  }
}
