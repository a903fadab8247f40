// Alive beats between real nodes: they keep peers alive, changes still go out at once as full
// beats, late joiners and members that missed a record get the full records. These are the
// previous release's heartbeats (membership: 'heartbeats'), which nodes still speak with older
// members during a rolling upgrade; the last two tests are default nodes hearing such a member.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeAlive } from '../../src/cluster/heartbeat.js'
import { aliveTopic } from '../../src/cluster/options.js'
import { ids, metricValue, rogueNode, startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

interface Internals {
  sent: { full: number, alive: number }
  sinceFull: number
  membership: { wanted (): string[], records: Map<string, { seq: number, digest: string | undefined }> }
}
const inner = (n: TestNode): Internals => n.node as unknown as Internals
/** No periodic full beats for a while: only changes, newcomers and requests send one. */
const noPeriodicFull = (...nodes: TestNode[]): void => { for (const n of nodes) inner(n).sinceFull = -1e6 }

test('alive beats keep peers alive; changes and leaving are seen at once', { timeout: 30_000 }, async () => {
  const a = await startTestNode({ membership: 'heartbeats', nodeName: 'a' })
  const b = await startTestNode({ membership: 'heartbeats', nodeName: 'b', joinAddrs: [a.node.multiaddrs()[0]] })
  const c = await startTestNode({ membership: 'heartbeats', nodeName: 'c', joinAddrs: [a.node.multiaddrs()[0]] })
  const all = [a, b, c]
  try {
    const want = all.map(n => n.node.peerId).sort().join()
    await waitFor(() => all.every(n => ids(n.node).join() === want), 10_000)
    for (const n of all) { n.node.setState('participant'); n.node.setComponentHash('scrape.x', 'h1') }
    await waitFor(() => all.every(n => n.node.peers().every(p => p.state === 'participant' && p.components['scrape.x'] === 'h1')), 5000)
    await new Promise(resolve => setTimeout(resolve, 700)) // past the last joins' full beats
    noPeriodicFull(...all)
    const before = all.map(n => ({ ...inner(n).sent }))
    // 2 s = more than 6 heartbeats of 300 ms, over 2 timeouts (3 × 300 ms)
    for (let i = 0; i < 20; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      for (const n of all) assert.equal(n.node.peers().length, 3)
    }
    all.forEach((n, i) => {
      assert.equal(inner(n).sent.full, before[i].full, 'no full beat without a reason')
      assert.ok(inner(n).sent.alive - before[i].alive >= 5, `alive beats sent: ${inner(n).sent.alive - before[i].alive}`)
    })

    // a config change is a full beat, seen long before any periodic one would come
    const t0 = Date.now()
    b.node.setComponentHash('scrape.x', 'h2')
    await waitFor(() => a.node.peers().find(p => p.name === 'b')?.mismatched.join() === 'scrape.x' &&
      c.node.peers().find(p => p.name === 'b')?.components['scrape.x'] === 'h2', 1500)
    assert.equal(inner(b).sent.full, before[1].full + 1)
    b.node.setState('viewer')
    await waitFor(() => a.node.peers().find(p => p.name === 'b')?.state === 'viewer', 1500)
    assert.ok(Date.now() - t0 < 2000)
    // leaving: the goodbye is a full beat too
    const t1 = Date.now()
    await c.node.stop()
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 1000)
    assert.ok(Date.now() - t1 < 1000)
  } finally {
    await Promise.all(all.map(n => n.node.abort()))
  }
})

test('a late joiner gets every full record; a member that lost one asks and gets it', { timeout: 30_000 }, async () => {
  const a = await startTestNode({ membership: 'heartbeats', nodeName: 'a', httpAddr: '127.0.0.1:1001' })
  const b = await startTestNode({ membership: 'heartbeats', nodeName: 'b', httpAddr: '127.0.0.1:1002', joinAddrs: [a.node.multiaddrs()[0]] })
  const nodes = [a, b]
  try {
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 10_000)
    for (const n of nodes) n.node.setComponentHash('scrape.x', n === a ? 'ha' : 'hb')
    await waitFor(() => a.node.peers().some(p => p.components['scrape.x'] === 'hb') && b.node.peers().some(p => p.components['scrape.x'] === 'ha'), 5000)
    await new Promise(resolve => setTimeout(resolve, 700))
    noPeriodicFull(a, b)
    await new Promise(resolve => setTimeout(resolve, 700)) // alive beats only now
    const d = await startTestNode({ membership: 'heartbeats', nodeName: 'd', joinAddrs: [b.node.multiaddrs()[0]] })
    nodes.push(d)
    await waitFor(() => d.node.peers().length === 3 && a.node.peers().length === 3, 5000, () => d.node.peers().map(p => p.name).join())
    const seen = d.node.peers().filter(p => !p.isSelf).map(p => [p.name, p.httpAddr, p.components['scrape.x']]).sort()
    assert.deepEqual(seen, [['a', '127.0.0.1:1001', 'ha'], ['b', '127.0.0.1:1002', 'hb']])

    // a loses b's record (as if it missed b's last full beat): b's alive beats no longer match,
    // a names b in its next beat, and b answers with a full one
    await new Promise(resolve => setTimeout(resolve, 700))
    noPeriodicFull(a, b, d)
    const fullBefore = inner(b).sent.full
    inner(a).membership.records.get(b.node.peerId)!.digest = 'lost'
    await waitFor(() => inner(a).membership.wanted().includes(b.node.peerId), 1500)
    await waitFor(() => inner(a).membership.wanted().length === 0, 3000)
    assert.equal(inner(b).sent.full, fullBefore + 1)
    assert.equal(a.node.peers().find(p => p.name === 'b')?.components['scrape.x'], 'hb')
  } finally {
    await Promise.all(nodes.map(n => n.node.abort()))
  }
})

