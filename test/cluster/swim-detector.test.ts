// The detector's rules, each on a few detectors over a hand-driven clock and network.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Detector } from '../../src/cluster/swim/detector.js'
import type { DetectorInit } from '../../src/cluster/swim/detector.js'
import { decodeMessage, encodeMessage } from '../../src/cluster/swim/codec.js'
import { Dissemination } from '../../src/cluster/swim/dissemination.js'
import { suspicionTimeout } from '../../src/cluster/swim/suspicion.js'
import type { MemberEvent, SwimClock, Update } from '../../src/cluster/swim/types.js'

interface Timer { at: number, n: number, fn: () => void, off: boolean }

/** A virtual clock and a network with 1 ms links, blockable per direction. */
class World {
  t = 0
  private n = 0
  private timers: Timer[] = []
  readonly nodes = new Map<string, Detector>()
  readonly events: Array<MemberEvent & { at: string, t: number }> = []
  readonly blocked = new Set<string>()
  readonly frozen = new Set<string>()
  readonly sent: Array<{ from: string, to: string, type: string, data: Uint8Array }> = []

  clock (owner: string): SwimClock {
    return {
      now: () => this.t,
      setTimeout: (fn, ms) => {
        const tm: Timer = { at: this.t + ms, n: this.n++, fn: () => { if (!this.frozen.has(owner)) fn(); else this.later(owner, fn) }, off: false }
        this.timers.push(tm)
        return { cancel: () => { tm.off = true } }
      },
    }
  }

  /** A frozen owner's timer runs when it thaws (late), as in a SIGSTOPped process. */
  private readonly deferred = new Map<string, Array<() => void>>()
  private later (owner: string, fn: () => void): void {
    const l = this.deferred.get(owner) ?? []
    l.push(fn)
    this.deferred.set(owner, l)
  }

  thaw (owner: string): void {
    this.frozen.delete(owner)
    for (const fn of this.deferred.get(owner) ?? []) this.timers.push({ at: this.t, n: this.n++, fn, off: false })
    this.deferred.delete(owner)
  }

  add (id: string, init: Partial<DetectorInit> = {}): Detector {
    const d = new Detector({
      clock: this.clock(id),
      random: seeded(id.charCodeAt(0)),
      transport: {
        send: (to, data) => {
          this.sent.push({ from: id, to, type: decodeMessage(data)?.type ?? '?', data })
          if (this.blocked.has(`${id}>${to}`) || this.frozen.has(to)) return
          const tm: Timer = { at: this.t + 1, n: this.n++, fn: () => { if (!this.frozen.has(to)) this.nodes.get(to)?.receive(id, data) }, off: false }
          this.timers.push(tm)
        },
      },
    }, { id, meta: new TextEncoder().encode(`record of ${id}`), onEvent: ev => { this.events.push({ ...ev, at: id, t: this.t }) }, ...init })
    this.nodes.set(id, d)
    return d
  }

  /** Every node knows every other alive at incarnation 0, then all start. */
  startAll (): void {
    const all: Update[] = [...this.nodes.values()].map(d => ({ state: 'alive', id: d.id, inc: d.incarnation, meta: d.metaOf(d.id) }))
    for (const d of this.nodes.values()) { d.seed(all); d.start() }
  }

  block (a: string, b: string): void { this.blocked.add(`${a}>${b}`); this.blocked.add(`${b}>${a}`) }

  run (ms: number): void {
    const end = this.t + ms
    for (;;) {
      this.timers.sort((x, y) => x.at - y.at || x.n - y.n)
      const tm = this.timers[0]
      if (tm === undefined || tm.at > end) break
      this.timers.shift()
      this.t = tm.at
      if (!tm.off) tm.fn()
    }
    this.t = end
  }

  first (at: string, kind: MemberEvent['kind'], id: string): number | undefined {
    return this.events.find(e => e.at === at && e.kind === kind && e.id === id)?.t
  }
}

function seeded (seed: number): () => number {
  let a = seed * 2654435761 >>> 0
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
}

// push-pull off unless a test is about it: the other rules must hold without it
const opts = { probeIntervalMs: 500, probeTimeoutMs: 200, reconnectIntervalMs: 0, pushPullIntervalMs: 0 }

