// Alloy's TLS version names (Go's tls.VersionTLS1x), for the agent's server (`http` block) and
// the HTTP client's tls_config alike.
import type { SecureVersion } from 'node:tls'

export const TLS_VERSION_NAMES = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const
export type TlsVersionName = typeof TLS_VERSION_NAMES[number]

const NODE_VERSIONS: Record<TlsVersionName, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' }

/** Node's name for an Alloy TLS version; undefined for "" and for names Alloy does not know. */
export function nodeTlsVersion (name: string): SecureVersion | undefined {
  return (TLS_VERSION_NAMES as readonly string[]).includes(name) ? NODE_VERSIONS[name as TlsVersionName] : undefined
}
