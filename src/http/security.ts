// Alloy's top-level `http` block: TLS for the agent's own HTTP server and basic auth with an
// optional path filter. The block is decoded with every config load; TLS certificates apply to
// new connections on reload, switching TLS on or off needs a restart (as in Alloy).
import { timingSafeEqual, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { SecureContextOptions } from 'node:tls'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { attr, block, t } from '../vm/schema.js'
import type { Secret } from '../vm/value.js'
import type { Guard } from './server.js'
import { nodeTlsVersion } from '../net/tls-versions.js'

export interface HttpBlock {
  tls?: {
    cert_file: string
    cert_pem: string
    key_file: string
    key_pem: Secret | undefined
    client_ca_file: string
    client_ca_pem: string
    client_auth_type: string
    min_version: string
    max_version: string
    cipher_suites: string[]
    curve_preferences: string[]
  }
  auth?: {
    basic?: { username: string, password: Secret }
    filter?: { paths: string[], authenticate_matching_paths: boolean }
  }
}

export const httpBlockSchema = {
  tls: block({
    cert_file: attr(t.string, { default: '' }),
    cert_pem: attr(t.string, { default: '' }),
    key_file: attr(t.string, { default: '' }),
    key_pem: attr(t.secret),
    client_ca_file: attr(t.string, { default: '' }),
    client_ca_pem: attr(t.string, { default: '' }),
    client_auth_type: attr(t.enum('NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'), { default: 'NoClientCert' }),
    min_version: attr(t.string, { default: '' }),
    max_version: attr(t.string, { default: '' }),
    cipher_suites: attr(t.array(t.string), { default: [] }),
    curve_preferences: attr(t.array(t.string), { default: [] }),
    windows_certificate_filter: block({}, { unsupported: 'it selects certificates from the Windows certificate store; shoal reads them from files or PEM' }),
  }),
  auth: block({
    basic: block({
      username: attr(t.string, { required: true }),
      password: attr(t.secret, { required: true }),
    }),
    filter: block({
      paths: attr(t.array(t.string), { default: [] }),
      authenticate_matching_paths: attr(t.bool, { default: true }),
    }),
  }),
}

/** Problems in the user's terms (mutually exclusive pairs, required halves). */
export function validateHttpBlock (b: HttpBlock): string[] {
  const p: string[] = []
  const tls = b.tls
  if (tls) {
    if (tls.cert_file && tls.cert_pem) p.push('http tls: at most one of cert_pem and cert_file must be set')
    if (tls.key_file && tls.key_pem) p.push('http tls: at most one of key_pem and key_file must be set')
    if (tls.client_ca_file && tls.client_ca_pem) p.push('http tls: at most one of client_ca_pem and client_ca_file must be set')
    if (!tls.cert_file && !tls.cert_pem) p.push('http tls: cert_pem or cert_file is required')
    if (!tls.key_file && !tls.key_pem) p.push('http tls: key_pem or key_file is required')
    if ((tls.client_ca_file || tls.client_ca_pem) && tls.client_auth_type === 'NoClientCert') p.push('http tls: client_ca_pem and client_ca_file need a client_auth_type other than "NoClientCert"')
    for (const v of [tls.min_version, tls.max_version]) if (v && nodeTlsVersion(v) === undefined) p.push(`http tls: unknown TLS version "${v}" (want TLS10, TLS11, TLS12 or TLS13)`)
  }
  return p
}

/** Node TLS options for the server, reading files now (a missing file is an error naming it). */
export function tlsOptions (b: HttpBlock): (SecureContextOptions & { requestCert: boolean, rejectUnauthorized: boolean }) | undefined {
  const tls = b.tls
  if (!tls) return undefined
  const read = (path: string, what: string): string => {
    try { return readFileSync(path, 'utf8') } catch (err) { throw new Error(`http tls: reading ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`) }
  }
  const type = tls.client_auth_type
  return {
    cert: tls.cert_pem || read(tls.cert_file, 'cert_file'),
    key: tls.key_pem?.reveal() ?? read(tls.key_file, 'key_file'),
    ca: tls.client_ca_pem || (tls.client_ca_file ? read(tls.client_ca_file, 'client_ca_file') : undefined),
    minVersion: nodeTlsVersion(tls.min_version),
    maxVersion: nodeTlsVersion(tls.max_version),
    ciphers: tls.cipher_suites.length > 0 ? tls.cipher_suites.join(':') : undefined,
    ecdhCurve: tls.curve_preferences.length > 0 ? tls.curve_preferences.join(':') : undefined,
    requestCert: type !== 'NoClientCert',
    rejectUnauthorized: type === 'RequireAndVerifyClientCert' || type === 'VerifyClientCertIfGiven',
  }
}

function digest (s: string): Buffer { return createHash('sha256').update(s).digest() }

/** A request guard for basic auth, or undefined when no `auth.basic` is configured. */
export function authGuard (b: HttpBlock): Guard | undefined {
  const basic = b.auth?.basic
  if (!basic) return undefined
  const want = digest(`${basic.username}:${basic.password.reveal()}`)
  const filter = b.auth?.filter
  const needsAuth = (path: string): boolean => {
    if (!filter || filter.paths.length === 0) return true
    const matches = filter.paths.some(p => path.startsWith(p))
    return filter.authenticate_matching_paths ? matches : !matches
  }
  return (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (!needsAuth(path)) return true
    const h = req.headers.authorization ?? ''
    if (h.startsWith('Basic ')) {
      const given = Buffer.from(h.slice(6), 'base64').toString('utf8')
      if (timingSafeEqual(digest(given), want)) return true
    }
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="shoal"', 'Content-Type': 'text/plain; charset=utf-8' }).end('unauthorized\n')
    return false
  }
}
