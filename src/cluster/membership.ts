// The live peer table, fed by heartbeats. Pure logic (the clock is injected) so it is tested
// without libp2p. Liveness is "heartbeats keep arriving", whichever path they took.

import type { Alive, Heartbeat } from './heartbeat.js'
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

/** What an alive beat told us: the record we hold is current, outdated, or we hold none. */
export type AliveResult = 'current' | 'outdated' | 'unknown'

export class Membership {
  readonly selfInfo: PeerInfo
  private readonly members = new Map<string, PeerInfo>()
  /** Last accepted seq per peer (full or alive beat), kept after a peer leaves so its old
   *  heartbeats cannot revive it. */
  private readonly lastSeq = new Map<string, { seq: number, at: number }>()
  /** Per member: seq and digest of the full record we hold (digest undefined: an older node). */
  private readonly records = new Map<string, { seq: number, digest: string | undefined }>()
  /** The digest the peer's latest alive beat announced. */
  private readonly announced = new Map<string, string>()
  /** Peers heard alive whose record we lack (not members yet): when last heard. */
  private readonly heardOf = new Map<string, number>()
  private readonly quarantine = new Map<string, number>()
  /** Per peer: the heartbeat interval it announced last (or the default). */
  private readonly intervals = new Map<string, number>()
  /** Members the failure detector (swim/) vouches for: no heartbeat timeout applies to them. */
  private readonly detected = new Set<string>()
  private readonly init: MembershipInit
  private readonly now: () => number

  constructor (init: MembershipInit) {
    this.init = init
    this.selfInfo = { ...init.self, isSelf: true }
    this.now = init.now ?? Date.now
  }

  /**
   * Checks a full heartbeat signed by `from`; undefined means acceptable. Besides a newer seq, a
   * full beat that arrives after the alive beats that followed it (other topic, other path) is
   * still taken while the peer is alive to us, if it is newer than the record we hold and is
   * the record those alive beats announced.
   */
  check (hb: Heartbeat, from: string): RejectReason | undefined {
    if (hb.peerId !== from) return 'wrong_sender'
    if (hb.peerId === this.selfInfo.peerId) return 'self'
    const last = this.lastSeq.get(hb.peerId)
    if (last !== undefined && hb.seq <= last.seq) {
      const held = this.records.get(hb.peerId)
      const alive = this.members.has(hb.peerId) || this.heardOf.has(hb.peerId)
      const late = alive && hb.digest !== undefined && hb.digest === this.announced.get(hb.peerId) &&
        (held === undefined || (hb.seq > held.seq && held.digest !== hb.digest))
      if (!late) return 'stale_seq'
    }
    return this.quarantined(hb.peerId)
  }

  /** Checks an alive beat (its sender is the signer by construction). */
  checkAlive (a: Alive): RejectReason | undefined {
    if (a.peerId === this.selfInfo.peerId) return 'self'
    const last = this.lastSeq.get(a.peerId)
    if (last !== undefined && a.seq <= last.seq) return 'stale_seq'
    return this.quarantined(a.peerId)
  }

  private quarantined (peerId: string): RejectReason | undefined {
    const q = this.quarantine.get(peerId)
    if (q !== undefined) {
      if (this.now() < q) return 'quarantined'
      this.quarantine.delete(peerId)
    }
    return undefined
  }

  /** Applies an alive beat that passed checkAlive(): liveness as a full beat; the record stays. */
  applyAlive (a: Alive): AliveResult {
    const now = this.now()
    this.lastSeq.set(a.peerId, { seq: a.seq, at: now })
    this.intervals.set(a.peerId, peerInterval(a.intervalMs, this.defaultIntervalMs))
    this.announced.set(a.peerId, a.digest)
    const p = this.members.get(a.peerId)
    if (p === undefined) { this.heardOf.set(a.peerId, now); return 'unknown' }
    p.lastHeartbeat = now
    return this.records.get(a.peerId)?.digest === a.digest ? 'current' : 'outdated'
  }

  /** Peers heard alive (alive beats) whose record has not come yet: not members so far. */
  get lackingRecords (): number { return this.heardOf.size }

  /** Peers whose full record we lack or hold outdated (alive beats announced another one). */
  wanted (): string[] {
    const out = [...this.heardOf.keys()]
    for (const [id, d] of this.announced) {
      const r = this.records.get(id)
      if (r !== undefined && this.members.has(id) && r.digest !== d) out.push(id)
    }
    return out
  }

  /** Some member announced no digest (an older node): it understands full beats only. */
  hasLegacy (): boolean {
    for (const id of this.members.keys()) if (!this.detected.has(id) && this.records.get(id)?.digest === undefined) return true
    return false
  }

