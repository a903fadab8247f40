// SWIM failure detection with Lifeguard's refinements, designed from the papers (Das, Gupta,
// Motivala 2002; Dadgar, Phillips, Currey 2018) and memberlist's documented behaviour:
//
// - Each protocol period a member probes ONE other member (round robin over a shuffled list, so
//   every member is probed by someone about once per period whatever the fleet size). No ack
//   within the probe timeout: k other members are asked to probe it for us (ping-req), so a
//   member we cannot reach but others can (NAT, a relay-only or WebSockets-only site) is not
//   suspected. Still no ack by the end of the period: it is suspected.
// - A suspicion becomes a death after a timeout that starts at max and falls towards min as
//   other members independently confirm it (suspicion.ts). The suspect refutes by raising its
//   incarnation; higher incarnations win, and at equal ones dead > suspect > alive.
// - Local health (Lifeguard): failed probes, missing nacks and refutations of ourselves raise a
//   score that stretches our own probe interval and timeouts, so a member that is itself slow
//   (overloaded, on a bad link) accuses others less.
// - Only changes are disseminated (join, suspect, refute, dead, leave, record change), each a
//   bounded number of times, piggybacked on probes and in small gossip messages while any are
//   queued (dissemination.ts). Full state goes to newcomers (sync). A refutation carries no
//   record (the record did not change, and whoever suspects us holds it): after a partition
//   every member on one side refutes, and records would make that burst ~5× larger. Within one
//   push-pull interval of our start or last record change it does carry it: a member that missed
//   the change would otherwise take the new incarnation with the old record.
// - Anti-entropy (memberlist's push-pull): dissemination is bounded, so a member that lost every
//   copy of an update would hold the old state for good. Now and then each member swaps full
//   state (member, incarnation, state, record) with one random alive member, merged by the same
//   precedence as updates, with two rules of its own: a remote death only makes us suspect the
//   member (it may be alive and refute: memberlist does the same), and the sender's own entry is
//   its current record even at an incarnation we hold (a record change we missed, followed by a
//   record-less refutation, would otherwise leave us with the old record at the new incarnation).
//   The interval grows in proportion to N past `pushPullScaleMembers`, so the bytes per member
//   stay flat (memberlist grows it with log N only).
// - A member declared dead is kept a while; now and then we ping one of them with its death
//   attached. If it is alive after all (a partition healed) it refutes at once in its ack.
//
// The detector sees members only as ids with opaque records (`meta`); it never touches libp2p.

import { decodeMessage, encodeMessage, updateSize } from './codec.js'
import { Dissemination } from './dissemination.js'
import { grow, IdIndex, SlotSet } from './slots.js'
import { Suspicion } from './suspicion.js'
import type { MemberEvent, MemberState, Message, SwimClock, SwimTransport, TimerHandle, Update } from './types.js'

export interface DetectorComponents {
  transport: SwimTransport
  clock: SwimClock
  /** Uniform in [0, 1). Default Math.random; the simulation passes a seeded one. */
  random?: () => number
  /** Interns member ids to slots. Default: a private one; the simulation shares one. */
  ids?: IdIndex
}