test('a member that stops answering is suspected, then declared dead, and every member hears it', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C', 'D']) w.add(id, opts)
  w.startAll()
  w.run(3000)
  assert.equal(w.events.filter(e => e.kind === 'suspect' || e.kind === 'dead').length, 0, 'no suspicion while all answer')
  w.frozen.add('D')
  const t0 = w.t
  w.run(10_000)
  for (const at of ['A', 'B', 'C']) {
    const s = w.first(at, 'suspect', 'D')
    const d = w.first(at, 'dead', 'D')
    assert.ok(s !== undefined && d !== undefined, `${at} suspected and buried D`)
    assert.ok(s < d, `${at}: suspect before dead`)
    assert.ok(d - t0 < 5000, `${at} dropped D within 5 s (took ${d - t0} ms)`)
    assert.equal(w.nodes.get(at)?.stateOf('D'), 'dead')
  }
  // the suspicion lasted at least its minimum: suspicionMult × period
  const firstSuspect = Math.min(...['A', 'B', 'C'].map(at => w.first(at, 'suspect', 'D') as number))
  const firstDead = Math.min(...['A', 'B', 'C'].map(at => w.first(at, 'dead', 'D') as number))
  assert.ok(firstDead - firstSuspect >= 2 * 500, `suspicion lasted ${firstDead - firstSuspect} ms`)
})

test('indirect probes: a member one node cannot reach but others can is never suspected', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C', 'D']) w.add(id, opts)
  w.block('A', 'D') // A and D cannot talk directly (NAT, a WebSockets-only site)
  w.startAll()
  w.run(20_000)
  assert.ok(w.sent.some(m => m.from === 'A' && m.type === 'ping-req'), 'A asked others to probe D')
  assert.deepEqual(w.events.filter(e => e.kind === 'suspect' || e.kind === 'dead'), [])
  assert.equal(w.nodes.get('A')?.stateOf('D'), 'alive')
  assert.equal(w.nodes.get('D')?.stateOf('A'), 'alive')
  // without the helpers (everyone cut off from D) the same probes do suspect it
  for (const id of ['B', 'C']) w.block(id, 'D')
  w.run(5000)
  assert.ok(w.first('A', 'suspect', 'D') !== undefined)
})

test('a suspected member refutes with a higher incarnation and stays a member', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  w.run(1000)
  const b = w.nodes.get('B') as Detector
  assert.equal(b.incarnation, 0)
  // A wrongly suspects B (say, its own link was slow): it tells C and B
  w.nodes.get('C')?.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'A' }] }))
  assert.equal(w.nodes.get('C')?.stateOf('B'), 'suspect')
  b.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'A' }] }))
  assert.equal(b.incarnation, 1, 'B raised its incarnation')
  w.run(3000)
  const back = w.events.find(e => e.at === 'C' && e.kind === 'alive' && e.id === 'B')
  assert.equal(back?.previous, 'suspect')
  assert.equal(back?.inc, 1)
  assert.equal(w.first('C', 'dead', 'B'), undefined)
  assert.equal(w.nodes.get('A')?.stateOf('B'), 'alive')
  // an old suspicion (incarnation 0) no longer applies
  w.nodes.get('C')?.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'A' }] }))
  assert.equal(w.nodes.get('C')?.stateOf('B'), 'alive')
})

test('a dead member rejoins only with a higher incarnation; its old alives cannot revive it', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  w.run(1000)
  const a = w.nodes.get('A') as Detector
  a.receive('C', encodeMessage({ type: 'gossip', updates: [{ state: 'dead', id: 'B', inc: 0, from: 'C' }] }))
  assert.equal(a.stateOf('B'), 'dead')
  a.receive('C', encodeMessage({ type: 'gossip', updates: [{ state: 'alive', id: 'B', inc: 0, meta: new Uint8Array([1]) }] }))
  assert.equal(a.stateOf('B'), 'dead', 'same incarnation: dead wins')
  a.receive('B', encodeMessage({ type: 'gossip', updates: [{ state: 'alive', id: 'B', inc: 1, meta: new TextEncoder().encode('new record') }] }))
  assert.equal(a.stateOf('B'), 'alive')
  assert.equal(new TextDecoder().decode(a.metaOf('B')), 'new record')
  const ev = w.events.find(e => e.at === 'A' && e.kind === 'alive' && e.id === 'B')
  assert.equal(ev?.previous, 'dead')
})

