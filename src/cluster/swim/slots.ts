// Compact member storage. A fleet of N members holds N entries on each of N nodes, so the
// simulation of 10,000 nodes holds 10^8: as objects in Maps that is tens of GiB, as typed arrays
// indexed by a small integer ("slot") a few. Ids are interned to slots by an IdIndex (one per
// node; the simulation shares one among all its nodes).

export class IdIndex {
  private readonly slots = new Map<string, number>()
  private readonly ids: string[] = []

  /** The slot of `id`, allocated on first sight. */
  slot (id: string): number {
    let s = this.slots.get(id)
    if (s === undefined) { s = this.ids.length; this.ids.push(id); this.slots.set(id, s) }
    return s
  }

  find (id: string): number | undefined { return this.slots.get(id) }
  id (slot: number): string { return this.ids[slot] }
  get size (): number { return this.ids.length }
}

export function grow<T extends Uint8Array | Uint32Array | Int32Array> (a: T, need: number, make: (n: number) => T, fill?: number): T {
  if (need <= a.length) return a
  const b = make(Math.max(need, a.length * 2, 16))
  b.set(a)
  if (fill !== undefined) b.fill(fill, a.length)
  return b
}

/** A set of slots with O(1) add, delete, has and uniform random pick (swap-remove). */
export class SlotSet {
  private items = new Int32Array(0)
  private pos = new Int32Array(0)
  private n = 0

  get size (): number { return this.n }
  has (s: number): boolean { return s < this.pos.length && this.pos[s] >= 0 }
  at (i: number): number { return this.items[i] }

  add (s: number): void {
    if (this.has(s)) return
    this.pos = grow(this.pos, s + 1, n => new Int32Array(n), -1)
    this.items = grow(this.items, this.n + 1, n => new Int32Array(n))
    this.pos[s] = this.n
    this.items[this.n++] = s
  }

  delete (s: number): void {
    if (!this.has(s)) return
    const i = this.pos[s]
    const last = this.items[--this.n]
    this.pos[s] = -1
    if (last !== s) { this.items[i] = last; this.pos[last] = i }
  }

  /** A copy of the members, shuffled. */
  shuffled (random: () => number): Int32Array {
    const c = this.items.slice(0, this.n)
    for (let i = c.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); const t = c[i]; c[i] = c[j]; c[j] = t }
    return c
  }

  /** Up to `k` distinct random members other than `exclude` (−1: none). */
  pick (k: number, random: () => number, exclude = -1): number[] {
    const out: number[] = []
    const avail = this.n - (this.has(exclude) ? 1 : 0)
    if (avail <= 0 || k <= 0) return out
    if (avail <= 4 * k) {
      for (const s of this.shuffled(random)) { if (s !== exclude) out.push(s); if (out.length === k) break }
      return out
    }
    for (let tries = 0; out.length < k && tries < 16 * k; tries++) {
      const s = this.items[Math.floor(random() * this.n)]
      if (s !== exclude && !out.includes(s)) out.push(s)
    }
    return out
  }
}
