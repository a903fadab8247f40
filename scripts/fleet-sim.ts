// Discrete-event simulation of a fleet's failure detection at sizes one machine cannot run for
// real. Every simulated node runs the REAL detector and dissemination code
// (src/cluster/swim/), over a simulated network: a virtual clock, per-link latency, independent
// loss per message, a 50/50 partition, nodes killed (gone for good) and frozen (SIGSTOP: no
// timers, no messages, then back).
//
//   npm run fleet-sim -- --nodes N --seconds S --loss FRACTION --kill K --freeze F --seed X [--partition] [--json]
//
// Other flags: --warmup S (default 20), --freeze-for S (40), --partition-for S (30),
// --overhead BYTES (per message on the wire besides its payload: yamux, noise, stream setup;
// default STREAM_OVERHEAD below, measured with scripts/fleet-scale.ts swim-wire), --latency MS
// (max one-way link latency, default 20).
// The last line of output is one JSON object (docs/fleet-scale.md explains each field).

import { performance } from 'node:perf_hooks'
import { Detector } from '../src/cluster/swim/detector.js'
import type { MemberEvent, SwimClock, TimerHandle } from '../src/cluster/swim/types.js'
import { IdIndex } from '../src/cluster/swim/slots.js'
import { decodeMessage } from '../src/cluster/swim/codec.js'
import { mulberry32 } from '../test/helpers/random.js'

/** Bytes one detector message costs on a libp2p link besides its payload (one stream per message). */
export const STREAM_OVERHEAD = 180

export interface SimOptions {
  nodes: number
  seconds: number
  loss: number
  kill: number
  freeze: number
  seed: number
  partition: boolean
  warmupS: number
  freezeForS: number
  partitionForS: number
  overhead: number
  latencyMs: number
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** A 52-character id shaped like an Ed25519 peer id, so messages have their real size. */
function fakePeerId (random: () => number): string {
  let s = '12D3KooW'
  for (let i = 0; i < 44; i++) s += B58[Math.floor(random() * 58)]
  return s
}

/** A record the size of a real node's (the JSON heartbeat record, ~320 bytes). */
function fakeRecord (id: string, i: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    v: 1, id, n: `node-${i}`, a: [`/ip4/10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/tcp/12346`, `/ip4/10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/tcp/12347/ws`],
    h: `10.0.0.${i & 255}:12345`, s: 'p', ver: '0.1.0', c: { 'prometheus.scrape.default': 'a1b2c3d4e5f6a7b8' },
  }))
}

const counts = new Map<string, number>()
function countUpdates (data: Uint8Array): void {
  const m = decodeMessage(data)
  if (m === undefined) return
  const ups = m.type === 'nack' ? [] : m.type === 'sync' ? m.members : m.updates
  const kt = `msg:${m.type}`
  counts.set(kt, (counts.get(kt) ?? 0) + 1)
  for (const u of ups) {
    const k = `${u.state}${u.meta !== undefined ? '+meta' : ''}`
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
}

// ---- event queue (binary heap on time, then insertion order) ----

interface Ev { t: number, n: number, fn: () => void }

class Heap {
  private readonly a: Ev[] = []
  private n = 0
  get size (): number { return this.a.length }
  push (t: number, fn: () => void): void {
    const e: Ev = { t, n: this.n++, fn }
    const a = this.a
    let i = a.length
    a.push(e)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(a[p], e)) break
      a[i] = a[p]
      i = p
    }
    a[i] = e
  }

  pop (): Ev | undefined {
    const a = this.a
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop() as Ev
    if (a.length > 0) {
      let i = 0
      const n = a.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && less(a[r], a[l]) ? r : l
        if (less(last, a[c])) break
        a[i] = a[c]
        i = c
      }
      a[i] = last
    }
    return top
  }
}

const less = (x: Ev, y: Ev): boolean => x.t < y.t || (x.t === y.t && x.n < y.n)

// ---- the simulation ----

interface SimNode {
  i: number
  id: string
  det: Detector
  killed: boolean
  frozen: boolean
  /** timers that came due while frozen: run on thaw */
  deferred: Array<() => void>
  side: number
  /** never killed or frozen: the observers and subjects the figures are about */
  stable: boolean
  bytesIn: number
  bytesOut: number
  msgsIn: number
}

