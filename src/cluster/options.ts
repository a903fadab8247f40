// Defaults and address normalisation for ClusterOptions.

import { hostname } from 'node:os'
import { isIP } from 'node:net'
import type { ClusterOptions, DiscoveryMethod } from './types.js'

/** Default peer-to-peer port: next to Alloy's UI port 12345. */
export const DEFAULT_PORT = 12346
/** All IPv4 interfaces on DEFAULT_PORT; tests and single-host fleets pass /ip4/127.0.0.1/tcp/0. */
export const DEFAULT_LISTEN_ADDRS = [`/ip4/0.0.0.0/tcp/${DEFAULT_PORT}`]
export const DEFAULT_DISCOVERY: DiscoveryMethod[] = ['bootstrap', 'dht']
// The one source of the other defaults: resolveOptions applies them, the CLI shows them as its flag defaults.
export const DEFAULT_FLEET_NAME = 'shoal'
export const DEFAULT_REJOIN_INTERVAL_MS = 60_000
export const DEFAULT_HEARTBEAT_MS = 1000
export const DEFAULT_MISSED_HEARTBEATS = 3
/** 0: do not wait for a fleet size before owning targets. */
export const DEFAULT_WAIT_FOR_SIZE = 0
/** 0: wait for the size forever (as Alloy). */
export const DEFAULT_WAIT_TIMEOUT_MS = 0

export interface ResolvedOptions {
  nodeName: string
  listenAddrs: string[]
  advertiseAddrs: string[]
  joinAddrs: string[]
  joinFile: string | undefined
  discoverPeers: Set<DiscoveryMethod>
  fleetName: string
  rejoinIntervalMs: number
  keyFile: string | undefined
  httpAddr: string
  heartbeatMs: number
  missedHeartbeats: number
  waitForSize: number
  waitTimeoutMs: number
  storageDir: string | undefined
  version: string
  relay: boolean
  membership: 'swim' | 'heartbeats'
}

export function resolveOptions (o: ClusterOptions): ResolvedOptions {
  const fleetName = o.fleetName ?? DEFAULT_FLEET_NAME
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(fleetName)) throw new Error(`cluster: fleet name ${JSON.stringify(fleetName)} must match [A-Za-z0-9._-]{1,64}`)
  const heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  if (!(heartbeatMs >= 50)) throw new Error('cluster: heartbeat must be at least 50ms')
  if (o.membership !== undefined && o.membership !== 'swim' && o.membership !== 'heartbeats') throw new Error(`cluster: membership must be "swim" or "heartbeats", not ${JSON.stringify(o.membership)}`)
  const missed = o.missedHeartbeats ?? DEFAULT_MISSED_HEARTBEATS
  if (!(missed >= 1)) throw new Error('cluster: missedHeartbeats must be at least 1')
  return {
    nodeName: o.nodeName ?? hostname(),
    listenAddrs: (o.listenAddrs ?? DEFAULT_LISTEN_ADDRS).map(toMultiaddrString),
    advertiseAddrs: (o.advertiseAddrs ?? []).map(toMultiaddrString),
    joinAddrs: (o.joinAddrs ?? []).map(toMultiaddrString),
    joinFile: o.joinFile === '' ? undefined : o.joinFile,
    discoverPeers: new Set(o.discoverPeers ?? DEFAULT_DISCOVERY),
    fleetName,
    rejoinIntervalMs: o.rejoinIntervalMs ?? DEFAULT_REJOIN_INTERVAL_MS,
    keyFile: o.keyFile === '' ? undefined : o.keyFile,
    httpAddr: o.httpAddr ?? '',
    heartbeatMs,
    missedHeartbeats: missed,
    waitForSize: o.waitForSize ?? DEFAULT_WAIT_FOR_SIZE,
    waitTimeoutMs: o.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    storageDir: o.storageDir === '' ? undefined : o.storageDir,
    version: o.version ?? '',
    relay: o.relay === true,
    // the detector is opt-in until the chaos run passes with it (docs/fleet-scale.md, "Open")
    membership: o.membership ?? 'heartbeats',
  }
}

/** Multiaddrs pass through; `host:port`, `[v6]:port` and bare `host` (DEFAULT_PORT) become TCP multiaddrs. */
export function toMultiaddrString (addr: string): string {
  const a = addr.trim()
  if (a.startsWith('/')) return a
  let host = a
  let port = String(DEFAULT_PORT)
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(a)
  if (v6 !== null) {
    host = v6[1]
    if (v6[2] !== undefined) port = v6[2]
  } else if (isIP(a) !== 6) {
    const i = a.lastIndexOf(':')
    if (i >= 0) { host = a.slice(0, i); port = a.slice(i + 1) }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || host === '') throw new Error(`cluster: bad address ${JSON.stringify(addr)}: want a multiaddr or host:port`)
  const proto = isIP(host) === 4 ? 'ip4' : isIP(host) === 6 ? 'ip6' : 'dns'
  return `/${proto}/${host}/tcp/${port}`
}

export const gossipTopic = (fleet: string): string => `/shoal/${fleet}/membership/1`
/** Alive beats (heartbeat.ts): a topic of their own, so older nodes never see them. */
export const aliveTopic = (fleet: string): string => `/shoal/${fleet}/alive/1`
export const dhtProtocol = (fleet: string): string => `/shoal/${fleet}/kad/1.0.0`
