// The queue of changes to spread. Each change is sent a bounded number of times
// (retransmitMult × ceil(log10(N + 1)): enough for an epidemic to reach every member with high
// probability, as in SWIM), the least-sent first, piggybacked on probes and in gossip messages.
// A newer change about a member replaces the queued one, so the queue never holds more than one
// entry per member (and suspecter) and a flapping member costs no more than a steady one.

import { updateSize } from './codec.js'
import type { Update } from './types.js'

export interface DisseminationInit {
  /** Sends per change = retransmitMult × ceil(log10(fleet size + 1)). Default 4. */
  retransmitMult?: number
}

interface Entry { key: string, update: Update, size: number, sent: number, urgent: boolean }

/** Smallest encoded update: a budget with less room left is full. */
const MIN_UPDATE_BYTES = 4
/** Entries too big for what is left of a budget, looked at before the message is sent as it is. */
const MAX_MISSES = 8

export class Dissemination {
  /** key → entry; buckets[n] holds the entries sent n times (Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>()
  private readonly buckets: Array<Map<string, Entry>> = []
  /** Entries that go before all others until their sends are spent (our own refutations). */
  private readonly urgent = new Map<string, Entry>()
  /** member → keys of its queued suspicions (so a verdict drops them without a scan). */
  private readonly suspicions = new Map<string, Set<string>>()
  private readonly mult: number

  constructor (init: DisseminationInit = {}) {
    this.mult = init.retransmitMult ?? 4
  }

  /** Queues a change. The key is the member plus, for suspicions, the suspecter (each
   *  confirmation is news of its own: Lifeguard counts distinct suspecters). `urgent`: sent
   *  before everything else queued (a refutation must outrun the suspicion it answers). */
  enqueue (u: Update, urgent = false): void {
    const key = u.state === 'suspect' && u.from !== undefined ? `${u.id}\n${u.from}` : u.id
    if (u.state !== 'suspect') {
      // a verdict or refutation about a member supersedes every queued suspicion of it
      const sus = this.suspicions.get(u.id)
      if (sus !== undefined) for (const k of sus) this.remove(k)
      this.suspicions.delete(u.id)
    } else if (key !== u.id) {
      let s = this.suspicions.get(u.id)
      if (s === undefined) this.suspicions.set(u.id, s = new Set())
      s.add(key)
    }
    this.remove(key)
    const e: Entry = { key, update: u, size: updateSize(u), sent: 0, urgent }
    this.entries.set(key, e)
    if (urgent) this.urgent.set(key, e)
    else this.bucket(0).set(key, e)
  }

  get size (): number { return this.entries.size }

  /** How many times each change is sent in a fleet of `members`. */
  limit (members: number): number {
    return this.mult * Math.ceil(Math.log10(members + 1))
  }

  /**
   * Takes up to `budget` bytes of changes for one message, least-sent first, and counts them
   * sent; changes sent `limit(members)` times leave the queue.
   */
  take (budget: number, members: number): Update[] {
    const out: Update[] = []
    if (this.entries.size === 0) return out
    const limit = this.limit(members)
    const taken: Entry[] = []
    let left = budget
    let misses = 0
    scan: for (const b of [this.urgent, ...this.buckets]) {
      if (b === undefined) continue
      for (const e of b.values()) {
        // a long queue (a partition's worth of verdicts) is not scanned whole for the last few bytes
        if (e.size > left) { if (++misses >= MAX_MISSES) break scan; continue }
        left -= e.size
        taken.push(e)
        if (left < MIN_UPDATE_BYTES) break scan
      }
    }
    for (const e of taken) {
      out.push(e.update)
      if (!e.urgent) this.buckets[e.sent].delete(e.key)
      e.sent++
      if (e.sent >= limit) this.remove(e.key)
      else if (!e.urgent) this.bucket(e.sent).set(e.key, e)
    }
    return out
  }

  clear (): void {
    this.entries.clear()
    this.buckets.length = 0
    this.urgent.clear()
    this.suspicions.clear()
  }

  private bucket (n: number): Map<string, Entry> {
    let b = this.buckets[n]
    if (b === undefined) this.buckets[n] = b = new Map<string, Entry>()
    return b
  }

  private remove (key: string): void {
    const e = this.entries.get(key)
    if (e === undefined) return
    this.entries.delete(key)
    if (e.urgent) this.urgent.delete(key)
    else this.buckets[e.sent]?.delete(key)
  }
}