  /** Applies a full heartbeat that passed check(). */
  apply (hb: Heartbeat): void {
    const now = this.now()
    const last = this.lastSeq.get(hb.peerId)
    const newest = last === undefined || hb.seq > last.seq
    if (newest) {
      this.lastSeq.set(hb.peerId, { seq: hb.seq, at: now })
      this.intervals.set(hb.peerId, peerInterval(hb.intervalMs, this.defaultIntervalMs))
      if (hb.digest !== undefined) this.announced.set(hb.peerId, hb.digest)
      else this.announced.delete(hb.peerId)
    }
    this.heardOf.delete(hb.peerId)
    const old = this.members.get(hb.peerId)
    if (hb.state === 'terminating') {
      this.records.delete(hb.peerId)
      if (old !== undefined) this.remove(hb.peerId, 'terminating')
      return
    }
    this.records.set(hb.peerId, { seq: hb.seq, digest: hb.digest })
    const info: PeerInfo = {
      peerId: hb.peerId, name: hb.name, addrs: hb.addrs, httpAddr: hb.httpAddr, state: hb.state,
      // a late full beat (older seq) brings the record; liveness is what its alive beats said
      lastHeartbeat: newest ? now : (old?.lastHeartbeat ?? last?.at ?? now),
      version: hb.version, components: hb.components, mismatched: [], isSelf: false,
    }
    this.members.set(hb.peerId, info)
    if (old === undefined) {
      this.init.onEvent({ kind: 'join', peerId: hb.peerId, membershipChange: true })
    } else if (old.state !== info.state || old.name !== info.name || old.httpAddr !== info.httpAddr ||
        !sameRecord(old.components, info.components) || old.addrs.join() !== info.addrs.join()) {
      this.init.onEvent({ kind: 'update', peerId: hb.peerId, membershipChange: old.state !== info.state })
    }
  }

  /**
   * Adds or updates a member the failure detector reports alive (its record came with the
   * detector's update, not in a heartbeat). It never times out here: the detector drops it.
   */
  setDetected (info: PeerInfo): void {
    const old = this.members.get(info.peerId)
    this.detected.add(info.peerId)
    this.heardOf.delete(info.peerId)
    this.records.delete(info.peerId)
    this.announced.delete(info.peerId)
    const next: PeerInfo = { ...info, mismatched: [], isSelf: false }
    this.members.set(info.peerId, next)
    if (old === undefined) {
      this.init.onEvent({ kind: 'join', peerId: info.peerId, membershipChange: true })
    } else if (old.state !== next.state || old.name !== next.name || old.httpAddr !== next.httpAddr ||
        !sameRecord(old.components, next.components) || old.addrs.join() !== next.addrs.join()) {
      this.init.onEvent({ kind: 'update', peerId: info.peerId, membershipChange: old.state !== next.state })
    }
  }

  /** The detector declared a member dead, or it left. */
  removeDetected (peerId: string, reason: string): void {
    if (!this.detected.delete(peerId) || !this.members.has(peerId)) return
    this.remove(peerId, reason)
  }

  isDetected (peerId: string): boolean { return this.detected.has(peerId) }

  /** Members known from heartbeats only (older nodes), and peers heard of by their alive beats. */
  get heartbeatPeers (): number { return this.members.size - this.detected.size + this.heardOf.size }

  /** Drops peers whose heartbeats stopped; returns their ids. */
  expire (): string[] {
    const now = this.now()
    const gone: string[] = []
    for (const p of this.members.values()) if (!this.detected.has(p.peerId) && p.lastHeartbeat < now - this.timeoutOf(p.peerId)) gone.push(p.peerId)
    for (const id of gone) this.remove(id, 'timeout')
    for (const [id, at] of this.heardOf) if (at < now - this.timeoutOf(id)) this.heardOf.delete(id)
    // forget seqs of long-gone peers so the map stays bounded
    const forget = this.now() - Math.max(600_000, 10 * this.init.timeoutMs)
    for (const [id, s] of this.lastSeq) {
      if (s.at < forget && !this.members.has(id) && !this.heardOf.has(id)) {
        this.lastSeq.delete(id); this.intervals.delete(id); this.announced.delete(id)
      }
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
    for (const p of this.members.values()) if (!this.detected.has(p.peerId)) p.lastHeartbeat = now
  }

  /** Fast drop (connection closed and ping failed). */
  dropUnreachable (peerId: string): boolean {
    if (!this.members.has(peerId) || this.detected.has(peerId)) return false
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
    this.detected.delete(peerId)
    this.records.delete(peerId)
    this.init.onEvent({ kind: 'leave', peerId, reason, membershipChange: true })
  }
}

function sameRecord (a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every(k => a[k] === b[k])
}
