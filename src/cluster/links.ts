// How this node reaches each member: the kind of its best open connection (direct TCP, WebSockets,
// a circuit relay) or none at all, when the member is known only from heartbeats gossiped by others.
// Pure over the connections libp2p reports, so metrics, the links API and tests share one reading.
import type { Connection } from '@libp2p/interface'
import { muxerOf } from './libp2p-private.js'
import type { PeerInfo } from './types.js'

export type LinkKind = 'tcp' | 'websockets' | 'relayed' | 'gossip'

/** How this node reaches one member (GET /api/v0/web/cluster/links; the UI's copy is in wire.mts). */
export interface LinkInfo {
  peerId: string
  name: string
  kind: LinkKind
  /** Round-trip time of the best open connection, ms; null before it was measured or without a link. */
  rttMs: number | null
  /** When the link last carried a round trip (ping answered), RFC 3339; '' when never. */
  lastUsed: string
  /** Remote address of the best open connection ('' without one). */
  addr: string
}

export const LINK_KINDS: readonly LinkKind[] = ['tcp', 'websockets', 'relayed', 'gossip']

/** The parts of a libp2p Connection the classification reads. */
export interface ConnectionLike {
  status: string
  remoteAddr: { toString (): string }
  /** Set on relayed (limited) connections. */
  limits?: unknown
  timeline?: { open?: number }
  /** Round-trip time in ms, where libp2p measured it. */
  rtt?: number
}

/** Better kinds first: a member with both a relayed and a TCP link counts as TCP. */
const RANK: Record<LinkKind, number> = { tcp: 0, websockets: 1, relayed: 2, gossip: 3 }

export function connectionKind (c: ConnectionLike): LinkKind {
  const addr = c.remoteAddr.toString()
  if (c.limits !== undefined || addr.includes('/p2p-circuit')) return 'relayed'
  if (addr.includes('/ws') || addr.includes('/wss') || addr.includes('/tls/ws')) return 'websockets'
  return 'tcp'
}

/** The best kind among a member's open connections; 'gossip' when it has none. */
export function linkKind (conns: readonly ConnectionLike[]): LinkKind {
  let best: LinkKind = 'gossip'
  for (const c of conns) {
    if (c.status !== 'open') continue
    const k = connectionKind(c)
    if (RANK[k] < RANK[best]) best = k
  }
  return best
}

/** When each connection last carried an answered ping: "last used" in the links API. */
const lastRoundTrip = new WeakMap<object, number>()

/** Called when a ping on `c` is answered: keeps its round-trip time (libp2p's own field) and when. */
export function noteRoundTrip (c: ConnectionLike, rttMs: number, at: number = Date.now()): void {
  c.rtt = rttMs
  lastRoundTrip.set(c, at)
}

/** Links whose last round trip is older than this get a probe when they are described. */
export const PROBE_AFTER_MS = 10_000
const probing = new WeakSet<object>()

/**
 * A round trip on a link nobody measured lately (a yamux ping: 30 bytes each way) (with the SWIM detector the node's own pings
 * run only for older members). The muxer is asked without a timeout: a pong that came after we
 * stopped waiting would be a protocol error to yamux; a link that never answers closes anyway.
 */
function probe (c: ConnectionLike, now: number): void {
  if (probing.has(c) || now - (lastRoundTrip.get(c) ?? 0) < PROBE_AFTER_MS) return
  const muxer = muxerOf(c as Connection)
  if (muxer === undefined) return
  probing.add(c)
  const sent = performance.now()
  muxer.ping().then(() => { noteRoundTrip(c, performance.now() - sent) }, () => {}).finally(() => { probing.delete(c) })
}

/**
 * This node's link to each member in `members` (self left out), from its open connections.
 * Links not measured for PROBE_AFTER_MS get a round trip now; its RTT shows in the next answer.
 */
export function describeLinks (members: readonly PeerInfo[], connections: (peerId: string) => readonly ConnectionLike[]): LinkInfo[] {
  const out: LinkInfo[] = []
  const now = Date.now()
  for (const p of members) {
    if (p.isSelf) continue
    const open = connections(p.peerId).filter(c => c.status === 'open')
    for (const c of open) probe(c, now)
    const kind = linkKind(open)
    const best = open.filter(c => connectionKind(c) === kind).sort((a, b) => (a.rtt ?? Infinity) - (b.rtt ?? Infinity))[0]
    let used = 0
    for (const c of open) used = Math.max(used, lastRoundTrip.get(c) ?? 0)
    out.push({
      peerId: p.peerId,
      name: p.name,
      kind,
      rttMs: best?.rtt === undefined ? null : Math.round(best.rtt * 100) / 100,
      lastUsed: used > 0 ? new Date(used).toISOString() : '',
      addr: best?.remoteAddr.toString() ?? '',
    })
  }
  return out
}
