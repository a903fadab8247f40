// Fleet scale: membership traffic and CPU per node for fleets of N cluster nodes on loopback.
// Run: node_modules/.bin/node --import tsx scripts/fleet-scale.ts [N…]   (default 10 25 50)
//      … scripts/fleet-scale.ts wire [js-yamux]: bytes per received copy of a full and an alive
//      beat, and per ping, between two nodes (gossipsub as the fleet signs; with and without the
//      inlined key; yamux window updates as the fleet sends them, or with `js-yamux` one per frame).
// Env: PER_PROC nodes per child process (default 10), SETTLE_S (default 15), WINDOW_S (default 20),
//      FLEET_OPTS extra ClusterOptions as JSON (e.g. '{"heartbeatMs":1000}').
// DETECT=1: after the window, one node is killed (abort: its connections just close, as after
//      SIGKILL) and then another frozen (its timers and failure detector stop, its libp2p keeps
//      answering, as a stalled process's kernel keeps TCP up); the row gets the seconds until every
//      other node dropped each (`detect_kill_s`, `detect_freeze_s`).
// Diagnostics: CONVERGE_S (default 120) before giving up, then every node below N peers is
//      printed (links, mesh, event-loop lag, last warnings; DEBUG_LOG=1 adds debug lines) and a
//      fresh node probes each child's first node; PROGRESS=1 prints peer counts while waiting;
//      SEED_DEBUG=<DEBUG namespaces> and SEED_PROF_DIR=<dir> (--cpu-prof) for the seed's process.
// Nodes run in child processes, PER_PROC each (startCluster, no agent around them). Bytes are TCP
// payload bytes (libp2p frames, noise and yamux included; IP/TCP headers not) of every socket the
// process opened or accepted, counted with Node's net diagnostics channels; all of them are
// loopback links between fleet nodes. CPU is the process's user+system time over the window,
// divided by the nodes it hosts.
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Registry } from 'prom-client'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { encodeAlive, encodeHeartbeat, recordDigest } from '../src/cluster/heartbeat.js'
import { omitInlinedKeys, startCluster } from '../src/cluster/node.js'
import { aliveTopic, gossipTopic } from '../src/cluster/options.js'
import type { ClusterNode, ClusterOptions } from '../src/cluster/types.js'
import { callbackLogger, type Logger } from '../src/logging/logger.js'
import { lazyWindowUpdates } from '../src/cluster/yamux-window.js'

interface Snapshot { read: number, written: number, cpuUs: number, at: number, gossip: number[], sent: Array<{ full: number, alive: number }> }
interface NodeStats { peers: number, conns: number, mesh: number, aliveMesh: number, intervalMs: number, gossipPerS: number, hbBytes: number, aliveBytes: number, fullSentPerS: number, aliveSentPerS: number }
interface Report { nodes: number, inBps: number, outBps: number, cpuMsPerS: number, stats: NodeStats[] }
type ToChild = { kind: 'status' } | { kind: 'mark' } | { kind: 'report' } | { kind: 'diag', below: number } | { kind: 'exit' } |
  { kind: 'fail', how: 'kill' | 'freeze', index: number } | { kind: 'holding', peer: string }
type FromChild = { kind: 'ready', addr: string } | { kind: 'status', minPeers: number, counts: number[] } | { kind: 'marked' } | { kind: 'report', report: Report } | { kind: 'diag', lines: string[] } | { kind: 'failed', peer: string } | { kind: 'holding', count: number }

/** Per node: its last warnings (and debug lines with DEBUG_LOG=1), shown for nodes that did not converge. */
const logCounts = new Map<string, number>()
function ringLog (lines: string[]): Logger {
  return callbackLogger((level, msg, f) => {
    if (level === 'info' || (level === 'debug' && process.env.DEBUG_LOG !== '1')) return
    logCounts.set(msg, (logCounts.get(msg) ?? 0) + 1)
    lines.push(`${new Date().toISOString().slice(11, 23)} ${level} ${msg} ${JSON.stringify(f, (_k, v) => v instanceof Error ? `${v.name}: ${v.message}` : v)}`)
    if (lines.length > 40) lines.shift()
  })
}