export interface DetectorInit {
  id: string
  /** Our record, carried by our alive updates. */
  meta: Uint8Array
  /** Starting incarnation. Default 0; a node that keeps its id across restarts passes a clock-derived one. */
  incarnation?: number
  /** Protocol period: one probe each. Default 500 ms. */
  probeIntervalMs?: number
  /** Wait for a direct ack before asking others. Default 200 ms (≤ the period). */
  probeTimeoutMs?: number
  /** Members asked to probe indirectly. Default 3. */
  indirectChecks?: number
  /** Suspicion min = suspicionMult × max(1, log10 N) × period. Default 2. */
  suspicionMult?: number
  /** Suspicion max = suspicionMaxMult × min. Default 3. */
  suspicionMaxMult?: number
  /** Confirmations that bring a suspicion down to min. Default 3. */
  suspicionConfirmations?: number
  /** Highest local-health score (period and timeouts × (1 + score)). Default 8. */
  awarenessMax?: number
  /** How often queued changes go to `gossipNodes` random members. Default 200 ms. */
  gossipIntervalMs?: number
  /** Default 3. */
  gossipNodes?: number
  /** See Dissemination. Default 4. */
  retransmitMult?: number
  /** Bytes of changes piggybacked on one probe message. Default 1024. */
  piggybackBytes?: number
  /** Bytes of changes in one gossip message. Default 4096. */
  gossipBytes?: number
  /** How long a dead member is remembered (rejects its stale alives; heals partitions). Default 10 min. */
  deadRetainMs?: number
  /** How often one remembered dead member is pinged with its death attached. Default 1 s; 0 = never. */
  reconnectIntervalMs?: number
  /** Full-state exchange with one random alive member, on average this often. Default 15 s; 0 = never. */
  pushPullIntervalMs?: number
  /** Beyond this many members the push-pull interval grows with N (× N / this). Default 32. */
  pushPullScaleMembers?: number
  onEvent?: (ev: MemberEvent) => void
}

interface Probe {
  seq: number
  target: number
  acked: boolean
  /** ping-reqs sent, nacks back */
  asked: number
  nacks: number
  timer: TimerHandle | undefined
}

interface Relay { requester: string, seq: number, timer: TimerHandle }

const UNKNOWN = 0
const CODE: Record<MemberState, number> = { alive: 1, suspect: 2, dead: 3, left: 4 }
const STATE: Array<MemberState | undefined> = [undefined, 'alive', 'suspect', 'dead', 'left']

const EMPTY = new Uint8Array(0)
/** Without push-pull: how long after a record change refutations carry the record. */
const RECENT_RECORD_MS = 60_000

export class Detector {
  readonly id: string
  private inc: number
  private meta: Uint8Array
  private readonly transport: SwimTransport
  private readonly clock: SwimClock
  private readonly random: () => number
  private readonly ids: IdIndex
  private readonly self: number
  // per slot: state code (0 = unknown), incarnation, when the state began, record
  private state = new Uint8Array(0)
  private incs = new Uint32Array(0)
  private since = new Float64Array(0)
  private metas: Array<Uint8Array | undefined> = []
  private readonly suspicions = new Map<number, Suspicion>()
  /** alive or suspect (probe and gossip targets) */
  private readonly live = new SlotSet()
  private readonly dead = new SlotSet()
  private readonly queue: Dissemination
  private order: Int32Array<ArrayBufferLike> = new Int32Array(0)
  private orderAt = 0
  private probe: Probe | undefined
  private readonly relays = new Map<number, Relay>()
  private seq = 0
  private awareness = 0
  private probeTimer: TimerHandle | undefined
  private gossipTimer: TimerHandle | undefined
  private reconnectTimer: TimerHandle | undefined
  private pushPullTimer: TimerHandle | undefined
  private probeDue = 0
  /** When our record last changed (or we started): refutations until a push-pull later carry it. */
  private metaChangedAt = -Infinity
  private lastProbeAt = 0
  private running = false
  private leaving = false
  /** When we last told a dead member that it is dead (one note per member per period). */
  private readonly told = new Map<number, number>()
  /** Members the message being applied holds suspect or dead at an incarnation they refuted. */
  private readonly stale: number[] = []
  /** When we last corrected a sender's stale verdicts (one correction per sender per period). */
  private readonly corrected = new Map<number, number>()

  readonly o: Required<Omit<DetectorInit, 'onEvent' | 'incarnation' | 'meta' | 'id'>>
  private readonly onEvent: (ev: MemberEvent) => void
  /** Messages and bytes sent and received, and verdicts (for the simulation and metrics). */
  readonly stats = { sent: 0, received: 0, bytesOut: 0, bytesIn: 0, invalid: 0, refutes: 0, suspects: 0, deaths: 0 }

