// The undici dispatcher behind one HttpClient: its connection pool, TLS and proxy.
import type { SecureVersion } from 'node:tls'
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici'
import { nodeTlsVersion } from '../net/tls-versions.js'
import { HttpClientConfigError } from './errors.js'
import { pemOrFile } from './files.js'
import type { HttpClientArgs, TlsArgs } from './schema.js'

/** tls_config's min_version when unset, as Alloy's client. */
const DEFAULT_MIN_VERSION: SecureVersion = 'TLSv1.2'

export interface PoolOptions {
  /** Most connections per origin; undefined = no limit. */
  connections?: number
  /** How long an idle keep-alive connection is kept. */
  keepAliveTimeoutMs: number
}

/** Node TLS options for tls_config (files read now). */
export async function tlsOptions (t: TlsArgs | undefined): Promise<{ ca?: string, cert?: string, key?: string, servername?: string, rejectUnauthorized: boolean, minVersion: SecureVersion }> {
  return {
    ca: await pemOrFile(t?.ca_pem, t?.ca_file ?? '', 'ca_file'),
    cert: await pemOrFile(t?.cert_pem, t?.cert_file ?? '', 'cert_file'),
    key: await pemOrFile(t?.key_pem?.reveal(), t?.key_file ?? '', 'key_file'),
    servername: t !== undefined && t.server_name !== '' ? t.server_name : undefined,
    rejectUnauthorized: t?.insecure_skip_verify !== true,
    minVersion: nodeTlsVersion(t?.min_version ?? '') ?? DEFAULT_MIN_VERSION,
  }
}

/** What the dispatcher is built from: the client block's, or oauth2's own, TLS and proxy options. */
export type DispatcherArgs = Pick<HttpClientArgs, 'tls_config' | 'proxy_url' | 'no_proxy' | 'proxy_from_environment' | 'proxy_connect_header' | 'enable_http2'>

export async function buildDispatcher (a: DispatcherArgs, pool: PoolOptions): Promise<Dispatcher> {
  const tls = await tlsOptions(a.tls_config)
  // enable_http2: HTTP/2 where the server offers it by ALPN (over TLS only, as Go's client).
  const common = { keepAliveTimeout: pool.keepAliveTimeoutMs, connections: pool.connections ?? null, allowH2: a.enable_http2, connect: tls }
  if (a.proxy_url === '' && !a.proxy_from_environment) return new Agent(common)
  if (a.proxy_url !== '') {
    const scheme = new URL(a.proxy_url).protocol.replace(/:$/, '')
    if (scheme !== 'http' && scheme !== 'https') throw new HttpClientConfigError(`proxy_url "${a.proxy_url}": unsupported proxy scheme "${scheme}"`)
  }
  const connectHeaders: Record<string, string> = {}
  for (const [name, values] of Object.entries(a.proxy_connect_header)) connectHeaders[name] = values.map(v => v.reveal()).join(', ')
  // EnvHttpProxyAgent matches no_proxy (and reads HTTP(S)_PROXY for proxy_from_environment);
  // with proxy_url it is told the proxy explicitly. Plain-http requests go to the proxy as
  // absolute-URI requests and https ones tunnel with CONNECT, as Go's transport does.
  return new EnvHttpProxyAgent({
    ...common,
    requestTls: tls,
    headers: connectHeaders,
    proxyTunnel: false,
    ...(a.proxy_url !== '' ? { httpProxy: a.proxy_url, httpsProxy: a.proxy_url, noProxy: a.no_proxy } : {}),
  })
}