// ---- child: hosts several nodes, counts their socket bytes ----
async function child (count: number, join: string): Promise<void> {
  const sockets = new Set<Socket>()
  const closed = { read: 0, written: 0 }
  const track = (s: Socket): void => {
    sockets.add(s)
    s.once('close', () => { closed.read += s.bytesRead; closed.written += s.bytesWritten; sockets.delete(s) })
  }
  subscribe('net.client.socket', m => { track((m as { socket: Socket }).socket) })
  subscribe('net.server.socket', m => { track((m as { socket: Socket }).socket) })
  const extra = JSON.parse(process.env.FLEET_OPTS ?? '{}') as Partial<ClusterOptions>
  const nodes: Array<{ node: ClusterNode, registry: Registry, lines: string[] }> = []
  let opened = 0
  let closedConns = 0
  for (let i = 0; i < count; i++) {
    const joinAddrs = join !== '' ? [join] : nodes.length > 0 ? [nodes[0].node.multiaddrs()[0]] : []
    const registry = new Registry()
    const lines: string[] = []
    const node = await startCluster({
      enabled: true, nodeName: `n${process.pid}-${i}`, listenAddrs: ['/ip4/127.0.0.1/tcp/0'], joinAddrs,
      discoverPeers: ['bootstrap', 'dht'], httpAddr: '127.0.0.1:12345', version: 'v0.0.0-scale', ...extra,
    }, { registry, log: ringLog(lines) })
    node.setComponentHash('prometheus.scrape.default', 'a3f9c2d1e0b4a5f6')
    node.setState('participant')
    nodes.push({ node, registry, lines })
    const l = (node as unknown as { libp2p: EventTarget }).libp2p
    l.addEventListener('connection:open', () => { opened++ })
    l.addEventListener('connection:close', () => { closedConns++ })
  }
  const gossipCounts = async (): Promise<number[]> => await Promise.all(nodes.map(async n =>
    (await n.registry.getSingleMetric('cluster_node_gossip_received_events_total')?.get())?.values[0]?.value ?? 0))
  const snap = async (): Promise<Snapshot> => {
    let read = closed.read
    let written = closed.written
    for (const s of sockets) { read += s.bytesRead; written += s.bytesWritten }
    const cpu = process.cpuUsage()
    const sent = nodes.map(n => ({ ...((n.node as unknown as { sent?: { full: number, alive: number } }).sent ?? { full: 0, alive: 0 }) }))
    return { read, written, cpuUs: cpu.user + cpu.system, at: Date.now(), gossip: await gossipCounts(), sent }
  }
  const lag = monitorEventLoopDelay({ resolution: 20 })
  lag.enable()
  let mark: Snapshot | undefined
  const failed = new Set<string>()
  const send = (m: FromChild): void => { process.send!(m) }
  process.on('message', (m: ToChild) => {
    void (async () => {
      if (m.kind === 'status') send({ kind: 'status', minPeers: Math.min(...nodes.map(n => n.node.peers().length)), counts: nodes.map(n => n.node.peers().length) })
      if (m.kind === 'diag') {
        const lines: string[] = [`process ${process.pid}: ${JSON.stringify({ ...Object.fromEntries(logCounts), conns_opened: opened, conns_closed: closedConns })}`]
        nodes.forEach((n, i) => {
          if (n.node.peers().length >= m.below) return
          const l = (n.node as unknown as { libp2p: any }).libp2p
          const cm = l.components.connectionManager
          lines.push(`node ${process.pid}-${i} ${n.node.peerId} peers=${n.node.peers().length} state=${n.node.self().state} pendingIn=${cm.incomingPendingConnections} dialQueue=${cm.getDialQueue().length} lagP99ms=${(lag.percentile(99) / 1e6).toFixed(0)} lagMaxMs=${(lag.max / 1e6).toFixed(0)}`)
          lines.push(`  conns: ${l.getConnections().map((c: any) => `${c.remotePeer.toString().slice(-6)}:${c.status}:${c.direction}`).join(' ')}`)
          lines.push(`  subs: ${l.services.pubsub.getSubscribers(gossipTopic('shoal')).length} mesh: ${l.services.pubsub.getMeshPeers(gossipTopic('shoal')).length}`)
          for (const x of n.lines) lines.push(`  ${x}`)
        })
        send({ kind: 'diag', lines })
      }
      if (m.kind === 'mark') { mark = await snap(); send({ kind: 'marked' }) }
      if (m.kind === 'fail') {
        const victim = nodes[m.index]
        if (m.how === 'kill') {
          await victim.node.abort()
        } else {
          const frozen = victim.node as unknown as { timers: NodeJS.Timeout[], publishTimer?: NodeJS.Timeout, detector?: { stop (): void } }
          for (const t of frozen.timers) clearInterval(t)
          clearTimeout(frozen.publishTimer)
          frozen.detector?.stop()
        }
        failed.add(victim.node.peerId)
        send({ kind: 'failed', peer: victim.node.peerId })
      }
      // how many of our live nodes still list `peer`
      if (m.kind === 'holding') send({ kind: 'holding', count: nodes.filter(n => !failed.has(n.node.peerId) && n.node.peers().some(p => p.peerId === m.peer)).length })
      if (m.kind === 'report') {
        const end = await snap()
        const s = (end.at - mark!.at) / 1000
        const stats = nodes.map((n, i): NodeStats => {
          const l = (n.node as unknown as { libp2p: { getConnections: () => unknown[], services: { pubsub: { getMeshPeers: (t: string) => unknown[] } } } }).libp2p
          const internals = n.node as unknown as { heartbeatIntervalMs?: () => number, lastHeartbeatBytes?: number, lastAliveBytes?: number }
          return {
            peers: n.node.peers().length,
            conns: l.getConnections().length,
            mesh: l.services.pubsub.getMeshPeers(gossipTopic('shoal')).length,
            aliveMesh: l.services.pubsub.getMeshPeers(aliveTopic('shoal')).length,
            intervalMs: internals.heartbeatIntervalMs?.() ?? extra.heartbeatMs ?? 1000,
            gossipPerS: (end.gossip[i] - mark!.gossip[i]) / s,
            hbBytes: internals.lastHeartbeatBytes ?? 0,
            aliveBytes: internals.lastAliveBytes ?? 0,
            fullSentPerS: (end.sent[i].full - mark!.sent[i].full) / s,
            aliveSentPerS: (end.sent[i].alive - mark!.sent[i].alive) / s,
          }
        })
        send({ kind: 'report', report: { nodes: count, inBps: (end.read - mark!.read) / s, outBps: (end.written - mark!.written) / s, cpuMsPerS: (end.cpuUs - mark!.cpuUs) / 1000 / s, stats } })
      }
      if (m.kind === 'exit') {
        await Promise.all(nodes.map(async n => { await n.node.abort() }))
        process.exit(0)
      }
    })()
  })
  send({ kind: 'ready', addr: nodes[0].node.multiaddrs()[0] })
}

