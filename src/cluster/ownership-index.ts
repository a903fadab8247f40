// Rendezvous ownership kept current across membership changes, so a change costs the targets it
// moves rather than targets × members. The results are exactly Rendezvous.lookupMany's over the
// same candidates (same scores, ties to the lower peerId):
//   - a candidate leaves: only targets that had it among their rf owners are recomputed;
//   - a candidate joins: each target compares the newcomer's score with its rf-th owner's, and
//     takes the newcomer into its window when it beats it (no full recompute).

import { fmix32, foldKey, peerHash } from './hrw.js'
import type { TargetKey } from './types.js'

export interface OwnershipIndexInit {
  /** Owners per target (replication factor). Default 1. */
  rf?: number
}

/** What one membership change cost. */
export interface OwnershipChange {
  /** Indexes of the targets whose owner list changed, ascending. */
  moved: number[]
  /** Targets whose owners were recomputed over all candidates (only on a leave: = moved.length). */
  recomputed: number
}

export class OwnershipIndex {
  readonly rf: number
  // members, by slot (a slot is reused after its member left)
  private ids: string[] = []
  private hashes = new Uint32Array(16)
  private readonly slotOf = new Map<string, number>()
  private readonly freeSlots: number[] = []
  /** live slots, dense, for full scans */
  private live = new Int32Array(16)
  /** hashes of live[], beside them: the full scan reads one sequential array */
  private liveHash = new Uint32Array(16)
  private liveCount = 0
  private livePos = new Int32Array(16)
  // targets, dense: folded key, then rf owner slots and their scores per target, best first
  private folded = new Uint32Array(16)
  private owners = new Int32Array(16)
  private scores = new Float64Array(16)
  private count = 0

  constructor (init: OwnershipIndexInit = {}) {
    this.rf = Math.max(1, Math.floor(init.rf ?? 1))
    this.owners = new Int32Array(16 * this.rf).fill(-1)
    this.scores = new Float64Array(16 * this.rf).fill(-1)
  }

  /** Number of targets. */
  get size (): number { return this.count }

  /** Current candidates (any order). */
  members (): string[] {
    return Array.from(this.live.subarray(0, this.liveCount), s => this.ids[s])
  }

  /** Replaces all targets (keys = [hi0, lo0, hi1, lo1, …]) and computes their owners. */
  setTargets (keys: Uint32Array): void {
    this.count = 0
    this.reserveTargets(keys.length >>> 1)
    for (let t = 0; t < keys.length >>> 1; t++) this.addFolded(foldKey(keys[2 * t], keys[2 * t + 1]))
  }

  /** Appends one target (its owners computed over the current candidates); returns its index. */
  addTarget (key: TargetKey): number {
    this.reserveTargets(this.count + 1)
    return this.addFolded(foldKey(key.hi, key.lo))
  }

  /** Removes target i; the last target takes its index. Returns the index the last one had (or -1 if i was last). */
  removeTarget (i: number): number {
    this.checkTarget(i)
    const last = --this.count
    if (i === last) return -1
    const rf = this.rf
    this.folded[i] = this.folded[last]
    this.owners.copyWithin(i * rf, last * rf, last * rf + rf)
    this.scores.copyWithin(i * rf, last * rf, last * rf + rf)
    return last
  }

  /** Owners of target i, best first (fewer than rf when there are fewer candidates). */
  ownersOf (i: number): string[] {
    this.checkTarget(i)
    const out: string[] = []
    for (let j = i * this.rf; j < i * this.rf + this.rf && this.owners[j] >= 0; j++) out.push(this.ids[this.owners[j]])
    return out
  }

  /** True when peerId is among target i's owners. */
  isOwner (i: number, peerId: string): boolean {
    this.checkTarget(i)
    const s = this.slotOf.get(peerId)
    if (s === undefined) return false
    for (let j = i * this.rf; j < i * this.rf + this.rf; j++) if (this.owners[j] === s) return true
    return false
  }

  /** Brings the candidates to exactly `peerIds`: leaves first, then joins, each incremental. */
  setMembers (peerIds: Iterable<string>): OwnershipChange {
    const want = new Set(peerIds)
    const moved = new Set<number>()
    let recomputed = 0
    for (const id of this.members()) {
      if (want.has(id)) continue
      const c = this.leave(id)
      recomputed += c.recomputed
      for (const t of c.moved) moved.add(t)
    }
    for (const id of want) {
      if (this.slotOf.has(id)) continue
      for (const t of this.join(id).moved) moved.add(t)
    }
    return { moved: [...moved].sort((a, b) => a - b), recomputed }
  }