  constructor (components: DetectorComponents, init: DetectorInit) {
    this.transport = components.transport
    this.clock = components.clock
    this.random = components.random ?? Math.random
    this.ids = components.ids ?? new IdIndex()
    this.id = init.id
    this.self = this.ids.slot(init.id)
    this.inc = init.incarnation ?? 0
    this.meta = init.meta
    const period = init.probeIntervalMs ?? 500
    this.o = {
      probeIntervalMs: period,
      probeTimeoutMs: Math.min(init.probeTimeoutMs ?? 200, period),
      indirectChecks: init.indirectChecks ?? 3,
      suspicionMult: init.suspicionMult ?? 2,
      suspicionMaxMult: init.suspicionMaxMult ?? 3,
      suspicionConfirmations: init.suspicionConfirmations ?? 3,
      awarenessMax: init.awarenessMax ?? 8,
      gossipIntervalMs: init.gossipIntervalMs ?? 200,
      gossipNodes: init.gossipNodes ?? 3,
      retransmitMult: init.retransmitMult ?? 4,
      piggybackBytes: init.piggybackBytes ?? 1024,
      gossipBytes: init.gossipBytes ?? 4096,
      deadRetainMs: init.deadRetainMs ?? 600_000,
      reconnectIntervalMs: init.reconnectIntervalMs ?? 1000,
      pushPullIntervalMs: init.pushPullIntervalMs ?? 15_000,
      pushPullScaleMembers: init.pushPullScaleMembers ?? 32,
    }
    this.queue = new Dissemination({ retransmitMult: this.o.retransmitMult })
    this.onEvent = init.onEvent ?? (() => {})
  }

  // ---- owner's API ----

  start (): void {
    if (this.running) return
    this.running = true
    this.lastProbeAt = this.clock.now()
    this.metaChangedAt = this.clock.now()
    this.scheduleProbe(this.random() * this.o.probeIntervalMs)
    if (this.o.reconnectIntervalMs > 0) this.scheduleReconnect()
    if (this.o.pushPullIntervalMs > 0) this.schedulePushPull()
    this.enqueue({ state: 'alive', id: this.id, inc: this.inc, meta: this.meta })
  }

  stop (): void {
    this.running = false
    this.probeTimer?.cancel()
    this.gossipTimer?.cancel()
    this.reconnectTimer?.cancel()
    this.pushPullTimer?.cancel()
    this.gossipTimer = undefined
    this.probe?.timer?.cancel()
    for (const r of this.relays.values()) r.timer.cancel()
    this.relays.clear()
    for (const s of this.suspicions.values()) s.cancel()
  }

  /** Says goodbye: a left update to a few members at once (and queued for the rest), then stops. */
  leave (): void {
    if (this.leaving) return
    const u: Update = { state: 'left', id: this.id, inc: this.inc }
    for (const to of this.live.pick(2 * this.o.gossipNodes, this.random)) this.send(this.ids.id(to), { type: 'gossip', updates: [u] })
    this.leaving = true
    this.stop()
  }

  /** Our record changed: a higher incarnation carries it. */
  updateMeta (meta: Uint8Array): void {
    this.meta = meta
    this.metaChangedAt = this.clock.now()
    this.inc++
    this.enqueue({ state: 'alive', id: this.id, inc: this.inc, meta })
  }

  /** Sends `id` (a seed, or a member we just linked to) our full state and asks for its own. */
  join (id: string): void {
    if (id === this.id) return
    this.send(id, { type: 'sync', reply: false, members: this.fullState() })
  }

  /** Adds members as known without spreading them (the simulation's converged start). */
  seed (updates: Update[]): void {
    for (const u of updates) this.apply(u, false)
  }

  /** A direct link to a member went away: probe it next instead of in its turn. */
  probeSoon (id: string): void {
    const s = this.ids.find(id)
    if (s === undefined || !this.live.has(s) || this.probe?.target === s) return
    if (this.orderAt > 0) this.order[--this.orderAt] = s
    else { const o = new Int32Array(this.order.length + 1); o[0] = s; o.set(this.order, 1); this.order = o }
  }

  /** Our process was stalled (the owner noticed a clock jump): what we missed meanwhile is not news. */
  resync (): void {
    if (this.probe !== undefined) this.probe.acked = true
    for (const [s, sus] of this.suspicions) {
      sus.cancel()
      this.startSuspicion(s, this.self)
    }
  }