// ---- parent: one fleet size at a time ----
class Child {
  readonly proc: ChildProcess
  private readonly waiting: Array<(m: FromChild) => void> = []
  constructor (count: number, join: string, penv: NodeJS.ProcessEnv = process.env) {
    const env = { ...penv }
    this.proc = fork(fileURLToPath(import.meta.url), ['child', String(count), join], { execArgv: ['--import', 'tsx', ...(env.CPU_PROF_DIR !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${env.CPU_PROF_DIR}`] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
    this.proc.on('message', (m: FromChild) => { this.waiting.shift()?.(m) })
  }

  async next (): Promise<FromChild> { return await new Promise(resolve => this.waiting.push(resolve)) }
  async ask (m: ToChild): Promise<FromChild> { const r = this.next(); this.proc.send(m); return await r }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function measure (n: number): Promise<void> {
  const perProc = Number(process.env.PER_PROC ?? 10)
  const settleS = Number(process.env.SETTLE_S ?? 15)
  const windowS = Number(process.env.WINDOW_S ?? 20)
  const children: Child[] = []
  try {
    // SEED_DEBUG: libp2p debug namespaces (DEBUG=…) for the process hosting the seed only
    // SEED_PROF_DIR: a CPU profile of the process hosting the seed, written there when it exits
    const seedEnv = { ...process.env, CPU_PROF_DIR: process.env.SEED_PROF_DIR, ...(process.env.SEED_DEBUG !== undefined ? { DEBUG: process.env.SEED_DEBUG } : {}) }
    if (seedEnv.CPU_PROF_DIR === undefined) delete seedEnv.CPU_PROF_DIR
    const first = new Child(Math.min(perProc, n), '', seedEnv)
    children.push(first)
    const ready = await first.next()
    const addrs = ready.kind === 'ready' ? [ready.addr] : []
    if (ready.kind !== 'ready') throw new Error('child did not start')
    for (let left = n - perProc; left > 0; left -= perProc) {
      const c = new Child(Math.min(perProc, left), ready.addr)
      children.push(c)
      const r = await c.next()
      if (r.kind === 'ready') addrs.push(r.addr)
    }
    const t0 = Date.now()
    for (;;) {
      const st = await Promise.all(children.map(async c => await c.ask({ kind: 'status' })))
      const min = Math.min(...st.map(s => s.kind === 'status' ? s.minPeers : 0))
      if (min === n) break
      if (process.env.PROGRESS === '1') console.error(`${((Date.now() - t0) / 1000).toFixed(0)}s peers: ${st.map(s => s.kind === 'status' ? s.counts.join(',') : '?').join(' | ')}`)
      if (Date.now() - t0 > Number(process.env.CONVERGE_S ?? 120) * 1000) {
        for (const c of children) {
          const d = await c.ask({ kind: 'diag', below: n })
          if (d.kind === 'diag') for (const l of d.lines) console.error(l)
        }
        // can a fresh node (in this idle process) still join through each child's first node?
        const probe = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
        for (const a of addrs) {
          const t = Date.now()
          const err = await probe.dial(multiaddr(a), { signal: AbortSignal.timeout(10_000) }).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`)
          console.error(`probe ${a}: ${err} after ${Date.now() - t} ms`)
        }
        await probe.stop()
        throw new Error(`fleet of ${n} did not converge: min peers ${min}`)
      }
      await sleep(1000)
    }
    const convergedS = (Date.now() - t0) / 1000
    await sleep(settleS * 1000)
    await Promise.all(children.map(async c => await c.ask({ kind: 'mark' })))
    await sleep(windowS * 1000)
    const reports = (await Promise.all(children.map(async c => await c.ask({ kind: 'report' }))))
      .map(r => { if (r.kind !== 'report') throw new Error('bad report'); return r.report })
    const sum = (f: (r: Report) => number): number => reports.reduce((a, r) => a + f(r), 0)
    const stats = reports.flatMap(r => r.stats)
    const avg = (f: (s: NodeStats) => number): number => stats.reduce((a, s) => a + f(s), 0) / stats.length
    const row = {
      n,
      converged_s: +convergedS.toFixed(1),
      in_Bps_per_node: Math.round(sum(r => r.inBps) / n),
      out_Bps_per_node: Math.round(sum(r => r.outBps) / n),
      cpu_ms_per_s_per_node: +(sum(r => r.cpuMsPerS) / n).toFixed(1),
      heartbeat_ms: Math.round(avg(s => s.intervalMs)),
      heartbeat_bytes: Math.round(avg(s => s.hbBytes)),
      alive_bytes: Math.round(avg(s => s.aliveBytes)),
      // fleet-wide beats published per second, full and alive
      full_per_s: +stats.reduce((a, s) => a + s.fullSentPerS, 0).toFixed(1),
      alive_per_s: +stats.reduce((a, s) => a + s.aliveSentPerS, 0).toFixed(1),
      gossip_msgs_per_s_per_node: +avg(s => s.gossipPerS).toFixed(1),
      conns_avg: +avg(s => s.conns).toFixed(1),
      mesh_avg: +avg(s => s.mesh).toFixed(1),
      alive_mesh_avg: +avg(s => s.aliveMesh).toFixed(1),
      min_peers: Math.min(...stats.map(s => s.peers)),
    }
    if (process.env.DETECT === '1') {
      // the last child's last node is killed, then its first one frozen
      const c = children[children.length - 1]
      const k = Math.min(perProc, n - perProc * (children.length - 1))
      for (const [how, index] of [['kill', k - 1], ['freeze', 0]] as const) {
        const r = await c.ask({ kind: 'fail', how, index })
        if (r.kind !== 'failed') throw new Error('bad fail reply')
        const t = Date.now()
        for (;;) {
          const h = await Promise.all(children.map(async ch => await ch.ask({ kind: 'holding', peer: r.peer })))
          if (h.every(x => x.kind === 'holding' && x.count === 0)) break
          if (Date.now() - t > 60_000) throw new Error(`${how}: still held after 60 s`)
          await sleep(100)
        }
        ;(row as Record<string, number>)[`detect_${how}_s`] = +((Date.now() - t) / 1000).toFixed(1)
        await sleep(3000)
      }
    }
    console.log(JSON.stringify(row))
  } finally {
    await Promise.all(children.map(async c => {
      const gone = new Promise(resolve => c.proc.once('exit', resolve))
      c.proc.send({ kind: 'exit' })
      await Promise.race([gone, sleep(10_000)])
      if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
    }))
  }
}

