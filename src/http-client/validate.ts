// Alloy's HTTPClientConfig.Validate over the decoded arguments.
import type { DispatcherArgs } from './dispatcher.js'
import { JWT_BEARER_GRANT } from './oauth2.js'
import type { HttpClientArgs, OAuth2Args, TlsArgs } from './schema.js'

// Headers the client sets itself (prometheus/common's reserved list, lower-cased).
const RESERVED_HEADERS = new Set([
  'authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection',
  'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding',
  'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds',
  'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
])

/** Alloy's HTTPClientConfig.Validate, in its wording. */
export function validateHttpClient (a: HttpClientArgs): string[] {
  const problems: string[] = []
  const given: unknown[] = [a.basic_auth, a.authorization, a.oauth2, a.bearer_token, a.bearer_token_file || undefined]
  const auths = given.filter(x => x !== undefined).length
  if (auths > 1) problems.push('at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured')
  if (a.basic_auth?.password !== undefined && a.basic_auth.password_file !== '') problems.push('at most one of basic_auth password & password_file must be configured')
  if (a.authorization?.credentials !== undefined && a.authorization.credentials_file !== '') problems.push('at most one of authorization credentials & credentials_file must be configured')
  if (a.authorization !== undefined && a.authorization.type.toLowerCase() === 'basic') problems.push('authorization type cannot be set to "basic", use "basic_auth" instead')
  for (const name of Object.keys(a.http_headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) problems.push(`setting header "${name}" is not allowed`)
  }
  problems.push(...validateProxy(a))
  if (a.tls_config !== undefined) problems.push(...validateTls(a.tls_config))
  if (a.oauth2 !== undefined) problems.push(...validateOAuth2(a.oauth2))
  return problems
}

/** Alloy's ProxyConfig.Validate (shared by the client block and its oauth2 block). */
function validateProxy (a: Omit<DispatcherArgs, 'tls_config' | 'enable_http2'>): string[] {
  const problems: string[] = []
  const hasConnect = Object.keys(a.proxy_connect_header).length > 0
  if (hasConnect && !a.proxy_from_environment && a.proxy_url === '') problems.push('if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured')
  if (a.proxy_from_environment && a.proxy_url !== '') problems.push('if proxy_from_environment is configured, proxy_url must not be configured')
  if (a.proxy_from_environment && a.no_proxy !== '') problems.push('if proxy_from_environment is configured, no_proxy must not be configured')
  if (a.proxy_url === '' && a.no_proxy !== '') problems.push('if no_proxy is configured, proxy_url must also be configured')
  if (a.proxy_url !== '') {
    let u: URL | undefined
    try { u = new URL(a.proxy_url) } catch { problems.push(`invalid proxy_url "${a.proxy_url}"`) }
    // Go (and so Alloy) dials SOCKS5 proxies; shoal cannot. Other schemes Go accepts here and
    // fails at each request, as shoal does (dispatcher.ts).
    if (u !== undefined && (u.protocol === 'socks5:' || u.protocol === 'socks5h:')) problems.push(`proxy_url "${a.proxy_url}": the ${u.protocol.slice(0, -1)} scheme is not supported by shoal (http and https proxies are)`)
  }
  return problems
}

/** Alloy's TLSConfig.Validate. */
function validateTls (t: TlsArgs): string[] {
  const problems: string[] = []
  if (t.ca_pem !== '' && t.ca_file !== '') problems.push('at most one of ca_pem and ca_file must be configured')
  if (t.cert_pem !== '' && t.cert_file !== '') problems.push('at most one of cert_pem and cert_file must be configured')
  const key = (t.key_pem?.reveal() ?? '') !== ''
  if (key && t.key_file !== '') problems.push('at most one of key_pem and key_file must be configured')
  const usingCert = t.cert_pem !== '' || t.cert_file !== ''
  const usingKey = key || t.key_file !== ''
  if (usingCert && !usingKey) problems.push('exactly one of key_pem or key_file must be configured when a client certificate is configured')
  else if (usingKey && !usingCert) problems.push('exactly one of cert_pem or cert_file must be configured when a client key is configured')
  return problems
}

/** Alloy's OAuth2Config.Validate. */
function validateOAuth2 (o: OAuth2Args): string[] {
  if (o.client_id === '') return ['oauth2 client_id must be configured']
  if (o.token_url === '') return ['oauth2 token_url must be configured']
  if (o.grant_type === JWT_BEARER_GRANT) {
    const key = (o.client_certificate_key?.reveal() ?? '') !== ''
    if (!key && o.client_certificate_key_file === '') return ['either oauth2 client_certificate_key or client_certificate_key_file must be configured']
    if (key && o.client_certificate_key_file !== '') return ['at most one of oauth2 client_certificate_key and client_certificate_key_file must be configured']
    if (!['RS256', 'RS384', 'RS512'].includes(o.signature_algorithm)) return [`oauth2 signature_algorithm "${o.signature_algorithm}" is not supported by shoal (RS256, RS384 and RS512 are, as in Prometheus)`]
  } else if (o.grant_type === 'client_credentials') {
    const secret = (o.client_secret?.reveal() ?? '') !== ''
    if (!secret && o.client_secret_file === '') return ['either oauth2 client_secret or client_secret_file must be configured']
    if (secret && o.client_secret_file !== '') return ['at most one of oauth2 client_secret & client_secret_file must be configured']
  } else return [`unsupported oauth2 grant_type "${o.grant_type}"`]
  const problems = validateProxy(o)
  if (o.tls_config !== undefined) problems.push(...validateTls(o.tls_config))
  return problems
}
