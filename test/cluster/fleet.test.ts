// Real libp2p nodes on 127.0.0.1 in one process.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateFleetKey } from '../../src/cluster/keys.js'
import { keyFromString } from '../../src/cluster/hrw.js'
import { ids, metricValue, startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

const tcpPort = (n: TestNode): string => /\/tcp\/(\d+)/.exec(n.node.multiaddrs()[0])![1]

test('a chain of 4 nodes learns the whole fleet; graceful stop and abort are noticed fast', { timeout: 30_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a', httpAddr: '127.0.0.1:1001', version: 'test' })
  const nodes = [a]
  try {
    // three join-address forms: bare multiaddr, host:port, multiaddr with /p2p/
    const b = await startTestNode({ nodeName: 'b', joinAddrs: [a.node.multiaddrs()[0].replace(/\/p2p\/.*$/, '')] })
    nodes.push(b)
    const c = await startTestNode({ nodeName: 'c', joinAddrs: [`127.0.0.1:${tcpPort(b)}`], waitForSize: 4 })
    nodes.push(c)
    const d = await startTestNode({ nodeName: 'd', joinAddrs: [c.node.multiaddrs()[0]] })
    nodes.push(d)
    const all = nodes.map(n => n.node)
    const want = all.map(n => n.peerId).sort()
    await waitFor(() => all.every(n => ids(n).join() === want.join()), 10_000, () => JSON.stringify(all.map(n => n.peers().length)))
    // ready once the fleet size is met and the node has heard the fleet for a moment
    await waitFor(() => c.node.ready(), 5_000)
    const aSeenByD = d.node.peers().find(p => p.name === 'a')
    assert.equal(aSeenByD?.httpAddr, '127.0.0.1:1001')
    assert.equal(aSeenByD?.version, 'test')
    assert.equal(aSeenByD?.state, 'viewer')

    // participants + matching hashes: every node computes the same owners
    for (const n of all) { n.setState('participant'); n.setComponentHash('scrape.x', 'h1') }
    await waitFor(() => all.every(n => n.peers().length === 4 && n.peers().every(p => p.state === 'participant' && p.components['scrape.x'] === 'h1')), 5000)
    const keys = Array.from({ length: 200 }, (_, i) => keyFromString(`t${i}`))
    const ownersBy = all.map(n => keys.map(k => n.lookup(k, 2, 'scrape.x').map(p => p.peerId).join()).join(';'))
    assert.equal(new Set(ownersBy).size, 1)
    assert.equal(new Set(keys.map(k => a.node.lookup(k, 1, 'scrape.x')[0].peerId)).size, 4)

    // a mismatched hash excludes d everywhere else
    d.node.setComponentHash('scrape.x', 'h2')
    await waitFor(() => a.node.peers().find(p => p.name === 'd')?.mismatched.join() === 'scrape.x', 5000)
    assert.ok(keys.every(k => a.node.lookup(k, 3, 'scrape.x').every(p => p.name !== 'd')))
    let changes = 0
    const off = a.node.onChange(() => { changes++ })

    const t0 = Date.now()
    await d.node.stop()
    await waitFor(() => [a, b, c].every(n => n.node.peers().length === 3), 2000)
    assert.ok(Date.now() - t0 < 2000)

    const t1 = Date.now()
    await c.node.abort() // no goodbye
    await waitFor(() => [a, b].every(n => n.node.peers().length === 2), 5000)
    assert.ok(Date.now() - t1 < 5000)
    await waitFor(() => changes > 0, 1000)
    off()
    assert.deepEqual(a.node.peers().map(p => p.name).sort(), ['a', 'b'])
    assert.ok(await metricValue(a.registry, 'shoal_cluster_membership_changes_total') >= 5)
    assert.ok(await metricValue(a.registry, 'shoal_cluster_rebalances_total') >= 1)
    assert.equal(await metricValue(a.registry, 'cluster_node_peers', { state: 'participant' }), 2)
    assert.ok(await metricValue(a.registry, 'cluster_node_gossip_received_events_total') > 5)
  } finally {
    await Promise.all(nodes.map(n => n.node.abort()))
  }
})

test('a frozen peer (no more heartbeats, connection open) is dropped after missed heartbeats', { timeout: 20_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a', heartbeatMs: 200, missedHeartbeats: 3 })
  const b = await startTestNode({ nodeName: 'b', heartbeatMs: 200, joinAddrs: [a.node.multiaddrs()[0]] })
  try {
    await waitFor(() => a.node.peers().length === 2, 5000)
    // stop b's timers and failure detector only: its libp2p stays up and keeps answering pings
    const frozen = b.node as unknown as { timers: NodeJS.Timeout[], publishTimer?: NodeJS.Timeout, detector?: { stop (): void } }
    for (const t of frozen.timers) clearInterval(t)
    clearTimeout(frozen.publishTimer) // the heartbeat re-arms itself as a timeout
    frozen.detector?.stop() // it no longer answers probes
    const t0 = Date.now()
    await waitFor(() => a.node.peers().length === 1, 3000)
    const took = Date.now() - t0
    assert.ok(took >= 300 && took < 2500, `dropped after ${took}ms`)
  } finally {
    await Promise.all([a.node.abort(), b.node.abort()])
  }
})

test('fleets with different names never mix', { timeout: 20_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a', fleetName: 'red' })
  const b = await startTestNode({ nodeName: 'b', fleetName: 'red', joinAddrs: [a.node.multiaddrs()[0]] })
  const x = await startTestNode({ nodeName: 'x', fleetName: 'blue', joinAddrs: [a.node.multiaddrs()[0], b.node.multiaddrs()[0]] })
  try {
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 5000)
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.deepEqual(a.node.peers().map(p => p.name).sort(), ['a', 'b'])
    assert.deepEqual(x.node.peers().map(p => p.name), ['x'])
  } finally {
    await Promise.all([a, b, x].map(n => n.node.abort()))
  }
})

