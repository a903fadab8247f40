// Link descriptions for the fleet map, and a target's ownership ranking: the same order as
// Cluster.lookup over the real rendezvous functions, with the excluded members named.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { describeLinks, noteRoundTrip, type ConnectionLike } from '../../src/cluster/links.js'
import { keyFromBigInt, peerHash, Rendezvous, score } from '../../src/cluster/hrw.js'
import type { Cluster, PeerInfo } from '../../src/cluster/types.js'
import { targetOwnership } from '../../src/components/prometheus/scrape-ownership.js'

const peer = (id: string, extra: Partial<PeerInfo> = {}): PeerInfo => ({
  peerId: id, name: id.toLowerCase(), addrs: [], httpAddr: '', state: 'participant', lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: false, ...extra,
})
const conn = (addr: string, extra: Partial<ConnectionLike> = {}): ConnectionLike => ({ status: 'open', remoteAddr: { toString: () => addr }, ...extra })

test('each member is described by its best open link, with RTT and last use', () => {
  const tcp = conn('/ip4/10.0.0.2/tcp/7000/p2p/B')
  const relayed = conn('/ip4/10.0.0.1/tcp/7000/p2p/R/p2p-circuit/p2p/B', { limits: {} })
  noteRoundTrip(tcp, 1.234, Date.parse('2026-01-01T00:00:00Z'))
  const ws = conn('/ip4/10.0.0.3/tcp/7001/ws/p2p/C')
  const conns: Record<string, ConnectionLike[]> = { B: [relayed, tcp], C: [ws, conn('/ip4/1/tcp/1', { status: 'closed' })], D: [] }
  const links = describeLinks([peer('A', { isSelf: true }), peer('B'), peer('C'), peer('D')], id => conns[id] ?? [])
  assert.deepEqual(links.map(l => [l.peerId, l.kind, l.rttMs, l.lastUsed]), [
    ['B', 'tcp', 1.23, '2026-01-01T00:00:00.000Z'],
    ['C', 'websockets', null, ''],
    ['D', 'gossip', null, ''],
  ])
  assert.equal(links[0].addr, '/ip4/10.0.0.2/tcp/7000/p2p/B')
})

test('ownership: ranking as lookup orders it, owner, successor, the excluded and why', () => {
  const peers = [peer('P1', { isSelf: true }), peer('P2'), peer('P3'), peer('P4'), peer('P5', { mismatched: ['c'] }), peer('P6', { state: 'viewer' })]
  const candidates = peers.filter(p => p.state === 'participant' && !p.mismatched.includes('c'))
  const hrw = new Rendezvous(candidates)
  const cluster: Cluster = {
    enabled: true,
    self: () => peers[0],
    peers: () => peers,
    lookup: (key, rf) => hrw.lookup(typeof key === 'bigint' ? keyFromBigInt(key) : key, rf),
    lookupMany: () => { throw new Error('unused') },
    ready: () => true,
    setComponentHash: () => {},
    onChange: () => () => {},
  }
  for (const key of [1n, 0xdeadbeefcafef00dn, 42n]) {
    const o = targetOwnership(cluster, true, 'c', key, 1, 'http://x/metrics')
    const order = [...candidates].sort((a, b) => score(peerHash(b.peerId), keyFromBigInt(key)) - score(peerHash(a.peerId), keyFromBigInt(key)))
    assert.deepEqual(o.ranking.map(p => p.peerId), order.slice(0, 3).map(p => p.peerId))
    assert.deepEqual(o.owners.map(p => p.peerId), [order[0].peerId])
    assert.equal(o.successor?.peerId, order[1].peerId)
    assert.ok(o.ranking[0].score >= o.ranking[1].score && o.ranking[1].score >= o.ranking[2].score)
    assert.equal(o.participants, 4)
    assert.deepEqual(o.excluded.map(x => [x.peerId, x.reason]), [['P5', 'config-mismatch'], ['P6', 'viewer']])
    const two = targetOwnership(cluster, true, 'c', key, 2, '')
    assert.deepEqual(two.owners.map(p => p.peerId), order.slice(0, 2).map(p => p.peerId))
    assert.equal(two.successor?.peerId, order[2].peerId)
  }
  const alone = targetOwnership(cluster, false, 'c', 1n, 1, '')
  assert.deepEqual([alone.clustered, alone.owners.map(p => p.peerId), alone.successor], [false, ['P1'], null])
})
