// Rendezvous (highest random weight) hashing. Every node computes the same owners from the same
// candidate set: score(peer, key) = fmix32(foldedKey ^ peerHash), ties go to the lower peerId.
// 32-bit arithmetic only (Math.imul), so scoring every target against every peer stays cheap
// (docs/fleet-scale.md, "Ownership recomputation").

import { createHash } from 'node:crypto'
import type { OwnershipTable, PeerInfo, TargetKey } from './types.js'

/** murmur3's 32-bit finalizer: full avalanche, bijective. */
export function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Folds a 64-bit key to 32 well-mixed bits (done once per target, not per peer). */
export function foldKey (hi: number, lo: number): number {
  return fmix32((lo ^ fmix32(hi ^ 0x9e3779b9)) >>> 0)
}

const peerHashCache = new Map<string, number>()

/** First 32 bits of sha256(peerId): stable across nodes and versions. */
export function peerHash (peerId: string): number {
  let h = peerHashCache.get(peerId)
  if (h === undefined) {
    h = createHash('sha256').update(peerId).digest().readUInt32BE(0)
    if (peerHashCache.size > 10_000) peerHashCache.clear()
    peerHashCache.set(peerId, h)
  }
  return h
}

export function score (peerHash32: number, key: TargetKey): number {
  return fmix32((foldKey(key.hi, key.lo) ^ peerHash32) >>> 0)
}

export function keyFromBigInt (x: bigint): TargetKey {
  const v = BigInt.asUintN(64, x)
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) }
}

/** A 64-bit key from a string (sha256 prefix) for callers without their own hash. */
export function keyFromString (s: string): TargetKey {
  const d = createHash('sha256').update(s).digest()
  return { hi: d.readUInt32BE(0), lo: d.readUInt32BE(4) }
}

/** Writes the indexes of the rf best candidates for folded key k into out[off..off+rf). */
function topR (hashes: Uint32Array, k: number, rf: number, out: Int32Array, off: number, scores: Float64Array): void {
  const n = hashes.length
  if (rf === 1) {
    let best = -1
    let bestScore = -1
    for (let i = 0; i < n; i++) {
      const s = fmix32((k ^ hashes[i]) >>> 0)
      if (s > bestScore) { bestScore = s; best = i }
    }
    out[off] = best
    return
  }
  let filled = 0
  for (let i = 0; i < n; i++) {
    const s = fmix32((k ^ hashes[i]) >>> 0)
    if (filled === rf && s <= scores[rf - 1]) continue
    // insertion into the small sorted window; equal scores keep the earlier (lower peerId) first
    let j = filled < rf ? filled++ : rf - 1
    while (j > 0 && scores[j - 1] < s) { scores[j] = scores[j - 1]; out[off + j] = out[off + j - 1]; j-- }
    scores[j] = s
    out[off + j] = i
  }
  for (let j = filled; j < rf; j++) out[off + j] = -1
}

/** Precomputed candidate hashes for one candidate set (sorted by peerId). */
export class Rendezvous {
  readonly peers: readonly PeerInfo[]
  private readonly hashes: Uint32Array
  private readonly selfIndex: number

  constructor (candidates: readonly PeerInfo[]) {
    this.peers = [...candidates].sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
    this.hashes = Uint32Array.from(this.peers, p => peerHash(p.peerId))
    this.selfIndex = this.peers.findIndex(p => p.isSelf)
  }

  lookup (key: TargetKey, rf: number): PeerInfo[] {
    const r = Math.max(0, Math.min(rf, this.peers.length))
    if (r === 0) return []
    const out = new Int32Array(r)
    topR(this.hashes, foldKey(key.hi, key.lo), r, out, 0, new Float64Array(r))
    return Array.from(out, i => this.peers[i])
  }

  /** keys = [hi0, lo0, hi1, lo1, …]. */
  lookupMany (keys: Uint32Array, rf: number): OwnershipTable {
    const r = Math.max(1, rf)
    const count = keys.length >>> 1
    const owners = new Int32Array(count * r).fill(-1)
    if (this.peers.length > 0) {
      const scores = new Float64Array(r)
      for (let t = 0; t < count; t++) {
        topR(this.hashes, foldKey(keys[2 * t], keys[2 * t + 1]), r, owners, t * r, scores)
      }
    }
    const selfIndex = this.selfIndex
    return {
      peers: this.peers,
      rf: r,
      owners,
      selfIndex,
      ownedBySelf (i: number): boolean {
        if (selfIndex < 0) return false
        for (let j = i * r; j < i * r + r; j++) if (owners[j] === selfIndex) return true
        return false
      },
    }
  }
}

export function toTargetKey (key: TargetKey | bigint): TargetKey {
  return typeof key === 'bigint' ? keyFromBigInt(key) : key
}
