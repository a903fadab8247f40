// A rolling upgrade: a node of the previous release (heartbeats only: membership 'heartbeats')
// and nodes of this one (failure detector) in one fleet. They must not drop each other, must
// see each other's changes, and the new nodes go back to probes only once the old one is gone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ids, startTestNode, waitFor } from './helpers.js'

interface Internals { sent: { full: number, alive: number }, detector?: unknown }
const inner = (n: { node: unknown }): Internals => n.node as Internals

test('an older heartbeat-only node and newer nodes keep each other, see changes, and the newer ones stop heartbeats once it left', { timeout: 40_000 }, async () => {
  const old = await startTestNode({ nodeName: 'old', membership: 'heartbeats' })
  const a = await startTestNode({ nodeName: 'a', membership: 'swim', joinAddrs: [old.node.multiaddrs()[0]] })
  const b = await startTestNode({ nodeName: 'b', membership: 'swim', joinAddrs: [a.node.multiaddrs()[0]] })
  const all = [old, a, b]
  try {
    assert.equal(inner(old).detector, undefined)
    assert.notEqual(inner(a).detector, undefined)
    const want = all.map(n => n.node.peerId).sort().join()
    await waitFor(() => all.every(n => ids(n.node).join() === want), 10_000, () => all.map(n => ids(n.node).length).join(','))
    // 2.4 s = 8 heartbeats of 300 ms, past the old node's timeout (3 × 300 ms) twice over
    for (let i = 0; i < 24; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      for (const n of all) assert.equal(ids(n.node).join(), want, `${n.node.self().name} lost a member`)
    }
    // changes cross both ways: a new node's state and hash reach the old one, the old one's reach the new ones
    a.node.setState('participant')
    a.node.setComponentHash('scrape.x', 'h1')
    old.node.setState('participant')
    await waitFor(() => old.node.peers().find(p => p.name === 'a')?.components['scrape.x'] === 'h1' &&
      old.node.peers().find(p => p.name === 'a')?.state === 'participant', 3000)
    await waitFor(() => [a, b].every(n => n.node.peers().find(p => p.name === 'old')?.state === 'participant'), 3000)
    // the old node leaves: the new ones drop it and stop sending heartbeats
    await old.node.stop()
    await waitFor(() => [a, b].every(n => n.node.peers().length === 2), 5000)
    await new Promise(resolve => setTimeout(resolve, 1200)) // links close, the last beats pass
    const sent = [a, b].map(n => inner(n).sent.full)
    await new Promise(resolve => setTimeout(resolve, 1500)) // 5 heartbeat intervals
    assert.deepEqual([a, b].map(n => inner(n).sent.full), sent, 'heartbeats after the older member left')
    assert.ok(sent.every(s => s > 0), 'the new nodes sent heartbeats while the older one was there')
    // the detector alone still notices a member that went away
    await b.node.abort()
    await waitFor(() => a.node.peers().length === 1, 5000)
  } finally {
    await Promise.all(all.map(n => n.node.abort()))
  }
})