  /** A candidate joins. No-op if it is one already. */
  join (peerId: string): OwnershipChange {
    if (this.slotOf.has(peerId)) return { moved: [], recomputed: 0 }
    const slot = this.addMember(peerId)
    const h = this.hashes[slot]
    const id = peerId
    const rf = this.rf
    const owners = this.owners
    const scores = this.scores
    const folded = this.folded
    const ids = this.ids
    const moved: number[] = []
    for (let t = 0, n = this.count; t < n; t++) {
      const s = fmix32((folded[t] ^ h) >>> 0)
      const off = t * rf
      let j = off + rf - 1
      // the common case first: the newcomer does not reach this target's window
      if (s < scores[j] || (s === scores[j] && owners[j] >= 0 && !(id < ids[owners[j]]))) continue
      // shift worse owners down one place, the last one falls out of the window
      while (j > off && (s > scores[j - 1] || (s === scores[j - 1] && (owners[j - 1] < 0 || id < ids[owners[j - 1]])))) {
        owners[j] = owners[j - 1]
        scores[j] = scores[j - 1]
        j--
      }
      owners[j] = slot
      scores[j] = s
      moved.push(t)
    }
    return { moved, recomputed: 0 }
  }

  /** A candidate leaves. No-op if it is not one. */
  leave (peerId: string): OwnershipChange {
    const slot = this.slotOf.get(peerId)
    if (slot === undefined) return { moved: [], recomputed: 0 }
    this.removeMember(slot)
    const rf = this.rf
    const owners = this.owners
    const moved: number[] = []
    for (let j = 0, n = this.count * rf; j < n; j++) {
      if (owners[j] !== slot) continue
      const t = (j / rf) | 0
      this.computeTarget(t)
      moved.push(t)
      j = t * rf + rf - 1
    }
    return { moved, recomputed: moved.length }
  }

  /** Top rf over all live candidates for target t: higher score first, ties to the lower peerId. */
  private computeTarget (t: number): void {
    const rf = this.rf
    const off = t * rf
    const owners = this.owners
    const scores = this.scores
    const ids = this.ids
    const k = this.folded[t]
    const hashes = this.liveHash
    const live = this.live
    const n = this.liveCount
    if (rf === 1) {
      let best = -1
      let bestScore = -1
      for (let p = 0; p < n; p++) {
        const s = fmix32((k ^ hashes[p]) >>> 0)
        if (s > bestScore || (s === bestScore && ids[live[p]] < ids[live[best]])) { bestScore = s; best = p }
      }
      owners[off] = best < 0 ? -1 : live[best]
      scores[off] = bestScore
      return
    }
    owners.fill(-1, off, off + rf)
    scores.fill(-1, off, off + rf)
    const last = off + rf - 1
    for (let p = 0; p < n; p++) {
      const s = fmix32((k ^ hashes[p]) >>> 0)
      if (s < scores[last]) continue
      const slot = live[p]
      if (s < scores[last] || (s === scores[last] && owners[last] >= 0 && !(ids[slot] < ids[owners[last]]))) continue
      let j = last
      while (j > off && (s > scores[j - 1] || (s === scores[j - 1] && (owners[j - 1] < 0 || ids[slot] < ids[owners[j - 1]])))) {
        owners[j] = owners[j - 1]
        scores[j] = scores[j - 1]
        j--
      }
      owners[j] = slot
      scores[j] = s
    }
  }

  private addFolded (k: number): number {
    const t = this.count++
    this.folded[t] = k
    this.computeTarget(t)
    return t
  }

  private addMember (peerId: string): number {
    let slot = this.freeSlots.pop()
    if (slot === undefined) {
      slot = this.ids.length
      this.ids.push(peerId)
      if (slot >= this.hashes.length) {
        this.hashes = grow(this.hashes, slot + 1)
        this.livePos = grow(this.livePos, slot + 1)
      }
    } else {
      this.ids[slot] = peerId
    }
    this.hashes[slot] = peerHash(peerId)
    this.slotOf.set(peerId, slot)
    if (this.liveCount >= this.live.length) {
      this.live = grow(this.live, this.liveCount + 1)
      this.liveHash = grow(this.liveHash, this.liveCount + 1)
    }
    this.live[this.liveCount] = slot
    this.liveHash[this.liveCount] = this.hashes[slot]
    this.livePos[slot] = this.liveCount++
    return slot
  }

  private removeMember (slot: number): void {
    this.slotOf.delete(this.ids[slot])
    const p = this.livePos[slot]
    const lastSlot = this.live[--this.liveCount]
    this.live[p] = lastSlot
    this.liveHash[p] = this.hashes[lastSlot]
    this.livePos[lastSlot] = p
    this.freeSlots.push(slot)
    // ids[slot] stays until reuse: no owner entry points at it after leave() recomputed them
  }

  private reserveTargets (n: number): void {
    if (n <= this.folded.length) return
    const cap = Math.max(n, this.folded.length * 2)
    this.folded = grow(this.folded, cap)
    const owners = new Int32Array(cap * this.rf).fill(-1)
    owners.set(this.owners.subarray(0, this.count * this.rf))
    this.owners = owners
    const scores = new Float64Array(cap * this.rf).fill(-1)
    scores.set(this.scores.subarray(0, this.count * this.rf))
    this.scores = scores
  }

  private checkTarget (i: number): void {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`no target ${i} (have ${this.count})`)
  }
}

function grow<T extends Uint32Array | Int32Array> (a: T, min: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2))
  b.set(a)
  return b
}