export interface SimResult {
  nodes: number
  seconds: number
  loss: number
  seed: number
  bytes_per_node_s: number
  /** The same from warm-up to the partition (or the end): what a fleet without a split sends. */
  steady_bytes_per_node_s: number
  steady_msgs_per_node_s: number
  bytes_out_per_node_s: number
  msgs_per_node_s: number
  detect_kill_median_s: number | null
  detect_kill_p99_s: number | null
  detect_kill_max_s: number | null
  undetected_kills: number
  detect_freeze_median_s: number | null
  detect_freeze_p99_s: number | null
  detect_freeze_max_s: number | null
  undetected_freezes: number
  false_dead: number
  false_dead_per_node_hour: number
  partition_heal_s: number | null
  events: number
  wall_s: number
}

export function simulate (o: SimOptions, progress?: (msg: string) => void): SimResult {
  const wall0 = performance.now()
  const random = mulberry32(o.seed)
  const heap = new Heap()
  let now = 0
  let events = 0
  const ids = new IdIndex()
  const N = o.nodes

  const nodes: SimNode[] = []
  const byId = new Map<string, SimNode>()
  for (let i = 0; i < N; i++) {
    const id = fakePeerId(random)
    const node = { i, id, killed: false, frozen: false, deferred: [], side: i % 2, stable: true, bytesIn: 0, bytesOut: 0, msgsIn: 0 } as unknown as SimNode
    nodes.push(node)
    byId.set(id, node)
    ids.slot(id)
  }

  // failures: kills and freezes at random moments after warm-up, done before any partition
  const failEnd = o.partition ? Math.max(o.warmupS + 1, o.seconds * 0.5 - o.freezeForS) : o.seconds - Math.max(30, o.freezeForS)
  const pickVictims = (k: number): SimNode[] => {
    const out: SimNode[] = []
    while (out.length < Math.min(k, N - 2)) {
      const n = nodes[Math.floor(random() * N)]
      if (n.stable) { n.stable = false; out.push(n) }
    }
    return out
  }
  const kills = pickVictims(o.kill).map(n => ({ n, at: o.warmupS + random() * (failEnd - o.warmupS) }))
  const freezes = pickVictims(o.freeze).map(n => ({ n, at: o.warmupS + random() * (failEnd - o.warmupS) }))
  const partStart = o.partition ? o.seconds * 0.5 : Infinity
  const partEnd = partStart + o.partitionForS
  let partitioned = false
  /** until every cross-side view is whole again, cross-side dead verdicts are the partition's */
  let healing = false
  let healedAt: number | null = null

  // detection bookkeeping: per failed node, stable observers that still hold it live
  const stableCount = nodes.filter(n => n.stable).length
  const pending = new Map<string, { since: number, left: Set<number>, kind: 'kill' | 'freeze', done: number | null }>()
  let falseDead = 0
  /** stable observer × stable subject pairs where the observer does not hold the subject live */
  let disagree = 0
  const held = new Map<number, Set<number>>() // observer → stable subjects it holds dead

  const onEvent = (obs: SimNode, ev: MemberEvent): void => {
    const subj = byId.get(ev.id)
    if (subj === undefined) return
    if (process.env.SIM_TRACE !== undefined && Number(process.env.SIM_TRACE) === subj.i) console.error(`trace t=${now.toFixed(0)} obs=${obs.i} ${ev.kind} inc=${ev.inc}`)
    if (ev.kind === 'dead' || ev.kind === 'left') {
      const p = pending.get(ev.id)
      if (p !== undefined && p.left.delete(obs.i) && p.left.size === 0 && p.done === null) p.done = now - p.since
      if (obs.stable && subj.stable) {
        let h = held.get(obs.i)
        if (h === undefined) held.set(obs.i, h = new Set())
        if (!h.has(subj.i)) { h.add(subj.i); disagree++ }
        const cross = obs.side !== subj.side && (partitioned || healing)
        if (!cross) { falseDead++; if (process.env.SIM_DEBUG) console.error(`false dead t=${now} obs=${obs.i} subj=${subj.i} ${ev.kind} part=${partitioned} heal=${healing} side ${obs.side}/${subj.side} inc=${ev.inc}`) }
      } else if (!subj.killed && !subj.frozen && !obs.frozen && !obs.killed && p === undefined) {
        // a thawed member declared dead again later
        const cross = obs.side !== subj.side && (partitioned || healing)
        if (!cross) { falseDead++; if (process.env.SIM_DEBUG) console.error(`false dead (thawed) t=${now} obs=${obs.i} subj=${subj.i} part=${partitioned} heal=${healing}`) }
      }
    } else if (ev.kind === 'alive' || ev.kind === 'join') {
      const h = held.get(obs.i)
      if (h?.delete(subj.i) === true) disagree--
    }
  }

  const clockOf = (node: SimNode): SwimClock => ({
    now: () => now,
    setTimeout (fn, ms): TimerHandle {
      let cancelled = false
      heap.push(now + ms, () => {
        if (cancelled || node.killed) return
        if (node.frozen) { node.deferred.push(() => { if (!cancelled) fn() }); return }
        fn()
      })
      return { cancel: () => { cancelled = true } }
    },
  })

  const latency = (a: number, b: number): number => {
    const x = Math.min(a, b) * 2654435761 ^ Math.max(a, b) * 40503
    const base = 0.5 + ((x >>> 0) % 1000) / 1000 * (o.latencyMs - 0.5)
    return base * (0.9 + 0.2 * random())
  }

  for (const node of nodes) {
    node.det = new Detector({
      clock: clockOf(node),
      random: mulberry32(o.seed * 7919 + node.i),
      ids,
      transport: {
        send (to, data) {
          const dst = byId.get(to)
          const size = data.length + o.overhead
          node.bytesOut += size
          if (dst === undefined) return
          if (random() < o.loss) return
          if (partitioned && dst.side !== node.side) return
          heap.push(now + latency(node.i, dst.i), () => {
            if (dst.killed || dst.frozen) return
            dst.bytesIn += size
            dst.msgsIn++
            if (process.env.SIM_COUNT !== undefined) countUpdates(data)
            dst.det.receive(node.id, data)
          })
        },
      },
    }, { id: node.id, meta: fakeRecord(node.id, node.i), onEvent: ev => { onEvent(node, ev) } })
  }
  // a converged fleet: every node knows every other alive (joins are not what is measured)
  const all = nodes.map(n => ({ state: 'alive' as const, id: n.id, inc: 0, meta: n.det.metaOf(n.id) as Uint8Array }))
  for (const n of nodes) n.det.seed(all)
  progress?.(`seeded ${N} nodes in ${((performance.now() - wall0) / 1000).toFixed(1)} s`)
  for (const n of nodes) n.det.start()

  const observers = (): Set<number> => new Set(nodes.filter(n => n.stable).map(n => n.i))
  for (const k of kills) {
    heap.push(k.at * 1000, () => {
      k.n.killed = true
      k.n.det.stop()
      pending.set(k.n.id, { since: now, left: observers(), kind: 'kill', done: null })
    })
  }
  for (const f of freezes) {
    heap.push(f.at * 1000, () => {
      f.n.frozen = true
      pending.set(f.n.id, { since: now, left: observers(), kind: 'freeze', done: null })
    })
    heap.push((f.at + o.freezeForS) * 1000, () => {
      f.n.frozen = false
      const run = f.n.deferred
      f.n.deferred = []
      for (const fn of run) heap.push(now, fn)
    })
  }
  if (o.partition) {
    heap.push(partStart * 1000, () => { partitioned = true })
    heap.push(partEnd * 1000, () => { partitioned = false; healing = true })
    const check = (): void => {
      if (healing && disagree === 0) { healing = false; healedAt = now - partEnd * 1000; return }
      if (now < o.seconds * 1000) heap.push(now + 100, check)
    }
    heap.push(partEnd * 1000 + 100, check)
  }
  // steady window: after warm-up, before the partition
  const steadyFrom = o.warmupS * 1000
  const steadyTo = Math.min(partStart, o.seconds) * 1000
  let steadyBytes = 0
  let steadyMsgs = 0
  const totals = (): [number, number] => {
    let b = 0; let m = 0
    for (const n of nodes) if (n.stable) { b += n.bytesIn; m += n.msgsIn }
    return [b, m]
  }
  heap.push(steadyFrom, () => { [steadyBytes, steadyMsgs] = totals() })
  heap.push(steadyTo, () => { const [b, m] = totals(); steadyBytes = b - steadyBytes; steadyMsgs = m - steadyMsgs })
  let nextReport = 10_000
  const end = o.seconds * 1000
  for (;;) {
    const e = heap.pop()
    if (e === undefined || e.t > end) break
    now = e.t
    events++
    e.fn()
    if (progress !== undefined && now >= nextReport) {
      nextReport += 10_000
      progress(`t=${(now / 1000).toFixed(0)} s events=${events} heap=${heap.size} wall=${((performance.now() - wall0) / 1000).toFixed(1)} s disagree=${disagree}` +
        (counts.size > 0 ? ' ' + JSON.stringify(Object.fromEntries(counts)) : ''))
      counts.clear()
    }
  }

  const stable = nodes.filter(n => n.stable)
  const sum = (f: (n: SimNode) => number): number => stable.reduce((a, n) => a + f(n), 0)
  const stats = (kind: 'kill' | 'freeze'): { median: number | null, p99: number | null, max: number | null, undetected: number } => {
    const ps = [...pending.values()].filter(p => p.kind === kind)
    const done = ps.filter(p => p.done !== null).map(p => (p.done as number) / 1000).sort((a, b) => a - b)
    const undetected = ps.length - done.length
    if (ps.length === 0) return { median: null, p99: null, max: null, undetected }
    // an undetected failure counts as infinitely late: the quantiles say so
    const q = (f: number): number | null => {
      const i = Math.min(ps.length - 1, Math.ceil(f * ps.length) - 1)
      return i < done.length ? round(done[i]) : null
    }
    return { median: q(0.5), p99: q(0.99), max: undetected > 0 ? null : round(done[done.length - 1]), undetected }
  }
  const k = stats('kill')
  const f = stats('freeze')
  return {
    nodes: N,
    seconds: o.seconds,
    loss: o.loss,
    seed: o.seed,
    bytes_per_node_s: Math.round(sum(n => n.bytesIn) / stable.length / o.seconds),
    bytes_out_per_node_s: Math.round(sum(n => n.bytesOut) / stable.length / o.seconds),
    msgs_per_node_s: round(sum(n => n.msgsIn) / stable.length / o.seconds),
    steady_bytes_per_node_s: Math.round(steadyBytes / stable.length / ((steadyTo - steadyFrom) / 1000)),
    steady_msgs_per_node_s: round(steadyMsgs / stable.length / ((steadyTo - steadyFrom) / 1000)),
    detect_kill_median_s: k.median,
    detect_kill_p99_s: k.p99,
    detect_kill_max_s: k.max,
    undetected_kills: k.undetected,
    detect_freeze_median_s: f.median,
    detect_freeze_p99_s: f.p99,
    detect_freeze_max_s: f.max,
    undetected_freezes: f.undetected,
    false_dead: falseDead,
    false_dead_per_node_hour: round(falseDead / (stableCount * o.seconds / 3600), 4),
    partition_heal_s: o.partition ? (healedAt === null ? null : round(healedAt / 1000)) : null,
    events,
    wall_s: round((performance.now() - wall0) / 1000, 1),
  }
}

