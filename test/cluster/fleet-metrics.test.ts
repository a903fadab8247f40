// The fleet self-metrics operations/alerts.yaml reads, from real libp2p nodes on 127.0.0.1.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { metricValue, startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

test('members, own state, config-hash mismatches and link kinds are exported', { timeout: 30_000 }, async () => {
  const a = await startTestNode({ nodeName: 'a' })
  const nodes: TestNode[] = [a]
  try {
    const b = await startTestNode({ nodeName: 'b', joinAddrs: [a.node.multiaddrs()[0]] })
    nodes.push(b)
    await waitFor(() => a.node.peers().length === 2 && b.node.peers().length === 2, 10_000)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_members'), 2)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_self_state', { state: 'viewer' }), 1)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_links', { kind: 'tcp' }), 1)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_links', { kind: 'gossip' }), 0)

    a.node.setState('participant'); b.node.setState('participant')
    a.node.setComponentHash('scrape.x', 'h1'); b.node.setComponentHash('scrape.x', 'h2')
    await waitFor(() => a.node.peers().some(p => !p.isSelf && p.mismatched.includes('scrape.x')), 10_000)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_config_mismatched_peers', { component_id: 'scrape.x' }), 1)
    await waitFor(() => a.node.self().state === 'participant', 10_000)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_self_state', { state: 'participant' }), 1)
    assert.equal(await metricValue(a.registry, 'shoal_cluster_self_state', { state: 'viewer' }), 0)
  } finally {
    await Promise.all(nodes.map(n => n.node.stop()))
  }
})
