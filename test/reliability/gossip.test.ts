// What test/cluster/gossip-invalid.test.ts does not cover: oversized heartbeats (over our 16 KiB
// limit, and over gossipsub's 64 KiB frame limit), unsigned messages from a peer that does not
// sign, and the gossipsub score of a peer whose messages are rejected (it must go down, so the
// mesh prunes it). The victim keeps its membership through all of it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeHeartbeat, MAX_HEARTBEAT_BYTES } from '../../src/cluster/heartbeat.js'
import type { Heartbeat } from '../../src/cluster/heartbeat.js'
import { gossipTopic } from '../../src/cluster/options.js'
import { metricValue, rogueNode, startTestNode, waitFor } from '../cluster/helpers.js'

test('oversized and unsigned heartbeats are rejected, the sender is scored down, the victim keeps working', { timeout: 40_000 }, async () => {
  const victim = await startTestNode({ nodeName: 'victim' })
  const honest = await startTestNode({ nodeName: 'honest', joinAddrs: [victim.node.multiaddrs()[0]] })
  const signer = await rogueNode({ signed: true, maxInboundDataLength: 1 << 20 })
  const unsigned = await rogueNode({ signed: false, maxInboundDataLength: 1 << 20 })
  const topic = gossipTopic('shoal')
  // the implementation's getScore (not on the GossipSub interface)
  const victimPubsub = (victim.node as unknown as { libp2p: { services: { pubsub: { getScore (id: string): number } } } }).libp2p.services.pubsub
  const rejected = (reason: string): Promise<number> => metricValue(victim.registry, 'cluster_node_gossip_rejected_total', { reason })
  const heartbeat = (peerId: string, over: Partial<Heartbeat>): Uint8Array => encodeHeartbeat({
    peerId, name: 'rogue', addrs: [], httpAddr: '', state: 'participant', seq: Date.now(), version: '', components: {}, ...over,
  })
  try {
    await waitFor(() => victim.node.peers().length === 2, 10_000)
    for (const r of [signer, unsigned]) {
      r.pubsub.subscribe(topic)
      await r.node.dial(multiaddr(victim.node.multiaddrs()[0]))
      await waitFor(() => r.pubsub.getSubscribers(topic).some(p => p.toString() === victim.node.peerId), 5000)
    }
    const signerId = signer.node.peerId.toString()

    // Over our limit but inside gossipsub's: decoded and rejected as too_large.
    const pad = { pad: 'x'.repeat(1000) }
    const big = (seq: number): Uint8Array => heartbeat(signerId, { name: 'big', seq, components: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, pad.pad])) })
    assert.ok(big(1).length > MAX_HEARTBEAT_BYTES && big(1).length < 64 * 1024)
    for (let i = 0; i < 5; i++) await signer.pubsub.publish(topic, big(Date.now() + i))
    const t0 = Date.now()
    while (await rejected('too_large') < 5 && Date.now() - t0 < 5000) await new Promise(resolve => setTimeout(resolve, 50))
    assert.equal(await rejected('too_large'), 5)

    // A well-formed, signed heartbeat of the signer itself is accepted (the path works).
    await signer.pubsub.publish(topic, heartbeat(signerId, { name: 'signer-ok' }))
    await waitFor(() => victim.node.peers().some(p => p.name === 'signer-ok'), 5000, () => victim.node.peers().map(p => p.name).join())
    assert.deepEqual(victim.node.peers().map(p => p.name).sort(), ['honest', 'signer-ok', 'victim'])

    // Over gossipsub's 64 KiB frame limit: dropped before any validator; the victim carries on.
    await signer.pubsub.publish(topic, heartbeat(signerId, { name: 'huge', components: { c: 'x'.repeat(1000) }, addrs: Array.from({ length: 70 }, () => 'y'.repeat(1000)) })).catch(() => {})

    // Unsigned, well-formed heartbeat: gossipsub (StrictSign) drops it; it never becomes a member.
    await unsigned.pubsub.publish(topic, heartbeat(unsigned.node.peerId.toString(), { name: 'unsigned-rogue' })).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 1000))
    // (signer-ok has expired by now: the rogue sends no further heartbeats)
    assert.deepEqual(victim.node.peers().map(p => p.name).sort(), ['honest', 'victim'])

    // The signer's rejected messages cost it: its score at the victim is below zero. Scores are
    // refreshed on gossipsub's heartbeat, so on a busy machine the penalty may show a beat late.
    await waitFor(() => victimPubsub.getScore(signerId) < 0, 5000).catch(() => {})
    const score = victimPubsub.getScore(signerId)
    assert.ok(score < 0, `victim's gossipsub score for a peer that sent 5 rejected messages: ${score}`)

    // Still working: honest stays a member across several heartbeat timeouts.
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.ok(victim.node.peers().some(p => p.name === 'honest'))
  } finally {
    await Promise.all([victim.node.abort(), honest.node.abort(), signer.node.stop(), unsigned.node.stop()])
  }
})