  get incarnation (): number { return this.inc }
  /** Local health score (0 = healthy). */
  get health (): number { return this.awareness }
  /** Self plus live members. */
  get size (): number { return this.live.size + 1 }
  get queued (): number { return this.queue.size }
  /** Ids of the members we hold alive or suspect, self excluded. */
  liveIds (): string[] {
    const out: string[] = []
    for (let i = 0; i < this.live.size; i++) out.push(this.ids.id(this.live.at(i)))
    return out
  }

  stateOf (id: string): MemberState | undefined {
    if (id === this.id) return 'alive'
    const s = this.ids.find(id)
    return s === undefined || s >= this.state.length ? undefined : STATE[this.state[s]]
  }

  metaOf (id: string): Uint8Array | undefined {
    if (id === this.id) return this.meta
    const s = this.ids.find(id)
    return s === undefined || this.stateOf(id) === undefined ? undefined : this.metas[s]
  }

  incOf (id: string): number | undefined {
    if (id === this.id) return this.inc
    const s = this.ids.find(id)
    return s === undefined || this.stateOf(id) === undefined ? undefined : this.incs[s]
  }

  // ---- network ----

  /** A message from `from` (authenticated by the transport). */
  receive (from: string, data: Uint8Array): void {
    if (!this.running) return
    const m = decodeMessage(data)
    this.stats.received++
    this.stats.bytesIn += data.length
    if (m === undefined || from === this.id) { this.stats.invalid++; return }
    if (m.type === 'sync') {
      for (const u of m.members) this.merge(u, from)
      this.stale.length = 0
      if (!m.reply) this.send(from, { type: 'sync', reply: true, members: this.fullState() })
      return
    }
    if (m.type !== 'nack') {
      this.stale.length = 0
      for (const u of m.updates) this.apply(u, true)
      if (this.stale.length > 0) this.correct(from)
    }
    switch (m.type) {
      case 'ping':
        if (m.target !== this.id) return // meant for an earlier holder of an address
        this.send(from, { type: 'ack', seq: m.seq, updates: this.noteFor(from) })
        return
      case 'ack': {
        const p = this.probe
        if (p !== undefined && p.seq === m.seq) { p.acked = true; return }
        const r = this.relays.get(m.seq)
        if (r !== undefined) {
          r.timer.cancel()
          this.relays.delete(m.seq)
          this.send(r.requester, { type: 'ack', seq: r.seq, updates: this.piggyback() })
        }
        return
      }
      case 'ping-req': {
        const seq = ++this.seq
        const timer = this.clock.setTimeout(() => {
          this.relays.delete(seq)
          this.send(from, { type: 'nack', seq: m.seq })
        }, this.timeoutMs())
        this.relays.set(seq, { requester: from, seq: m.seq, timer })
        this.send(m.target, { type: 'ping', seq, target: m.target, updates: this.piggyback() })
        return
      }
      case 'nack':
        if (this.probe !== undefined && this.probe.seq === m.seq) this.probe.nacks++
        return
      case 'gossip':
        this.noteFor(from, true)
    }
  }

  // ---- probing ----

  private periodMs (): number { return this.o.probeIntervalMs * (1 + this.awareness) }
  private timeoutMs (): number { return this.o.probeTimeoutMs * (1 + this.awareness) }

  private scheduleProbe (ms: number): void {
    this.probeDue = this.clock.now() + ms
    this.probeTimer = this.clock.setTimeout(() => { this.tick() }, ms)
  }

  /** A gap this long since the last probe tick means our process (not the fleet) was stalled. */
  private stalled (now: number): boolean {
    return now - this.lastProbeAt > 2 * this.periodMs() + 1000
  }