test('a member declared dead while it was partitioned away refutes when it is reached again', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C', 'D']) w.add(id, { ...opts, reconnectIntervalMs: 1000 })
  w.startAll()
  w.run(1000)
  for (const x of ['A', 'B', 'C']) w.block(x, 'D')
  w.run(10_000)
  assert.equal(w.nodes.get('A')?.stateOf('D'), 'dead')
  assert.equal(w.nodes.get('D')?.stateOf('A'), 'dead')
  w.blocked.clear()
  w.run(10_000)
  for (const x of ['A', 'B', 'C']) {
    assert.equal(w.nodes.get(x)?.stateOf('D'), 'alive', `${x} sees D again`)
    assert.equal(w.nodes.get('D')?.stateOf(x), 'alive', `D sees ${x} again`)
  }
  assert.ok((w.nodes.get('D')?.incarnation ?? 0) >= 1, 'D refuted with a higher incarnation')
})

test('a member that was itself frozen does not declare the others dead when it thaws', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C', 'D']) w.add(id, { ...opts, reconnectIntervalMs: 1000 })
  w.startAll()
  w.run(2000)
  // freeze A just as it sent a probe: the ack arrives while it is frozen, so its probe "fails"
  const sent = w.sent.length
  while (!w.sent.slice(sent).some(m => m.from === 'A' && m.type === 'ping')) w.run(1)
  w.frozen.add('A')
  w.run(15_000)
  w.thaw('A')
  w.run(8000)
  for (const id of ['B', 'C', 'D']) {
    assert.equal(w.first('A', 'dead', id), undefined, `A did not bury ${id}`)
    assert.equal(w.first('A', 'suspect', id), undefined, `A did not even suspect ${id}: its probe failed in its own stall`)
  }
  // the others did drop A while it was frozen, and took it back once it refuted
  assert.ok(w.first('B', 'dead', 'A') !== undefined)
  assert.equal(w.nodes.get('B')?.stateOf('A'), 'alive')
})

test('Lifeguard: confirmations from other members shorten a suspicion towards its minimum', () => {
  assert.equal(suspicionTimeout(0, 3, 1000, 6000), 6000)
  assert.equal(suspicionTimeout(3, 3, 1000, 6000), 1000)
  const one = suspicionTimeout(1, 3, 1000, 6000)
  const two = suspicionTimeout(2, 3, 1000, 6000)
  assert.ok(one < 6000 && two < one && two > 1000, `${one} ${two}`)
  assert.equal(suspicionTimeout(5, 0, 1000, 6000), 1000, 'no confirmations expected: min')
  // a detector that hears 3 other suspecters buries the member sooner than one that hears none
  const bury = (confirmers: string[]): number => {
    const w = new World()
    for (const id of ['A', 'B', 'C', 'D', 'E', 'F', 'G']) w.add(id, { ...opts, probeIntervalMs: 60_000 })
    w.startAll()
    const a = w.nodes.get('A') as Detector
    for (const from of ['B', ...confirmers]) a.receive(from, encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'G', inc: 0, from }] }))
    w.frozen.add('G')
    w.run(200_000)
    return w.first('A', 'dead', 'G') as number
  }
  const lone = bury([])
  const confirmed = bury(['C', 'D', 'E'])
  assert.ok(confirmed < lone, `confirmed ${confirmed} < lone ${lone}`)
})

test('each change is sent a bounded number of times, a newer one replaces it, and only changes are sent', () => {
  const q = new Dissemination({ retransmitMult: 4 })
  const limit = q.limit(100) // 4 × ceil(log10(101)) = 12
  assert.equal(limit, 12)
  q.enqueue({ state: 'suspect', id: 'X', inc: 3, from: 'A' })
  q.enqueue({ state: 'suspect', id: 'X', inc: 3, from: 'B' })
  assert.equal(q.size, 2, 'each suspecter is its own news')
  q.enqueue({ state: 'dead', id: 'X', inc: 3, from: 'A' })
  assert.equal(q.size, 1, 'the verdict replaces the suspicions')
  let sent = 0
  for (let i = 0; i < 100; i++) sent += q.take(1000, 100).length
  assert.equal(sent, limit)
  assert.equal(q.size, 0)
  // a quiet fleet sends probes with no updates on them
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  w.run(5000)
  const before = w.sent.length
  w.run(10_000)
  const types = new Set(w.sent.slice(before).map(m => m.type))
  assert.deepEqual([...types].sort(), ['ack', 'ping'], 'steady state: only probes')
})

