// Alloy's HTTPClientConfig.Validate over the decoded arguments.
import type { HttpClientArgs } from './schema.js'

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
  const hasConnect = Object.keys(a.proxy_connect_header).length > 0
  if (hasConnect && !a.proxy_from_environment && a.proxy_url === '') problems.push('if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured')
  if (a.proxy_from_environment && a.proxy_url !== '') problems.push('if proxy_from_environment is configured, proxy_url must not be configured')
  if (a.proxy_from_environment && a.no_proxy !== '') problems.push('if proxy_from_environment is configured, no_proxy must not be configured')
  if (a.proxy_url === '' && a.no_proxy !== '') problems.push('if no_proxy is configured, proxy_url must also be configured')
  if (a.proxy_url !== '') {
    let u: URL | undefined
    try { u = new URL(a.proxy_url) } catch { problems.push(`invalid proxy_url "${a.proxy_url}"`) }
    if (u !== undefined && u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`proxy_url "${a.proxy_url}": only http and https proxies are supported by shoal`)
  }
  return problems
}
