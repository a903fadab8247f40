// Alloy's HTTP client block (common/config HTTPClientConfig) as a schema, the arguments derived
// from it, and its Validate in Alloy's wording. Components squash `httpClientSchema` into their
// own arguments (prometheus.scrape, discovery.http, remote_write's endpoint, later import.http).
import { attr, block, t, type Decoded } from '../vm/schema.js'
import { TLS_VERSION_NAMES } from '../net/tls-versions.js'

export const tlsSchema = {
  ca_pem: attr(t.string, { default: '' }),
  ca_file: attr(t.string, { default: '' }),
  cert_pem: attr(t.string, { default: '' }),
  cert_file: attr(t.string, { default: '' }),
  key_pem: attr(t.secret),
  key_file: attr(t.string, { default: '' }),
  server_name: attr(t.string, { default: '' }),
  insecure_skip_verify: attr(t.bool, { default: false }),
  /** "" means TLS 1.2, as Alloy. */
  min_version: attr(t.enum('', ...TLS_VERSION_NAMES), { default: '' }),
}

export const basicAuthSchema = {
  username: attr(t.string, { default: '' }),
  password: attr(t.secret),
  password_file: attr(t.string, { default: '' }),
}

export const authorizationSchema = {
  type: attr(t.string, { default: 'Bearer' }),
  credentials: attr(t.secret),
  credentials_file: attr(t.string, { default: '' }),
}

export const oauth2Schema = {
  client_id: attr(t.string, { default: '' }),
  client_secret: attr(t.secret),
  client_secret_file: attr(t.string, { default: '' }),
  token_url: attr(t.string, { default: '' }),
  scopes: attr(t.array(t.string), { default: [] }),
  endpoint_params: attr(t.map(t.string), { default: {} }),
  /** client_credentials, or urn:ietf:params:oauth:grant-type:jwt-bearer (RFC 7523, with the keys below). */
  grant_type: attr(t.string, { default: 'client_credentials' }),
  client_certificate_key_id: attr(t.string, { default: '' }),
  client_certificate_key: attr(t.secret),
  client_certificate_key_file: attr(t.string, { default: '' }),
  signature_algorithm: attr(t.string, { default: 'RS256' }),
  iss: attr(t.string, { default: '' }),
  audience: attr(t.string, { default: '' }),
  claims: attr(t.map(t.any), { default: {} }),
  proxy_url: attr(t.string, { default: '' }),
  no_proxy: attr(t.string, { default: '' }),
  proxy_from_environment: attr(t.bool, { default: false }),
  proxy_connect_header: attr(t.map(t.array(t.secret)), { default: {} }),
  tls_config: block(tlsSchema),
}

/** The squashed HTTP client arguments, with Alloy's defaults. */
export const httpClientSchema = {
  basic_auth: block(basicAuthSchema),
  bearer_token: attr(t.secret),
  bearer_token_file: attr(t.string, { default: '' }),
  authorization: block(authorizationSchema),
  oauth2: block(oauth2Schema),
  tls_config: block(tlsSchema),
  proxy_url: attr(t.string, { default: '' }),
  no_proxy: attr(t.string, { default: '' }),
  proxy_from_environment: attr(t.bool, { default: false }),
  proxy_connect_header: attr(t.map(t.array(t.secret)), { default: {} }),
  follow_redirects: attr(t.bool, { default: true }),
  enable_http2: attr(t.bool, { default: true }),
  http_headers: attr(t.map(t.array(t.secret)), { default: {} }),
}

export type TlsArgs = Decoded<typeof tlsSchema>
export type OAuth2Args = Decoded<typeof oauth2Schema>
export type HttpClientArgs = Decoded<typeof httpClientSchema>

/** Alloy's defaults, for callers that build a client without a config block (tests, the CLI). */
export function defaultHttpClientArgs (over: Partial<HttpClientArgs> = {}): HttpClientArgs {
  return {
    basic_auth: undefined,
    bearer_token: undefined,
    bearer_token_file: '',
    authorization: undefined,
    oauth2: undefined,
    tls_config: undefined,
    proxy_url: '',
    no_proxy: '',
    proxy_from_environment: false,
    proxy_connect_header: {},
    follow_redirects: true,
    enable_http2: true,
    http_headers: {},
    ...over,
  }
}

const HTTP_CLIENT_KEYS = Object.keys(httpClientSchema) as Array<keyof HttpClientArgs>

/** The HTTP client block's own arguments out of a component's squashed ones (for the client and its change detection). */
export function pickHttpClientArgs (a: HttpClientArgs): HttpClientArgs {
  const out: Record<string, unknown> = {}
  for (const k of HTTP_CLIENT_KEYS) out[k] = a[k]
  return out as HttpClientArgs
}