test('a refutation goes before every queued change, and carries no record', () => {
  const q = new Dissemination({ retransmitMult: 4 })
  for (let i = 0; i < 50; i++) q.enqueue({ state: 'dead', id: `M${i}`, inc: 0, from: 'A' })
  q.enqueue({ state: 'alive', id: 'SELF', inc: 1 }, true)
  assert.equal(q.take(30, 100)[0]?.id, 'SELF', 'urgent first, though 50 older changes wait')
  assert.equal(q.take(30, 100)[0]?.id, 'SELF', 'and again until its sends are spent')

  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  // long after B's start (its record is old news; see the next test for a recent one)
  w.run(61_000)
  const before = w.sent.length
  w.nodes.get('B')?.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'A' }] }))
  w.run(1000)
  const refutes = w.sent.slice(before).flatMap(m => {
    const d = decodeMessage(m.data)
    return d !== undefined && d.type !== 'nack' ? (d.type === 'sync' ? d.members : d.updates).filter(u => u.id === 'B' && u.state === 'alive' && u.inc === 1) : []
  })
  assert.ok(refutes.length > 0, 'the refutation went out')
  assert.ok(refutes.every(u => u.meta === undefined), 'without the unchanged record')
  assert.equal(new TextDecoder().decode(w.nodes.get('C')?.metaOf('B')), 'record of B', 'C keeps the record it had')
  assert.equal(w.nodes.get('C')?.incOf('B'), 1)
  // a record-less alive never adds a member we do not know (we would hold it without its record)
  const fresh = w.add('E', opts)
  fresh.start()
  fresh.receive('C', encodeMessage({ type: 'gossip', updates: [{ state: 'alive', id: 'B', inc: 1 }] }))
  assert.equal(fresh.stateOf('B'), undefined)
})

test('a refutation soon after a record change carries the record, so a member that missed the change gets it', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, { ...opts, pushPullIntervalMs: 20_000 })
  w.startAll()
  w.run(61_000)
  w.blocked.add('B>C')
  w.nodes.get('B')?.updateMeta(new TextEncoder().encode('new record of B'))
  w.run(3000) // C misses the change (and A's retransmissions of it: A>C blocked too)
  w.blocked.add('A>C')
  w.run(3000)
  w.blocked.clear()
  const before = w.sent.length
  const inc = w.nodes.get('B')?.incarnation ?? -1
  w.nodes.get('B')?.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc, from: 'A' }] }))
  w.run(1000)
  const refutes = w.sent.slice(before).flatMap(m => {
    const d = decodeMessage(m.data)
    return m.from === 'B' && d !== undefined && d.type !== 'nack' && d.type !== 'sync' ? d.updates.filter(u => u.id === 'B' && u.state === 'alive' && u.inc > inc) : []
  })
  assert.ok(refutes.length > 0 && refutes.every(u => u.meta !== undefined), 'the refutation carries the record')
  assert.equal(new TextDecoder().decode(w.nodes.get('C')?.metaOf('B')), 'new record of B')
})

test('a member that passes on a suspicion older than the refutation is told the current alive at once', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  w.run(1000)
  const a = w.nodes.get('A') as Detector
  const c = w.nodes.get('C') as Detector
  // C heard B refute (incarnation 1); A missed it and still suspects B at incarnation 0
  c.receive('B', encodeMessage({ type: 'gossip', updates: [{ state: 'alive', id: 'B', inc: 1 }] }))
  a.receive('C', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'C' }] }))
  assert.equal(a.stateOf('B'), 'suspect')
  const before = w.sent.length
  c.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'A' }] }))
  assert.ok(w.sent.slice(before).some(m => m.from === 'C' && m.to === 'A' && m.type === 'gossip'), 'C answered A directly')
  w.run(2) // one link delay: before any periodic gossip (200 ms) could have carried it
  assert.equal(a.stateOf('B'), 'alive')
  assert.equal(a.incOf('B'), 1)
  // once per sender per period: a second stale message right after gets no second answer
  const again = w.sent.length
  c.receive('A', encodeMessage({ type: 'gossip', updates: [{ state: 'dead', id: 'B', inc: 0, from: 'A' }] }))
  assert.equal(w.sent.slice(again).filter(m => m.from === 'C' && m.to === 'A').length, 0)
  assert.equal(c.stateOf('B'), 'alive')
})

