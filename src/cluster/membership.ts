// The live peer table, fed by heartbeats. Pure logic (the clock is injected) so it is tested
// without libp2p. Liveness is "heartbeats keep arriving", whichever path they took.

import type { Heartbeat } from './heartbeat.js'
import { peerInterval } from './scale.js'
import type { PeerInfo } from './types.js'

export type RejectReason = 'wrong_sender' | 'stale_seq' | 'self' | 'quarantined'

export interface MembershipEvent {
  kind: 'join' | 'leave' | 'update'
  peerId: string
  /** Why a peer left: terminating, timeout, unreachable. */
  reason?: string
  /** join/leave/state change: counts as a membership change; other updates (addrs, hashes) do not. */
  membershipChange: boolean
}

export interface MembershipInit {
  self: PeerInfo
  /** Drop a peer after this long without a heartbeat (missedHeartbeats × heartbeatMs), unless
   *  its heartbeats announce their interval: then after missedHeartbeats of those. */
  timeoutMs: number
  /** Default 3. */
  missedHeartbeats?: number
  /** After a fast drop (connection gone, ping failed) ignore the peer's heartbeats this long, so
   *  ones still in flight do not bring it back. */
  quarantineMs: number
  now?: () => number
  onEvent: (ev: MembershipEvent) => void
}

export class Membership {
  readonly selfInfo: PeerInfo
  private readonly members = new Map<string, PeerInfo>()
  /** Last accepted seq per peer, kept after a peer leaves so its old heartbeats cannot revive it. */
  private readonly lastSeq = new Map<string, { seq: number, at: number }>()
  private readonly quarantine = new Map<string, number>()
  /** Per peer: the heartbeat interval it announced last (or the default). */
  private readonly intervals = new Map<string, number>()
  private readonly init: MembershipInit
  private readonly now: () => number

  constructor (init: MembershipInit) {
    this.init = init
    this.selfInfo = { ...init.self, isSelf: true }
    this.now = init.now ?? Date.now
  }

  /** Checks a heartbeat signed by `from`; undefined means acceptable. */
  check (hb: Heartbeat, from: string): RejectReason | undefined {
    if (hb.peerId !== from) return 'wrong_sender'
    if (hb.peerId === this.selfInfo.peerId) return 'self'
    const last = this.lastSeq.get(hb.peerId)
    if (last !== undefined && hb.seq <= last.seq) return 'stale_seq'
    const q = this.quarantine.get(hb.peerId)
    if (q !== undefined) {
      if (this.now() < q) return 'quarantined'
      this.quarantine.delete(hb.peerId)
    }
    return undefined
  }

  /** Applies a heartbeat that passed check(). */
  apply (hb: Heartbeat): void {
    const now = this.now()
    this.lastSeq.set(hb.peerId, { seq: hb.seq, at: now })
    this.intervals.set(hb.peerId, peerInterval(hb.intervalMs, this.defaultIntervalMs))
    const old = this.members.get(hb.peerId)
    if (hb.state === 'terminating') {
      if (old !== undefined) this.remove(hb.peerId, 'terminating')
      return
    }
    const info: PeerInfo = {
      peerId: hb.peerId, name: hb.name, addrs: hb.addrs, httpAddr: hb.httpAddr, state: hb.state,
      lastHeartbeat: now, version: hb.version, components: hb.components, mismatched: [], isSelf: false,
    }
    this.members.set(hb.peerId, info)
    if (old === undefined) {
      this.init.onEvent({ kind: 'join', peerId: hb.peerId, membershipChange: true })
    } else if (old.state !== info.state || old.name !== info.name || old.httpAddr !== info.httpAddr ||
        !sameRecord(old.components, info.components) || old.addrs.join() !== info.addrs.join()) {
      this.init.onEvent({ kind: 'update', peerId: hb.peerId, membershipChange: old.state !== info.state })
    }
  }

  /** Drops peers whose heartbeats stopped; returns their ids. */
  expire (): string[] {
    const now = this.now()
    const gone: string[] = []
    for (const p of this.members.values()) if (p.lastHeartbeat < now - this.timeoutOf(p.peerId)) gone.push(p.peerId)
    for (const id of gone) this.remove(id, 'timeout')
    // forget seqs of long-gone peers so the map stays bounded
    const forget = this.now() - Math.max(600_000, 10 * this.init.timeoutMs)
    for (const [id, s] of this.lastSeq) {
      if (s.at < forget && !this.members.has(id)) { this.lastSeq.delete(id); this.intervals.delete(id) }
    }
    return gone
  }

  /** The heartbeat interval a peer announced (ours by default). */
  intervalOf (peerId: string): number { return this.intervals.get(peerId) ?? this.defaultIntervalMs }

  /** How long this peer may stay silent before it is dropped. */
  timeoutOf (peerId: string): number {
    const i = this.intervals.get(peerId)
    return i === undefined ? this.init.timeoutMs : Math.max(i * this.missed, this.init.timeoutMs)
  }

  private get missed (): number { return this.init.missedHeartbeats ?? 3 }
  private get defaultIntervalMs (): number { return this.init.timeoutMs / this.missed }

  /** After our own stall: every peer counts as just heard from (their silence was ours). */
  touchAll (now = this.now()): void {
    for (const p of this.members.values()) p.lastHeartbeat = now
  }

  /** Fast drop (connection closed and ping failed). */
  dropUnreachable (peerId: string): boolean {
    if (!this.members.has(peerId)) return false
    this.quarantine.set(peerId, this.now() + this.init.quarantineMs)
    this.remove(peerId, 'unreachable')
    return true
  }

  has (peerId: string): boolean { return this.members.has(peerId) }
  get (peerId: string): PeerInfo | undefined { return this.members.get(peerId) }
  get size (): number { return this.members.size + 1 }

  /** Self plus live peers, sorted by peerId, with `mismatched` computed against our hashes. */
  peers (): PeerInfo[] {
    const mine = this.selfInfo.components
    const out: PeerInfo[] = [{ ...this.selfInfo, mismatched: [] }]
    for (const p of this.members.values()) {
      const mismatched = Object.keys(mine).filter(c => p.components[c] !== mine[c]).sort()
      out.push({ ...p, mismatched })
    }
    return out.sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  }

  /** Live participants whose hash for componentId equals ours (no filter when we have none). */
  candidates (componentId: string): PeerInfo[] {
    const mine = this.selfInfo.components[componentId]
    return this.peers().filter(p => p.state === 'participant' && (mine === undefined || p.components[componentId] === mine))
  }

  /** A string that changes exactly when some lookup result could change. */
  ownershipSignature (): string {
    return this.peers().filter(p => p.state === 'participant')
      .map(p => p.peerId + JSON.stringify(Object.entries(p.components).sort())).join('|')
  }

  private remove (peerId: string, reason: string): void {
    this.members.delete(peerId)
    this.init.onEvent({ kind: 'leave', peerId, reason, membershipChange: true })
  }
}

function sameRecord (a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every(k => a[k] === b[k])
}