test('a node with another pre-shared key cannot connect', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-pnet-'))
  await writeFile(join(dir, 'one.key'), generateFleetKey())
  await writeFile(join(dir, 'two.key'), generateFleetKey())
  const a = await startTestNode({ nodeName: 'a', keyFile: join(dir, 'one.key') })
  const b = await startTestNode({ nodeName: 'b', keyFile: join(dir, 'one.key'), joinAddrs: [a.node.multiaddrs()[0]] })
  const x = await startTestNode({ nodeName: 'x', keyFile: join(dir, 'two.key'), joinAddrs: [a.node.multiaddrs()[0]] })
  const y = await startTestNode({ nodeName: 'y', joinAddrs: [a.node.multiaddrs()[0]] }) // no key at all
  try {
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 5000)
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.deepEqual(a.node.peers().map(p => p.name).sort(), ['a', 'b'])
    assert.deepEqual(x.node.peers().map(p => p.name), ['x'])
    assert.deepEqual(y.node.peers().map(p => p.name), ['y'])
  } finally {
    await Promise.all([a, b, x, y].map(n => n.node.abort()))
    await rm(dir, { recursive: true })
  }
})

test('a restarted node keeps its peer ID and rejoins', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-restart-'))
  const a = await startTestNode({ nodeName: 'a', storageDir: dir })
  const port = tcpPort(a)
  const b = await startTestNode({ nodeName: 'b', joinAddrs: [`127.0.0.1:${port}`], rejoinIntervalMs: 300 })
  let a2: TestNode | undefined
  try {
    await waitFor(() => b.node.peers().length === 2, 5000)
    const id = a.node.peerId
    await a.node.stop()
    await waitFor(() => b.node.peers().length === 1, 2000)
    // same port: b's rejoin loop must find it again without being told
    a2 = await startTestNode({ nodeName: 'a', storageDir: dir, listenAddrs: [`/ip4/127.0.0.1/tcp/${port}`] })
    assert.equal(a2.node.peerId, id)
    await waitFor(() => b.node.peers().length === 2 && a2!.node.peers().length === 2, 5000)
  } finally {
    await Promise.all([a.node.abort(), b.node.abort(), a2?.node.abort()])
    await rm(dir, { recursive: true })
  }
})

test('liveness follows heartbeats, not our own connection: an undialable peer heard via others stays', { timeout: 20_000 }, async () => {
  // a and c advertise a dead address, so they can only hear each other through b
  const dead = ['/ip4/127.0.0.1/tcp/1']
  const b = await startTestNode({ nodeName: 'b' })
  const a = await startTestNode({ nodeName: 'a', advertiseAddrs: dead, joinAddrs: [b.node.multiaddrs()[0]] })
  const c = await startTestNode({ nodeName: 'c', advertiseAddrs: dead, joinAddrs: [b.node.multiaddrs()[0]] })
  try {
    await waitFor(() => a.node.peers().length === 3 && c.node.peers().length === 3, 5000)
    const conns = (n: TestNode, peer: string): number =>
      (n.node as unknown as { libp2p: { getConnections (): Array<{ remotePeer: { toString (): string } }> } }).libp2p
        .getConnections().filter(x => x.remotePeer.toString() === peer).length
    for (let i = 0; i < 15; i++) { // 1.5 s > 3 missed heartbeats of 300 ms
      await new Promise(resolve => setTimeout(resolve, 100))
      assert.deepEqual(a.node.peers().map(p => p.name).sort(), ['a', 'b', 'c'])
    }
    assert.equal(conns(a, c.node.peerId), 0)
  } finally {
    await Promise.all([a, b, c].map(n => n.node.abort()))
  }
})

test('WebSockets listen addresses work', { timeout: 20_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a', listenAddrs: ['/ip4/127.0.0.1/tcp/0/ws'] })
  const b = await startTestNode({ nodeName: 'b', listenAddrs: ['/ip4/127.0.0.1/tcp/0/ws'], joinAddrs: [a.node.multiaddrs()[0]] })
  try {
    assert.match(a.node.multiaddrs()[0], /\/ws\/p2p\//)
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 5000)
  } finally {
    await Promise.all([a.node.abort(), b.node.abort()])
  }
})

test('ready() waits for the fleet size or the timeout, and listeners hear when it flips', { timeout: 10_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a', waitForSize: 2, waitTimeoutMs: 400 })
  try {
    assert.equal(a.node.ready(), false)
    assert.deepEqual(a.node.lookup(1n, 1, 'x'), []) // still a viewer: owns nothing
    let woke = 0
    a.node.onChange(() => { woke++ })
    await waitFor(() => woke > 0, 2000)
    // past the wait timeout, and past the initial sync hold (1.5 heartbeats with nothing to join)
    await waitFor(() => a.node.ready(), 3000)
    a.node.setState('participant')
    assert.deepEqual(a.node.lookup(1n, 1, 'x').map(p => p.isSelf), [true])
  } finally {
    await a.node.abort()
  }
})