// ---- wire: per-copy bytes of each message kind between two nodes ----
async function wire (): Promise<void> {
  const sockets = new Set<Socket>()
  subscribe('net.client.socket', m => { sockets.add((m as { socket: Socket }).socket) })
  subscribe('net.server.socket', m => { sockets.add((m as { socket: Socket }).socket) })
  const total = (): number => [...sockets].reduce((a, s) => a + s.bytesRead, 0)
  // lazy: window updates as the fleet sends them (yamux-window.ts); else js yamux's one per frame
  const lazy = process.argv[3] !== 'js-yamux'
  const mk = async () => await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [lazy ? lazyWindowUpdates(yamux()) : yamux()],
    connectionMonitor: { enabled: false },
    services: { identify: identify(), ping: ping(), pubsub: gossipsub({ globalSignaturePolicy: StrictSign, allowPublishToZeroTopicPeers: true, Dlazy: 0, gossipFactor: 0 }) },
  })
  const a = await mk()
  const b = await mk()
  const topics = { full: gossipTopic('shoal'), alive: aliveTopic('shoal') }
  for (const n of [a, b]) for (const t of Object.values(topics)) (n.services.pubsub).subscribe(t)
  await a.dial(b.getMultiaddrs()[0])
  await sleep(2500)
  const record = { name: 'n12345-0', addrs: [a.getMultiaddrs()[0].toString()], httpAddr: '127.0.0.1:12345', state: 'participant' as const, version: 'v0.0.0-scale', components: { 'prometheus.scrape.default': 'a3f9c2d1e0b4a5f6' } }
  const full = encodeHeartbeat({ peerId: a.peerId.toString(), ...record, seq: Date.now(), intervalMs: 1000, digest: recordDigest(record) })
  const alive = encodeAlive({ seq: Date.now(), intervalMs: 1000, digest: recordDigest(record) })
  const K = 200
  const perCopy = async (topic: string, data: Uint8Array): Promise<number> => {
    await sleep(1000)
    const t0 = total()
    for (let i = 0; i < K; i++) { await (a.services.pubsub).publish(topic, data); await sleep(5) }
    await sleep(1000)
    return Math.round((total() - t0) / K)
  }
  const row: Record<string, number | string> = { window_updates: lazy ? 'half window' : 'every frame', full_payload: full.length, alive_payload: alive.length }
  row.full_per_copy = await perCopy(topics.full, full)
  row.alive_per_copy = await perCopy(topics.alive, alive)
  omitInlinedKeys(a.services.pubsub)
  row.full_per_copy_no_key = await perCopy(topics.full, full)
  row.alive_per_copy_no_key = await perCopy(topics.alive, alive)
  const conn = a.getConnections()[0] as unknown as { muxer: { ping: () => Promise<number> } }
  let t0 = total()
  for (let i = 0; i < K; i++) await conn.muxer.ping()
  row.yamux_ping_round_trip = Math.round((total() - t0) / K)
  t0 = total()
  for (let i = 0; i < 50; i++) await a.services.ping.ping(b.peerId)
  row.ping_protocol_round_trip = Math.round((total() - t0) / 50)
  console.log(JSON.stringify(row))
  await Promise.all([a.stop(), b.stop()])
}

if (process.argv[2] === 'wire') {
  await wire()
} else if (process.argv[2] === 'child') {
  await child(Number(process.argv[3]), process.argv[4] ?? '')
} else {
  const sizes = process.argv.slice(2).map(Number)
  for (const n of sizes.length > 0 ? sizes : [10, 25, 50]) await measure(n)
}