  private tick (): void {
    if (!this.running) return
    const now = this.clock.now()
    const stall = now - this.probeDue > this.periodMs() + 1000
    const p = this.probe
    this.probe = undefined
    if (p !== undefined) {
      p.timer?.cancel()
      if (stall) {
        this.resync()
      } else if (p.acked) {
        this.adjustHealth(-1)
      } else {
        // Lifeguard: the failure, and every nack that did not come back, count against us too
        this.adjustHealth(1 + (p.asked - p.nacks))
        const st = this.state[p.target]
        if (st === CODE.alive || st === CODE.suspect) {
          this.suspect(p.target, this.self, this.incs[p.target], true)
          // tell the suspect itself: a lossy path (not a dead member) often still carries one
          // message, and it can refute before gossip busy with other news reaches it
          this.noteFor(this.ids.id(p.target), true)
        }
      }
    }
    this.lastProbeAt = now
    this.scheduleProbe(this.periodMs())
    const target = this.nextTarget()
    if (target < 0) return
    const seq = ++this.seq
    const probe: Probe = { seq, target, acked: false, asked: 0, nacks: 0, timer: undefined }
    this.probe = probe
    const tid = this.ids.id(target)
    // buddy system: a ping to a member we suspect carries the suspicion, so it can refute in its ack
    const updates = this.state[target] === CODE.suspect
      ? [{ state: 'suspect' as const, id: tid, inc: this.incs[target], from: this.id }, ...this.piggyback()]
      : this.piggyback()
    this.send(tid, { type: 'ping', seq, target: tid, updates })
    probe.timer = this.clock.setTimeout(() => {
      if (probe.acked || this.probe !== probe) return
      const helpers = this.live.pick(this.o.indirectChecks, this.random, target)
      probe.asked = helpers.length
      for (const h of helpers) this.send(this.ids.id(h), { type: 'ping-req', seq, target: tid, updates: this.piggyback() })
    }, this.timeoutMs())
  }

  private adjustHealth (delta: number): void {
    this.awareness = Math.max(0, Math.min(this.o.awarenessMax, this.awareness + delta))
  }

  /** Round robin over a fresh shuffle of the live members each round (−1: none). */
  private nextTarget (): number {
    for (let pass = 0; pass < 2; pass++) {
      while (this.orderAt < this.order.length) {
        const s = this.order[this.orderAt++]
        if (this.live.has(s)) return s
      }
      this.order = this.live.shuffled(this.random)
      this.orderAt = 0
      if (this.order.length === 0) return -1
    }
    return -1
  }

  private scheduleReconnect (): void {
    this.reconnectTimer = this.clock.setTimeout(() => {
      if (!this.running) return
      this.scheduleReconnect()
      this.forgetOld()
      const [s] = this.dead.pick(1, this.random)
      if (s === undefined) return
      const id = this.ids.id(s)
      // its own death first, so a member that is alive after all refutes in its ack
      const note: Update = { state: 'dead', id, inc: this.incs[s], from: this.id }
      this.send(id, { type: 'ping', seq: ++this.seq, target: id, updates: [note, ...this.piggyback()] })
    }, this.o.reconnectIntervalMs)
  }

  // ---- anti-entropy ----

  /** Mean push-pull interval: the base up to pushPullScaleMembers, then in proportion to N. */
  pushPullMs (): number {
    return this.o.pushPullIntervalMs * Math.max(1, (this.live.size + 1) / this.o.pushPullScaleMembers)
  }

  private schedulePushPull (first = true): void {
    // the first at a random phase, then uniform in [0.5, 1.5) × the interval: members that
    // started together do not swap in step
    this.pushPullTimer = this.clock.setTimeout(() => {
      if (!this.running) return
      this.schedulePushPull(false)
      const to = this.randomAlive()
      if (to !== undefined) this.join(to)
    }, this.pushPullMs() * (first ? this.random() : 0.5 + this.random()))
  }

  private randomAlive (): string | undefined {
    for (const s of this.live.pick(this.o.indirectChecks + 1, this.random)) {
      if (this.state[s] === CODE.alive) return this.ids.id(s)
    }
    return undefined
  }