function round (x: number, digits = 2): number {
  const m = 10 ** digits
  return Math.round(x * m) / m
}

function parseArgs (argv: string[]): { opts: SimOptions, json: boolean } {
  const o: SimOptions = {
    nodes: 200, seconds: 120, loss: 0, kill: 0, freeze: 0, seed: 1, partition: false,
    warmupS: 20, freezeForS: 40, partitionForS: 30, overhead: STREAM_OVERHEAD, latencyMs: 20,
  }
  let json = false
  const num = (name: string, v: string | undefined): number => {
    const x = Number(v)
    if (v === undefined || !Number.isFinite(x) || x < 0) throw new Error(`fleet-sim: --${name} wants a non-negative number, got ${JSON.stringify(v)}`)
    return x
  }
  const keys: Record<string, keyof SimOptions> = {
    nodes: 'nodes', seconds: 'seconds', loss: 'loss', kill: 'kill', freeze: 'freeze', seed: 'seed',
    warmup: 'warmupS', 'freeze-for': 'freezeForS', 'partition-for': 'partitionForS', overhead: 'overhead', latency: 'latencyMs',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') { json = true; continue }
    if (a === '--partition') { o.partition = true; continue }
    const k = keys[a.replace(/^--/, '')]
    if (!a.startsWith('--') || k === undefined) throw new Error(`fleet-sim: unknown argument ${JSON.stringify(a)}`)
    ;(o as unknown as Record<string, number>)[k] = num(a.slice(2), argv[++i])
  }
  if (!(o.nodes >= 3)) throw new Error('fleet-sim: --nodes must be at least 3')
  if (o.loss >= 1) throw new Error('fleet-sim: --loss is a fraction below 1')
  if (o.partition && o.seconds < 2 * (o.warmupS + o.partitionForS)) throw new Error('fleet-sim: --partition needs --seconds ≥ 2 × (warmup + partition-for)')
  return { opts: o, json }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('fleet-sim.ts')) {
  try {
    const { opts, json } = parseArgs(process.argv.slice(2))
    const r = simulate(opts, json ? undefined : msg => { console.error(msg) })
    if (!json) {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(24)} ${String(v)}`)
    }
    console.log(JSON.stringify(r))
  } catch (err) {
    console.error((err as Error).message)
    process.exit(2)
  }
}
