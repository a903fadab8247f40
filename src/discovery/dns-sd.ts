// Prometheus DNS SD: one DNS query per name, each answer record a target. Labels and their
// values follow Prometheus exactly: unused record labels are present and empty, and record
// targets keep the trailing dot of a rooted name while __address__ drops it.
import { Resolver } from 'node:dns/promises'
import { newObject } from '../vm/value.js'

export type Target = Record<string, string>
export const RECORD_TYPES = ['SRV', 'A', 'AAAA', 'MX', 'NS'] as const
export type RecordType = typeof RECORD_TYPES[number]

/**
 * Test / air-gapped hook, not an Alloy argument: comma-separated DNS servers ("127.0.0.1:5353")
 * used instead of the system resolver configuration.
 */
export const DNS_SERVER_ENV = 'SHOAL_DNS_SERVER'

/** A resolver for one refresh; servers from SHOAL_DNS_SERVER when set, else the system's. */
export function newResolver (env: NodeJS.ProcessEnv = process.env): Resolver {
  // Like Go's client: a short per-try timeout, a retry on UDP loss.
  const r = new Resolver({ timeout: 2000, tries: 2 })
  const servers = (env[DNS_SERVER_ENV] ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
  if (servers.length > 0) r.setServers(servers)
  return r
}

/** The name does not exist (NXDOMAIN): an authoritative "no targets", not a failed lookup. */
export class NoSuchHostError extends Error {
  override name = 'NoSuchHostError'
}

const CODE_TEXT: Record<string, string> = {
  ESERVFAIL: 'server failure (SERVFAIL)',
  EREFUSED: 'query refused (REFUSED)',
  ETIMEOUT: 'i/o timeout',
  ECONNREFUSED: 'connection refused',
  EFORMERR: 'format error (FORMERR)',
  EBADRESP: 'malformed reply',
  ECANCELLED: 'lookup cancelled',
}

function joinHostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

const rooted = (name: string): string => name.endsWith('.') ? name : name + '.'
const unrooted = (name: string): string => name.replace(/\.+$/, '')

function target (name: string, address: string, extra: Partial<Target> = {}): Target {
  const t = newObject() as Target
  t.__address__ = address
  t.__meta_dns_name = name
  t.__meta_dns_srv_record_target = extra.__meta_dns_srv_record_target ?? ''
  t.__meta_dns_srv_record_port = extra.__meta_dns_srv_record_port ?? ''
  t.__meta_dns_mx_record_target = extra.__meta_dns_mx_record_target ?? ''
  t.__meta_dns_ns_record_target = extra.__meta_dns_ns_record_target ?? ''
  return t
}

/**
 * Looks up `name` and returns its targets; `port` is used for every type but SRV. A name with
 * no records of the type yields []. Rejects with NoSuchHostError for NXDOMAIN, otherwise with
 * an Error saying what went wrong.
 */
export async function lookupTargets (resolver: Resolver, name: string, type: RecordType, port: number): Promise<Target[]> {
  try {
    switch (type) {
      case 'SRV':
        return (await resolver.resolveSrv(name)).map(r => target(name, joinHostPort(unrooted(r.name), r.port), {
          __meta_dns_srv_record_target: rooted(r.name),
          __meta_dns_srv_record_port: String(r.port),
        }))
      case 'A':
        return (await resolver.resolve4(name)).map(ip => target(name, joinHostPort(ip, port)))
      case 'AAAA':
        return (await resolver.resolve6(name)).map(ip => target(name, joinHostPort(ip, port)))
      case 'MX':
        return (await resolver.resolveMx(name)).map(r => target(name, joinHostPort(unrooted(r.exchange), port), { __meta_dns_mx_record_target: rooted(r.exchange) }))
      case 'NS':
        return (await resolver.resolveNs(name)).map(ns => target(name, joinHostPort(unrooted(ns), port), { __meta_dns_ns_record_target: rooted(ns) }))
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    // The name exists but has no records of this type: a valid, empty answer.
    if (code === 'ENODATA') return []
    if (code === 'ENOTFOUND') throw new NoSuchHostError(`lookup ${name} ${type}: no such host (NXDOMAIN)`)
    throw new Error(`lookup ${name} ${type}: ${CODE_TEXT[code] ?? (err as Error).message}`)
  }
}