test('buddy system: a suspect that talks to a member suspecting it hears of it in the reply and refutes', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C']) w.add(id, opts)
  w.startAll()
  w.run(1000)
  const a = w.nodes.get('A') as Detector
  const b = w.nodes.get('B') as Detector
  // A suspects B; the gossip about it never reaches B
  a.receive('C', encodeMessage({ type: 'gossip', updates: [{ state: 'suspect', id: 'B', inc: 0, from: 'C' }] }))
  assert.equal(a.stateOf('B'), 'suspect')
  w.block('C', 'B')
  const before = w.sent.length
  // B's own probe reaches A: A's ack tells B
  a.receive('B', encodeMessage({ type: 'ping', seq: 99, target: 'A', updates: [] }))
  const ack = w.sent.slice(before).find(m => m.from === 'A' && m.to === 'B' && m.type === 'ack')
  const d = ack === undefined ? undefined : decodeMessage(ack.data)
  assert.ok(d !== undefined && d.type === 'ack' && d.updates[0]?.state === 'suspect' && d.updates[0]?.id === 'B', 'the ack carries the suspicion first')
  w.run(2)
  assert.equal(b.incarnation, 1, 'B refuted')
  w.run(1000)
  assert.equal(a.stateOf('B'), 'alive')
  assert.equal(a.incOf('B'), 1)
})

test('the wire codec round-trips every message and rejects garbage and other versions', () => {
  const meta = new Uint8Array([1, 2, 3])
  const msgs = [
    { type: 'ping', seq: 7, target: '12D3KooWtarget', updates: [{ state: 'alive', id: 'x', inc: 2 ** 40, meta }, { state: 'suspect', id: 'y', inc: 1, from: 'z' }] },
    { type: 'ack', seq: 0, updates: [] },
    { type: 'ping-req', seq: 300, target: 't', updates: [{ state: 'dead', id: 'd', inc: 5, from: 'q' }] },
    { type: 'nack', seq: 1 },
    { type: 'gossip', updates: [{ state: 'left', id: 'l', inc: 9 }] },
    { type: 'sync', reply: true, members: [{ state: 'alive', id: 'a', inc: 0, meta }] },
    { type: 'sync', reply: false, members: [] },
  ] as const
  for (const m of msgs) assert.deepEqual(decodeMessage(encodeMessage(m as never)), m)
  const ok = encodeMessage(msgs[0] as never)
  assert.equal(decodeMessage(ok.subarray(0, ok.length - 1)), undefined, 'truncated')
  assert.equal(decodeMessage(new Uint8Array([2, ...ok.subarray(1)])), undefined, 'another wire version')
  assert.equal(decodeMessage(new Uint8Array([1, 99])), undefined, 'unknown type')
  assert.equal(decodeMessage(new Uint8Array([...ok, 0])), undefined, 'trailing bytes')
  assert.equal(decodeMessage(new Uint8Array(0)), undefined)
})

test('push-pull: a member that missed a record change (then heard only record-less refutations) converges', () => {
  const run = (pushPullIntervalMs: number): { meta: string | undefined, incB: number, incAtC: number | undefined, stateAtC: string | undefined, syncs: number } => {
    const w = new World()
    for (const id of ['A', 'B', 'C']) w.add(id, { ...opts, reconnectIntervalMs: 1000, pushPullIntervalMs })
    w.startAll()
    w.run(2000)
    // nothing reaches C for 65 s: it misses B's record change and every retransmission of it;
    // its probes failing, it buries A and B, who refute without a record once the change is old
    w.blocked.add('A>C')
    w.blocked.add('B>C')
    w.nodes.get('B')?.updateMeta(new TextEncoder().encode('new record of B'))
    w.run(65_000)
    w.blocked.clear()
    w.run(40_000)
    const c = w.nodes.get('C')
    const meta = c?.metaOf('B')
    return {
      meta: meta === undefined ? undefined : new TextDecoder().decode(meta),
      incB: w.nodes.get('B')?.incarnation ?? -1,
      incAtC: c?.incOf('B'),
      stateAtC: c?.stateOf('B'),
      syncs: w.sent.filter(m => m.type === 'sync').length,
    }
  }
  const without = run(0)
  assert.equal(without.syncs, 0)
  assert.ok(without.meta === 'record of B' || without.incAtC !== without.incB || without.stateAtC !== 'alive',
    `without push-pull C's view of B stays behind (${JSON.stringify(without)})`)
  const withPP = run(2000)
  assert.ok(withPP.syncs > 0)
  assert.equal(withPP.stateAtC, 'alive')
  assert.equal(withPP.incAtC, withPP.incB)
  assert.equal(withPP.meta, 'new record of B', 'push-pull brought the record C missed')
})

