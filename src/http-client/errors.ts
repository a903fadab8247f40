// What the HTTP client rejects with, besides undici's own network errors.

/**
 * The client's configuration cannot be used as given (an unreadable CA or credential file):
 * the request was never sent. Files are read again on the next request.
 */
export class HttpClientConfigError extends Error {
  override name = 'HttpClientConfigError'
}

/** The redirect limit was reached; the message is Go's. */
export class TooManyRedirects extends Error {
  override name = 'TooManyRedirects'
}

/** Go-flavoured wording for the usual socket failures, as Prometheus users know them. */
export function describeNetworkError (err: unknown): string {
  let e = err as { code?: string, message?: string, address?: string, port?: number, hostname?: string, cause?: unknown }
  // undici wraps socket errors: the useful code is on the cause.
  while (e.code === undefined && e.cause !== undefined && e.cause !== null) e = e.cause
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