test('garbage on the alive topic is rejected, counted and scored; a stranger\'s alive beat makes no member', { timeout: 30_000 }, async () => {
  const victim = await startTestNode({ nodeName: 'victim' })
  const { node: rogue, pubsub } = await rogueNode()
  const topic = aliveTopic('shoal')
  const rejected = (reason: string): Promise<number> => metricValue(victim.registry, 'cluster_node_gossip_rejected_total', { reason })
  try {
    pubsub.subscribe(topic)
    await rogue.dial(multiaddr(victim.node.multiaddrs()[0]))
    await waitFor(() => pubsub.getSubscribers(topic).some(p => p.toString() === victim.node.peerId), 5000)
    await pubsub.publish(topic, new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    await pubsub.publish(topic, new TextEncoder().encode('{"q":1,"i":1000,"d":"AAAAAAAA"}'))
    await pubsub.publish(topic, encodeAlive({ seq: 100, intervalMs: 300, digest: 'AAAAAAAA' }))
    await pubsub.publish(topic, encodeAlive({ seq: 99, intervalMs: 300, digest: 'AAAAAAAA' }))
    const counts = async (): Promise<string> => JSON.stringify([await rejected('malformed'), await rejected('stale_seq')])
    const t0 = Date.now()
    while (await counts() !== '[2,1]' && Date.now() - t0 < 3000) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(await counts(), '[2,1]')
    // heard of (it would be asked for its record), never a member without one
    assert.deepEqual(inner(victim).membership.wanted(), [rogue.peerId.toString()])
    assert.deepEqual(victim.node.peers().map(p => p.name), ['victim'])
    // gossipsub scores the topic: the rejected deliveries count against the rogue (P4)
    type Stats = Record<string, { topics: Record<string, { invalidMessageDeliveries: number }> }>
    const stats = (victim.node as unknown as { libp2p: { services: { pubsub: { score: { dumpPeerScoreStats (): Stats } } } } }).libp2p.services.pubsub.score.dumpPeerScoreStats()
    const invalid = stats[rogue.peerId.toString()]?.topics[topic]?.invalidMessageDeliveries ?? 0
    assert.ok(invalid > 1, `invalid deliveries scored on the alive topic: ${invalid}`)
  } finally {
    await Promise.all([victim.node.abort(), rogue.stop()])
  }
})

test('a starting node heard of a peer only by alive beats holds off owning targets until its record, at most 5 beats', { timeout: 30_000 }, async () => {
  const started = Date.now()
  // alone, no join address: synced 1.5 beats after start, were it not for the peer it hears
  const node = await startTestNode({ nodeName: 'starting', heartbeatMs: 1000 })
  const { node: rogue, pubsub } = await rogueNode()
  const topic = aliveTopic('shoal')
  let beats: NodeJS.Timeout | undefined
  try {
    pubsub.subscribe(topic)
    await rogue.dial(multiaddr(node.node.multiaddrs()[0]))
    await waitFor(() => pubsub.getSubscribers(topic).some(p => p.toString() === node.node.peerId), 5000)
    let seq = Date.now()
    beats = setInterval(() => { void pubsub.publish(topic, encodeAlive({ seq: ++seq, intervalMs: 1000, digest: 'AAAAAAAA' })) }, 250)
    await waitFor(() => inner(node).membership.wanted().length === 1, 3000)
    // past the 1.5 s hold: still not ready, the peer's record is missing
    await new Promise(resolve => setTimeout(resolve, Math.max(0, started + 3000 - Date.now())))
    assert.equal(node.node.ready(), false)
    // the record never comes: ready once the wait (1.5 s hold + 5 beats) is over
    const waited = await waitFor(() => node.node.ready(), 8000) + 3000
    assert.ok(waited >= 5500 && waited <= 9000, `ready after ${waited} ms`)
  } finally {
    clearInterval(beats)
    await Promise.all([node.node.abort(), rogue.stop()])
  }
})