  /** One entry of a full-state exchange from `from`: an update, with the two rules of the header. */
  private merge (u: Update, from: string): void {
    if (u.id !== this.id) {
      const s = this.ids.find(u.id)
      const st = s === undefined || s >= this.state.length ? UNKNOWN : this.state[s]
      if (s !== undefined && (st === CODE.alive || st === CODE.suspect)) {
        if (u.state === 'dead' && u.inc >= this.incs[s]) {
          this.apply({ state: 'suspect', id: u.id, inc: u.inc, from: u.from ?? from }, true)
          return
        }
        if (u.id === from && u.state === 'alive' && u.meta !== undefined && u.inc === this.incs[s] &&
            !sameBytes(u.meta, this.metas[s] ?? EMPTY)) {
          this.metas[s] = u.meta
          if (st === CODE.alive) this.onEvent({ kind: 'update', id: u.id, inc: u.inc, meta: u.meta })
          return
        }
      }
    }
    this.apply(u, true)
  }

  private forgetOld (): void {
    if (this.dead.size === 0) return
    const before = this.clock.now() - this.o.deadRetainMs
    for (let i = this.dead.size - 1; i >= 0; i--) {
      const s = this.dead.at(i)
      if (this.since[s] < before) { this.forget(s) }
    }
  }

  private forget (s: number): void {
    this.dead.delete(s)
    this.state[s] = UNKNOWN
    this.metas[s] = undefined
    this.told.delete(s)
  }

  /**
   * `from` passed on a suspicion or death older than the member's refutation (it missed the
   * refutation, whose retransmissions are spent: it would declare a live member dead). Tell it
   * the member's current alive directly; at most once per sender per period.
   */
  private correct (from: string): void {
    const f = this.ids.slot(from)
    const now = this.clock.now()
    if ((this.corrected.get(f) ?? -Infinity) > now - this.o.probeIntervalMs) return
    this.corrected.set(f, now)
    if (this.corrected.size > 4 * (this.live.size + 16)) this.corrected.clear()
    const updates: Update[] = []
    let budget = this.o.piggybackBytes
    for (const s of new Set(this.stale)) {
      const u: Update = { state: 'alive', id: this.ids.id(s), inc: this.incs[s] }
      budget -= updateSize(u)
      if (budget < 0 && updates.length > 0) break
      updates.push(u)
    }
    this.send(from, { type: 'gossip', updates })
  }

  /** Updates for a reply to `from`: if we hold it dead or suspect, that first, so it can refute
   *  (Lifeguard's buddy system: a suspect that is alive hears of it from whoever it talks to). */
  private noteFor (from: string, alone = false): Update[] {
    const s = this.ids.find(from)
    let note: Update | undefined
    if (s !== undefined && (this.state[s] === CODE.dead || this.state[s] === CODE.suspect)) {
      const now = this.clock.now()
      if ((this.told.get(s) ?? -Infinity) < now - this.o.probeIntervalMs) {
        this.told.set(s, now)
        note = { state: this.state[s] === CODE.dead ? 'dead' : 'suspect', id: from, inc: this.incs[s], from: this.id }
      }
    }
    if (alone) {
      if (note !== undefined) this.send(from, { type: 'gossip', updates: [note] })
      return []
    }
    return note === undefined ? this.piggyback() : [note, ...this.piggyback()]
  }

  // ---- updates ----

  private piggyback (): Update[] {
    return this.queue.take(this.o.piggybackBytes, this.live.size + 1)
  }

  private enqueue (u: Update, urgent = false): void {
    this.queue.enqueue(u, urgent)
    if (this.gossipTimer === undefined && this.running) {
      this.gossipTimer = this.clock.setTimeout(() => { this.gossip() }, this.o.gossipIntervalMs)
    }
  }

  private gossip (): void {
    this.gossipTimer = undefined
    if (!this.running) return
    for (const to of this.live.pick(this.o.gossipNodes, this.random)) {
      const updates = this.queue.take(this.o.gossipBytes, this.live.size + 1)
      if (updates.length === 0) break
      this.send(this.ids.id(to), { type: 'gossip', updates })
    }
    if (this.queue.size > 0 && this.live.size > 0) {
      this.gossipTimer = this.clock.setTimeout(() => { this.gossip() }, this.o.gossipIntervalMs)
    }
  }

