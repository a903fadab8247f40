// The oauth2 block: OAuth 2.0 client credentials (RFC 6749 §4.4) as Go's
// golang.org/x/oauth2/clientcredentials does it for Prometheus, or a JWT bearer grant
// (RFC 7523 §2.1) signed with client_certificate_key as prometheus/common does. The token is
// fetched from token_url over its own connection (the block's own tls_config and proxy
// options), cached until 10 s before it expires, and fetched again when the secret or key
// (files read at each request) changes.
import { createSign, randomUUID } from 'node:crypto'
import { request, type Dispatcher } from 'undici'
import { buildDispatcher } from './dispatcher.js'
import { readConfigFile } from './files.js'
import type { OAuth2Args } from './schema.js'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** Lifetime of a JWT assertion (prometheus/common's default). */
const ASSERTION_LIFETIME_S = 600

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
    const o = this.#o
    const secret = o.grant_type === JWT_BEARER_GRANT
      ? (o.client_certificate_key_file !== '' ? await readConfigFile(o.client_certificate_key_file, 'client_certificate_key_file') : (o.client_certificate_key?.reveal() ?? ''))
      : o.client_secret_file !== ''
        ? (await readConfigFile(o.client_secret_file, 'client_secret_file')).trim()
        : (o.client_secret?.reveal() ?? '')
    if (secret !== this.#secret) { this.#secret = secret; this.#token = undefined }
    const tok = this.#token
    if (tok !== undefined && now < tok.expiresAt - EXPIRY_DELTA_MS) return tok.header
    this.#inflight ??= this.#fetch(secret, signal).finally(() => { this.#inflight = undefined })
    const fresh = await this.#inflight
    this.#token = fresh
    return fresh.header
  }

  async #fetch (secret: string, signal: AbortSignal): Promise<Token> {
    if (this.#o.grant_type === JWT_BEARER_GRANT) return this.#parse(await this.#post(secret, false, signal))
    const first = await this.#post(secret, this.#inBody, signal)
    if (first.ok || this.#inBody || first.status < 400 || first.status >= 500) return this.#parse(first)
    const second = await this.#post(secret, true, signal)
    if (second.ok) this.#inBody = true
    return this.#parse(second)
  }

  async #post (secret: string, inBody: boolean, signal: AbortSignal): Promise<{ ok: boolean, status: number, text: string, contentType: string }> {
    const o = this.#o
    const form = new URLSearchParams()
    const jwt = o.grant_type === JWT_BEARER_GRANT
    form.set('grant_type', jwt ? JWT_BEARER_GRANT : 'client_credentials')
    // The JWT grant carries its scopes in the assertion, as prometheus/common's.
    if (jwt) form.set('assertion', this.#assertion(secret))
    else if (o.scopes.length > 0) form.set('scope', o.scopes.join(' '))
    for (const [k, v] of Object.entries(o.endpoint_params)) form.set(k, v)
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.#userAgent, accept: 'application/json' }
    if (jwt) {
      // RFC 7523 §3.1: the assertion authenticates; no client credentials.
    } else if (inBody) {
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

  /** The signed JWT of RFC 7523 §3: iss, sub, aud, jti, iat, exp, scope and the block's claims. */
  #assertion (pem: string): string {
    const o = this.#o
    const now = Math.floor(Date.now() / 1000)
    const header: Record<string, string> = { alg: o.signature_algorithm, typ: 'JWT', ...(o.client_certificate_key_id !== '' ? { kid: o.client_certificate_key_id } : {}) }
    const claims: Record<string, unknown> = {
      iss: o.iss !== '' ? o.iss : o.client_id,
      sub: o.client_id,
      jti: randomUUID(),
      aud: o.audience !== '' ? o.audience : o.token_url,
      iat: now,
      exp: now + ASSERTION_LIFETIME_S,
      ...(o.scopes.length > 0 ? { scope: o.scopes.join(' ') } : {}),
      ...o.claims,
    }
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
    const input = `${b64(header)}.${b64(claims)}`
    let sig: string
    try {
      sig = createSign('SHA' + o.signature_algorithm.slice(2)).update(input).sign(pem).toString('base64url')
    } catch (err) {
      throw new OAuth2TokenError(`oauth2: cannot sign the JWT assertion with client_certificate_key: ${(err as Error).message}`)
    }
    return `${input}.${sig}`
  }

  #parse (r: { ok: boolean, status: number, text: string, contentType: string }): Token {
    const url = this.#o.token_url
    if (!r.ok) throw new OAuth2TokenError(`oauth2: cannot fetch token: ${r.status}\nResponse: ${r.text.slice(0, 1024)}`)
    let fields: Record<string, unknown>
    if (/^(application\/x-www-form-urlencoded|text\/plain)/.test(r.contentType)) {
      fields = Object.fromEntries(new URLSearchParams(r.text))
    } else {
      try { fields = JSON.parse(r.text) as Record<string, unknown> } catch { throw new OAuth2TokenError(`oauth2: cannot parse json from ${url}`) }
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