test('push-pull: a member that missed a join converges; the interval grows with N past the scale', () => {
  const w = new World()
  for (const id of ['A', 'B', 'C', 'D']) w.add(id, { ...opts, reconnectIntervalMs: 1000, pushPullIntervalMs: 2000 })
  w.startAll()
  w.run(2000)
  // D misses E's join for good (every retransmission spent while nothing reaches it)
  for (const id of ['A', 'B', 'C', 'E']) w.blocked.add(`${id}>D`)
  const e = w.add('E', { ...opts, reconnectIntervalMs: 1000, pushPullIntervalMs: 2000 })
  e.start()
  e.join('B')
  w.run(15_000)
  assert.equal(w.nodes.get('A')?.stateOf('E'), 'alive')
  assert.equal(w.nodes.get('D')?.stateOf('E'), undefined, 'D missed the join')
  w.blocked.clear()
  w.run(20_000)
  for (const id of ['A', 'B', 'C', 'E']) assert.equal(w.nodes.get('D')?.stateOf(id), 'alive', `D holds ${id} alive through push-pull`)
  for (const id of ['A', 'B', 'C', 'E']) assert.equal(w.nodes.get(id)?.stateOf('D'), 'alive', `${id} holds D alive`)
  // flat per-node cost: the interval is the base up to the scale, then grows in proportion to N
  const d = new Detector({ transport: { send: () => {} }, clock: new World().clock('x') }, { id: 'x', meta: new Uint8Array(0), pushPullIntervalMs: 1000, pushPullScaleMembers: 4 })
  assert.equal(d.pushPullMs(), 1000)
  d.seed(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(id => ({ state: 'alive' as const, id, inc: 0, meta: new Uint8Array(0) })))
  assert.equal(d.pushPullMs(), 2000)
})

test('push-pull merges by the precedence of updates; a remote death is only a suspicion; the sender speaks for its own record', () => {
  const w = new World()
  const a = w.add('A', { ...opts, pushPullIntervalMs: 0 })
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
  const text = (id: string): string | undefined => { const m = a.metaOf(id); return m === undefined ? undefined : new TextDecoder().decode(m) }
  a.seed([
    { state: 'alive', id: 'M', inc: 3, meta: enc('M at 3') },
    { state: 'alive', id: 'N', inc: 2, meta: enc('N at 2') },
    { state: 'alive', id: 'P', inc: 1, meta: enc('P at 1') },
    { state: 'alive', id: 'S', inc: 4, meta: enc('S at 4') },
  ])
  a.start()
  const sync = (from: string, members: Update[]): void => { a.receive(from, encodeMessage({ type: 'sync', reply: true, members })) }
  sync('S', [
    { state: 'alive', id: 'M', inc: 2, meta: enc('M at 2') }, // older incarnation: ignored
    { state: 'alive', id: 'N', inc: 2, meta: enc('N says 2') }, // equal, not the sender's own: ignored
    { state: 'dead', id: 'P', inc: 1, meta: enc('P at 1') }, // a death at our incarnation: a suspicion
    { state: 'alive', id: 'S', inc: 4, meta: enc('S at 4, changed') }, // the sender's own record
    { state: 'dead', id: 'Q', inc: 7, meta: enc('Q') }, // unknown and dead: remembered, no join
    { state: 'alive', id: 'R', inc: 0, meta: enc('R at 0') }, // unknown and alive: a join
  ])
  assert.equal(a.incOf('M'), 3)
  assert.equal(text('M'), 'M at 3')
  assert.equal(text('N'), 'N at 2')
  assert.equal(a.stateOf('P'), 'suspect')
  assert.equal(text('S'), 'S at 4, changed')
  assert.equal(a.stateOf('Q'), 'dead')
  assert.equal(a.stateOf('R'), 'alive')
  const evs = w.events.filter(e => e.at === 'A').map(e => `${e.kind} ${e.id}`)
  assert.deepEqual(evs.filter(e => !e.startsWith('join') || e === 'join R'), ['suspect P', 'update S', 'join R'])
  // a higher incarnation wins in a sync as in an update: P refuted
  sync('R', [{ state: 'alive', id: 'P', inc: 2, meta: enc('P at 1') }])
  assert.equal(a.stateOf('P'), 'alive')
  // a death at a higher incarnation is still only a suspicion; one at a lower one is stale
  sync('R', [{ state: 'dead', id: 'M', inc: 1, meta: enc('M') }])
  assert.equal(a.stateOf('M'), 'alive')
  sync('R', [{ state: 'dead', id: 'M', inc: 5, meta: enc('M') }])
  assert.equal(a.stateOf('M'), 'suspect')
  assert.equal(a.incOf('M'), 5)
  a.stop()
})