  private fullState (): Update[] {
    const out: Update[] = [{ state: 'alive', id: this.id, inc: this.inc, meta: this.meta }]
    for (let s = 0; s < this.state.length; s++) {
      const st = STATE[this.state[s]]
      if (st !== undefined) out.push({ state: st, id: this.ids.id(s), inc: this.incs[s], meta: this.metas[s] ?? EMPTY })
    }
    return out
  }

  private ensure (s: number): void {
    if (s < this.state.length) return
    const n = Math.max(s + 1, this.ids.size)
    this.state = grow(this.state, n, k => new Uint8Array(k))
    this.incs = grow(this.incs, n, k => new Uint32Array(k))
    if (this.since.length < this.state.length) {
      const b = new Float64Array(this.state.length)
      b.set(this.since)
      this.since = b
    }
  }

  /** Applies one update by the rules in the header; `spread`: pass news on. */
  private apply (u: Update, spread: boolean): void {
    if (u.id === this.id) { this.aboutSelf(u); return }
    const s = this.ids.slot(u.id)
    this.ensure(s)
    const st = this.state[s]
    const inc = this.incs[s]
    const now = this.clock.now()
    switch (u.state) {
      case 'alive': {
        if (st === UNKNOWN) {
          // an alive without a record only raises a known member's incarnation
          if (u.meta === undefined) return
          const meta = u.meta
          this.state[s] = CODE.alive
          this.incs[s] = u.inc
          this.since[s] = now
          this.metas[s] = meta
          this.live.add(s)
          this.insertInOrder(s)
          if (spread) this.enqueue({ state: 'alive', id: u.id, inc: u.inc, meta })
          this.onEvent({ kind: 'join', id: u.id, inc: u.inc, meta })
          return
        }
        if (u.inc <= inc) return
        const previous = STATE[st] as MemberState
        const changed = u.meta !== undefined && !sameBytes(u.meta, this.metas[s] ?? EMPTY)
        this.incs[s] = u.inc
        if (u.meta !== undefined) this.metas[s] = u.meta
        this.suspicions.get(s)?.cancel()
        this.suspicions.delete(s)
        if (st !== CODE.alive) {
          this.state[s] = CODE.alive
          this.since[s] = now
          this.dead.delete(s)
          this.live.add(s)
          // back from dead: the next round includes it (no copy of a 10k-long order per rejoin)
        }
        const meta = this.metas[s] ?? EMPTY
        // passed on as it came: with the record if it brought one (a record change), else without
        if (spread) this.enqueue(u.meta === undefined ? { state: 'alive', id: u.id, inc: u.inc } : { state: 'alive', id: u.id, inc: u.inc, meta })
        if (st !== CODE.alive) this.onEvent({ kind: 'alive', id: u.id, inc: u.inc, meta, previous })
        else if (changed) this.onEvent({ kind: 'update', id: u.id, inc: u.inc, meta })
        return
      }
      case 'suspect': {
        if (st === UNKNOWN) {
          // a sync's suspect member is a member: add it, then suspect it
          if (u.meta === undefined) return
          this.apply({ state: 'alive', id: u.id, inc: u.inc, meta: u.meta }, false)
          this.suspect(s, this.ids.slot(u.from ?? this.id), u.inc, spread)
          return
        }
        if (u.inc < inc && (st === CODE.alive || st === CODE.suspect)) this.stale.push(s)
        if (u.inc < inc || st === CODE.dead || st === CODE.left) return
        this.suspect(s, this.ids.slot(u.from ?? this.id), u.inc, spread)
        return
      }
      case 'dead':
      case 'left': {
        if (st === UNKNOWN) {
          // remember it (a late alive about it must not bring it back), but it is no news
          if (u.meta === undefined) return
          this.state[s] = CODE[u.state]
          this.incs[s] = u.inc
          this.since[s] = now
          this.metas[s] = u.meta
          if (u.state === 'dead') this.dead.add(s)
          return
        }
        if (u.inc < inc && (st === CODE.alive || st === CODE.suspect)) this.stale.push(s)
        if (u.inc < inc || st === CODE.dead || st === CODE.left) return
        this.kill(s, u.state, u.inc, spread)
      }
    }
  }

