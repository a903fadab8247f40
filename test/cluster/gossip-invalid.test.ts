// A rogue fleet member publishes bad heartbeats on the membership topic; the victim rejects and
// counts them and keeps working.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeHeartbeat } from '../../src/cluster/heartbeat.js'
import type { Heartbeat } from '../../src/cluster/heartbeat.js'
import { gossipTopic } from '../../src/cluster/options.js'
import { metricValue, rogueNode, startTestNode, waitFor, debugState } from './helpers.js'

test('garbage, a wrong claimed peer ID and replayed seqs are rejected and counted', { timeout: 30_000 }, async () => {
  const victim = await startTestNode({ nodeName: 'victim' })
  const honest = await startTestNode({ nodeName: 'honest', joinAddrs: [victim.node.multiaddrs()[0]] })
  const { node: rogue, pubsub } = await rogueNode()
  const topic = gossipTopic('shoal')
  const rejected = (reason: string): Promise<number> => metricValue(victim.registry, 'cluster_node_gossip_rejected_total', { reason })
  const heartbeat = (over: Partial<Heartbeat>): Uint8Array => encodeHeartbeat({
    peerId: rogue.peerId.toString(), name: 'rogue', addrs: [], httpAddr: '', state: 'participant', seq: 100, version: '', components: {}, ...over,
  })
  let third: Awaited<ReturnType<typeof startTestNode>> | undefined
  try {
    pubsub.subscribe(topic)
    await rogue.dial(multiaddr(victim.node.multiaddrs()[0]))
    await waitFor(() => pubsub.getSubscribers(topic).some(p => p.toString() === victim.node.peerId), 5000)
    await waitFor(() => victim.node.peers().length === 2, 5000, () => debugState(victim, honest))

    await pubsub.publish(topic, new Uint8Array([0xde, 0xad, 0xbe, 0xef]))
    await pubsub.publish(topic, heartbeat({ peerId: honest.node.peerId, name: 'impostor', state: 'terminating' }))
    await pubsub.publish(topic, heartbeat({ seq: 100 }))
    await waitFor(() => victim.node.peers().some(p => p.name === 'rogue'), 3000)
    await pubsub.publish(topic, heartbeat({ seq: 50, name: 'older' }))
    await pubsub.publish(topic, heartbeat({ seq: 100, name: 'replayed' }))

    const expectCounts = async (): Promise<string> => JSON.stringify([await rejected('malformed'), await rejected('wrong_sender'), await rejected('stale_seq')])
    const t0 = Date.now()
    while (await expectCounts() !== '[1,1,2]' && Date.now() - t0 < 3000) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(await expectCounts(), '[1,1,2]')
    // the impostor's "terminating" did not remove honest, and the stale ones did not rename rogue
    assert.deepEqual(victim.node.peers().map(p => p.name).sort(), ['honest', 'rogue', 'victim'])

    // still working: a new node is learned and the rogue, silent now, times out
    third = await startTestNode({ nodeName: 'third', joinAddrs: [honest.node.multiaddrs()[0]] })
    await waitFor(() => victim.node.peers().map(p => p.name).sort().join() === 'honest,third,victim', 5000,
      () => victim.node.peers().map(p => p.name).join())
  } finally {
    await Promise.all([victim.node.abort(), honest.node.abort(), third?.node.abort(), rogue.stop()])
  }
})
