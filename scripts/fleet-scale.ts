// Fleet scale: membership traffic and CPU per node for fleets of N cluster nodes on loopback.
// Run: node_modules/.bin/node --import tsx scripts/fleet-scale.ts [N…]   (default 10 25 50)
// Env: PER_PROC nodes per child process (default 10), SETTLE_S (default 15), WINDOW_S (default 20),
//      FLEET_OPTS extra ClusterOptions as JSON (e.g. '{"heartbeatMs":1000}').
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
import { Registry } from 'prom-client'
import { startCluster } from '../src/cluster/node.js'
import { gossipTopic } from '../src/cluster/options.js'
import type { ClusterLog, ClusterNode, ClusterOptions } from '../src/cluster/types.js'

interface Snapshot { read: number, written: number, cpuUs: number, at: number, gossip: number[] }
interface NodeStats { peers: number, conns: number, mesh: number, intervalMs: number, gossipPerS: number, hbBytes: number }
interface Report { nodes: number, inBps: number, outBps: number, cpuMsPerS: number, stats: NodeStats[] }
type ToChild = { kind: 'status' } | { kind: 'mark' } | { kind: 'report' } | { kind: 'exit' }
type FromChild = { kind: 'ready', addr: string } | { kind: 'status', minPeers: number } | { kind: 'marked' } | { kind: 'report', report: Report }

const silent: ClusterLog = { debug () {}, info () {}, warn () {}, error () {} }

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
  const nodes: Array<{ node: ClusterNode, registry: Registry }> = []
  for (let i = 0; i < count; i++) {
    const joinAddrs = join !== '' ? [join] : nodes.length > 0 ? [nodes[0].node.multiaddrs()[0]] : []
    const registry = new Registry()
    const node = await startCluster({
      enabled: true, nodeName: `n${process.pid}-${i}`, listenAddrs: ['/ip4/127.0.0.1/tcp/0'], joinAddrs,
      discoverPeers: ['bootstrap', 'dht'], httpAddr: '127.0.0.1:12345', version: 'v0.0.0-scale', ...extra,
    }, { registry, log: silent })
    node.setComponentHash('prometheus.scrape.default', 'a3f9c2d1e0b4a5f6')
    node.setState('participant')
    nodes.push({ node, registry })
  }
  const gossipCounts = async (): Promise<number[]> => await Promise.all(nodes.map(async n =>
    (await n.registry.getSingleMetric('cluster_node_gossip_received_events_total')?.get())?.values[0]?.value ?? 0))
  const snap = async (): Promise<Snapshot> => {
    let read = closed.read
    let written = closed.written
    for (const s of sockets) { read += s.bytesRead; written += s.bytesWritten }
    const cpu = process.cpuUsage()
    return { read, written, cpuUs: cpu.user + cpu.system, at: Date.now(), gossip: await gossipCounts() }
  }
  let mark: Snapshot | undefined
  const send = (m: FromChild): void => { process.send!(m) }
  process.on('message', (m: ToChild) => {
    void (async () => {
      if (m.kind === 'status') send({ kind: 'status', minPeers: Math.min(...nodes.map(n => n.node.peers().length)) })
      if (m.kind === 'mark') { mark = await snap(); send({ kind: 'marked' }) }
      if (m.kind === 'report') {
        const end = await snap()
        const s = (end.at - mark!.at) / 1000
        const stats = nodes.map((n, i): NodeStats => {
          const l = (n.node as unknown as { libp2p: { getConnections: () => unknown[], services: { pubsub: { getMeshPeers: (t: string) => unknown[] } } } }).libp2p
          const internals = n.node as unknown as { heartbeatIntervalMs?: () => number, lastHeartbeatBytes?: number }
          return {
            peers: n.node.peers().length,
            conns: l.getConnections().length,
            mesh: l.services.pubsub.getMeshPeers(gossipTopic('shoal')).length,
            intervalMs: internals.heartbeatIntervalMs?.() ?? extra.heartbeatMs ?? 1000,
            gossipPerS: (end.gossip[i] - mark!.gossip[i]) / s,
            hbBytes: internals.lastHeartbeatBytes ?? 0,
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
  constructor (count: number, join: string) {
    this.proc = fork(fileURLToPath(import.meta.url), ['child', String(count), join], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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
    const first = new Child(Math.min(perProc, n), '')
    children.push(first)
    const ready = await first.next()
    if (ready.kind !== 'ready') throw new Error('child did not start')
    for (let left = n - perProc; left > 0; left -= perProc) {
      const c = new Child(Math.min(perProc, left), ready.addr)
      children.push(c)
      await c.next()
    }
    const t0 = Date.now()
    for (;;) {
      const st = await Promise.all(children.map(async c => await c.ask({ kind: 'status' })))
      const min = Math.min(...st.map(s => s.kind === 'status' ? s.minPeers : 0))
      if (min === n) break
      if (Date.now() - t0 > 120_000) throw new Error(`fleet of ${n} did not converge: min peers ${min}`)
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
      gossip_msgs_per_s_per_node: +avg(s => s.gossipPerS).toFixed(1),
      conns_avg: +avg(s => s.conns).toFixed(1),
      mesh_avg: +avg(s => s.mesh).toFixed(1),
      min_peers: Math.min(...stats.map(s => s.peers)),
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

if (process.argv[2] === 'child') {
  await child(Number(process.argv[3]), process.argv[4] ?? '')
} else {
  const sizes = process.argv.slice(2).map(Number)
  for (const n of sizes.length > 0 ? sizes : [10, 25, 50]) await measure(n)
}