  private aboutSelf (u: Update): void {
    if (u.state === 'alive') {
      // someone holds a newer incarnation of us than we know (we restarted): outbid it
      if (u.inc > this.inc) this.refute(u.inc)
      return
    }
    if (u.inc < this.inc) {
      // someone still holds an old verdict about us (it missed our refutation): say again who we are
      this.enqueue(this.selfAlive(), true)
      return
    }
    this.refute(u.inc)
  }

  private refute (over: number): void {
    this.inc = Math.max(this.inc, over) + 1
    this.stats.refutes++
    // Lifeguard: being suspected hints that we are the slow one
    this.adjustHealth(1)
    this.enqueue(this.selfAlive(), true)
  }

  /** Our alive for a refutation: with the record only if it changed lately (see the header). */
  private selfAlive (): Update {
    const recent = this.o.pushPullIntervalMs > 0 ? this.pushPullMs() : RECENT_RECORD_MS
    return this.clock.now() - this.metaChangedAt < recent
      ? { state: 'alive', id: this.id, inc: this.inc, meta: this.meta }
      : { state: 'alive', id: this.id, inc: this.inc }
  }

  private suspect (s: number, from: number, inc: number, spread: boolean): void {
    const fromId = this.ids.id(from)
    const id = this.ids.id(s)
    if (this.state[s] === CODE.suspect && inc === this.incs[s]) {
      // another member suspects it too: a confirmation, news while it shortens the timeout
      if (this.suspicions.get(s)?.confirm(fromId) === true && spread) this.enqueue({ state: 'suspect', id, inc, from: fromId })
      return
    }
    this.incs[s] = inc
    this.state[s] = CODE.suspect
    this.since[s] = this.clock.now()
    this.stats.suspects++
    this.suspicions.get(s)?.cancel()
    this.startSuspicion(s, from)
    if (spread) this.enqueue({ state: 'suspect', id, inc, from: fromId })
    this.onEvent({ kind: 'suspect', id, inc, meta: this.metas[s] ?? EMPTY })
  }

  private startSuspicion (s: number, from: number): void {
    const n = this.live.size + 1
    const min = this.o.suspicionMult * Math.max(1, Math.log10(n)) * this.o.probeIntervalMs
    const max = this.o.suspicionMaxMult * min
    const k = Math.max(0, Math.min(this.o.suspicionConfirmations, n - 3))
    const inc = this.incs[s]
    const sus = new Suspicion(this.clock, inc, this.ids.id(from), k, min, max, () => {
      if (this.suspicions.get(s) !== sus || this.state[s] !== CODE.suspect || this.incs[s] !== inc) return
      if (this.stalled(this.clock.now())) { this.startSuspicion(s, this.self); return }
      this.kill(s, 'dead', inc, true)
    })
    this.suspicions.set(s, sus)
  }

  private kill (s: number, state: 'dead' | 'left', inc: number, spread: boolean): void {
    this.suspicions.get(s)?.cancel()
    this.suspicions.delete(s)
    this.incs[s] = inc
    this.state[s] = CODE[state]
    this.since[s] = this.clock.now()
    this.live.delete(s)
    if (state === 'dead') this.dead.add(s)
    this.stats.deaths++
    const id = this.ids.id(s)
    if (spread) this.enqueue({ state, id, inc, ...(state === 'dead' ? { from: this.id } : {}) })
    this.onEvent({ kind: state, id, inc, meta: this.metas[s] ?? EMPTY })
  }

  private insertInOrder (s: number): void {
    // a newcomer goes to a random place in the rest of this round (SWIM's round robin); before
    // the first round (a converged start) the next shuffle includes it anyway
    const rest = this.order.length - this.orderAt
    if (rest === 0) return
    const at = this.orderAt + Math.floor(this.random() * (rest + 1))
    const o = new Int32Array(this.order.length + 1)
    o.set(this.order.subarray(0, at))
    o[at] = s
    o.set(this.order.subarray(at), at + 1)
    this.order = o
  }

  private send (to: string, m: Message): void {
    const data = encodeMessage(m)
    this.stats.sent++
    this.stats.bytesOut += data.length
    this.transport.send(to, data)
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
