// Why a clustered target is where it is: its rendezvous ranking over the peers that take part
// (the same order Cluster.lookup gives, with each peer's score), the owners, the peer that takes
// over when the last owner leaves, and the members left out of the ranking and why.
import type { Cluster, PeerInfo } from '../../cluster/index.js'
import { keyFromBigInt, peerHash, score } from '../../cluster/hrw.js'
import { hex64 } from '../../scrape/hash.js'

/** A peer in a target's rendezvous ranking. */
export interface RankedPeer { peerId: string, name: string, state: string, /** the HRW score, 0 … 2^32-1 */ score: number }

/** GET /api/v0/web/components/{id}/targets/{key}/ownership: why a target is where it is. */
export interface TargetOwnership {
  key: string
  url: string
  clustered: boolean
  replicationFactor: number
  /** The first `replicationFactor` of `ranking` scrape the target. */
  owners: RankedPeer[]
  /** Takes over when the (last) owner leaves; null when nobody else could. */
  successor: RankedPeer | null
  /** The top 3 of the ranking over the participating peers, best first. */
  ranking: RankedPeer[]
  /** How many peers take part in the ranking. */
  participants: number
  /** Members left out of the ranking, and why. */
  excluded: Array<{ peerId: string, name: string, reason: 'config-mismatch' | 'viewer' | 'terminating', state: string }>
}

/** Peers shown in the ranking. */
export const RANKING_SHOWN = 3

export function targetOwnership (cluster: Cluster, clustered: boolean, componentId: string, key: bigint, rf: number, url: string): TargetOwnership {
  const k = keyFromBigInt(key)
  const ranked = (p: PeerInfo): RankedPeer => ({ peerId: p.peerId, name: p.name, state: p.state, score: score(peerHash(p.peerId), k) })
  const self = cluster.self()
  if (!clustered) {
    const me = ranked(self)
    return { key: hex64(key), url, clustered: false, replicationFactor: 1, owners: [me], successor: null, ranking: [me], participants: 1, excluded: [] }
  }
  const peers = cluster.peers()
  // The full order over every candidate: the owners first, then who would follow.
  const order = cluster.lookup(key, Math.max(peers.length, 1), componentId)
  const r = Math.min(Math.max(1, rf), order.length)
  const inRanking = new Set(order.map(p => p.peerId))
  const excluded: TargetOwnership['excluded'] = []
  for (const p of peers) {
    if (inRanking.has(p.peerId)) continue
    const reason = p.mismatched.includes(componentId) ? 'config-mismatch' : p.state === 'terminating' ? 'terminating' : 'viewer'
    excluded.push({ peerId: p.peerId, name: p.name, reason, state: p.state })
  }
  return {
    key: hex64(key),
    url,
    clustered: true,
    replicationFactor: Math.max(1, rf),
    owners: order.slice(0, r).map(ranked),
    successor: order.length > r ? ranked(order[r]) : null,
    ranking: order.slice(0, RANKING_SHOWN).map(ranked),
    participants: order.length,
    excluded,
  }
}
