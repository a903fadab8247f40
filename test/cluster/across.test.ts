// Across networks on loopback: relay reservations, the read-only API protocol (direct and
// forwarded one hop), address filtering and the protocol's limits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { advertisable, isPublicIp } from '../../src/cluster/addresses.js'
import { allowedPath, decodeRequest, decodeResponse, encodeResponse, RateLimiter } from '../../src/cluster/api-protocol.js'
import { startTestNode, waitFor } from './helpers.js'
import type { TestNode } from './helpers.js'

test('allowedPath serves only the read-only API', () => {
  assert.equal(allowedPath('/api/v0/web/components'), true)
  assert.equal(allowedPath('/api/v0/web/peers'), true)
  assert.equal(allowedPath('/api/v0/web/components/prometheus.scrape.x'), true)
  assert.equal(allowedPath('/api/v0/web/components/module.file.a/prometheus.scrape.b'), true)
  assert.equal(allowedPath('/api/v0/web/cluster/links/self'), true)
  assert.equal(allowedPath('/api/v0/web/components/prometheus.scrape.x/targets/00ff00ff00ff00ff/ownership'), true)
  assert.equal(allowedPath('/api/v0/web/cluster/links'), false, 'the collected answer would make peers ask the fleet')
  for (const p of ['/metrics', '/-/reload', '/api/v0/web/reload', '/api/v0/web/components/', '/api/v0/web/components/../x',
    '/api/v0/web/components/a?x=1', '/api/v0/web/peers/x/components', '/api/v0/web/components/' + 'a'.repeat(513)]) {
    assert.equal(allowedPath(p), false, p)
  }
})

test('wire format round-trips and rejects junk', () => {
  assert.deepEqual(decodeRequest(new TextEncoder().encode('{"p":"/x","t":"id"}')), { p: '/x', t: 'id' })
  assert.equal(decodeRequest(new TextEncoder().encode('{"p":1}')), undefined)
  assert.equal(decodeRequest(new Uint8Array([0xff, 0xfe])), undefined)
  assert.deepEqual(decodeResponse(encodeResponse(404, '{"error":"x"}')), { status: 404, body: '{"error":"x"}' })
  assert.equal(decodeResponse(new TextEncoder().encode('abc\n{}')), undefined)
  assert.equal(decodeResponse(new TextEncoder().encode('{}')), undefined)
})

test('rate limiter: burst, then the refill rate, per peer', () => {
  let now = 0
  const rl = new RateLimiter(3, 2, () => now)
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')], [true, true, true, false])
  assert.equal(rl.take('b'), true)
  now = 499
  assert.equal(rl.take('a'), false)
  now = 500
  assert.equal(rl.take('a'), true)
  assert.equal(rl.take('a'), false)
})

test('advertised addresses: advertise wins, loopback only when nothing else', () => {
  const id = 'PEER'
  const lo = '/ip4/127.0.0.1/tcp/1/p2p/PEER'
  const lan = '/ip4/10.1.2.3/tcp/1/p2p/PEER'
  const circ = '/ip4/10.0.0.1/tcp/2/p2p/HUB/p2p-circuit/p2p/PEER'
  assert.deepEqual(advertisable([lo, lan, circ], [], id), [lan, circ])
  assert.deepEqual(advertisable([lo, '/ip6/::1/tcp/1/p2p/PEER'], [], id), [lo, '/ip6/::1/tcp/1/p2p/PEER'])
  assert.deepEqual(advertisable([lo, lan, circ], ['/dns/shoal.example/tcp/9'], id), ['/dns/shoal.example/tcp/9/p2p/PEER', circ])
  assert.deepEqual(['/ip4/8.8.8.8/tcp/1', '/ip4/172.32.0.1/tcp/1', '/ip6/2001:db8::1/tcp/1'].map(isPublicIp), [true, true, true])
  assert.deepEqual(['/ip4/10.0.0.1/tcp/1', '/ip4/172.16.0.1/tcp/1', '/ip4/192.168.1.1/tcp/1', '/ip4/100.64.0.1/tcp/1',
    '/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/1', '/ip6/fd00::1/tcp/1', '/ip6/fe80::1/tcp/1', '/dns/x/tcp/1'].map(isPublicIp).some(Boolean), false)
})

const answerFor = (name: string) => (path: string) => path === '/api/v0/web/components'
  ? { status: 200, body: [{ id: `${name}.component` }] }
  : { status: 404, body: { error: `${path} not found on ${name}` } }

test('the API reaches a member we cannot dial: forwarded one hop by the hub; relays take reservations', { timeout: 30_000 }, async () => {
  // a and c advertise a dead address, so only b (the hub) links them
  const dead = ['/ip4/127.0.0.1/tcp/1']
  const nodes: TestNode[] = []
  try {
    const b = await startTestNode({ nodeName: 'b', relay: true, listenAddrs: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] })
    nodes.push(b)
    const a = await startTestNode({ nodeName: 'a', advertiseAddrs: dead, joinAddrs: [b.node.multiaddrs()[0]] })
    nodes.push(a)
    const c = await startTestNode({ nodeName: 'c', advertiseAddrs: dead, joinAddrs: [b.node.multiaddrs()[0]] })
    nodes.push(c)
    // d advertises nothing and listens on WebSockets only: it reserves a slot on b
    const wsHub = b.node.multiaddrs().find(x => x.includes('/ws/'))!
    const d = await startTestNode({ nodeName: 'd', listenAddrs: ['/ip4/127.0.0.1/tcp/0/ws'], joinAddrs: [wsHub] })
    nodes.push(d)
    for (const [n, name] of [[a, 'a'], [b, 'b'], [c, 'c'], [d, 'd']] as const) n.node.serveApi(answerFor(name))
    await waitFor(() => nodes.every(n => n.node.peers().length === 4), 10_000)

    const self = await a.node.requestApi(a.node.peerId, '/api/v0/web/components')
    assert.deepEqual({ ...self, body: JSON.parse(self.body) }, { status: 200, body: [{ id: 'a.component' }], via: 'self' })

    const fwd = await a.node.requestApi(c.node.peerId, '/api/v0/web/components')
    assert.equal(fwd.via, 'forward', fwd.body)
    assert.equal(fwd.status, 200)
    assert.deepEqual(JSON.parse(fwd.body), [{ id: 'c.component' }])
    const missing = await a.node.requestApi(c.node.peerId, '/api/v0/web/components/nope')
    assert.deepEqual([missing.status, missing.via, JSON.parse(missing.body).error], [404, 'forward', '/api/v0/web/components/nope not found on c'])

    const direct = await a.node.requestApi(b.node.peerId, '/api/v0/web/components')
    assert.deepEqual([direct.status, direct.via], [200, 'direct'])

    const refused = await a.node.requestApi(c.node.peerId, '/-/reload')
    assert.deepEqual([refused.status, refused.via], [404, 'none'])
    const stranger = await a.node.requestApi('12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq', '/api/v0/web/peers')
    assert.equal(stranger.status, 404)

    // d holds a reservation on b and announces the circuit address in its heartbeats
    await waitFor(() => d.node.multiaddrs().some(x => x.includes(`/p2p/${b.node.peerId}/p2p-circuit/p2p/${d.node.peerId}`)), 10_000,
      () => d.node.multiaddrs().join(' '))
    await waitFor(() => a.node.peers().find(p => p.name === 'd')?.addrs.some(x => x.includes('/p2p-circuit')) === true, 5000)
    // b is a relay and never reserves; a and c advertise an address, so they need none
    assert.equal(b.node.multiaddrs().some(x => x.includes('/p2p-circuit')), false)
    assert.equal(a.node.multiaddrs().some(x => x.includes('/p2p-circuit')), false)
    // d listens on WebSockets only, and has no loopback filter trouble: it is a loopback-only node
    assert.ok(d.node.multiaddrs().filter(x => !x.includes('/p2p-circuit')).every(x => x.includes('/ws/')), d.node.multiaddrs().join(' '))
  } finally {
    await Promise.all(nodes.map(n => n.node.abort()))
  }
})

test('a hub with more sites than gossipsub\'s default mesh bound keeps every site hearing every other', { timeout: 60_000 }, async () => {
  // leaves that can reach only the hub (dead advertised addresses): more than Dhi=12 + Dlazy=6 by default
  const LEAVES = 20
  const dead = ['/ip4/127.0.0.1/tcp/1']
  const hub = await startTestNode({ nodeName: 'hub', heartbeatMs: 1000 })
  const nodes: TestNode[] = [hub]
  try {
    for (let i = 0; i < LEAVES; i++) {
      nodes.push(await startTestNode({ nodeName: `leaf${i}`, heartbeatMs: 1000, missedHeartbeats: 3, rejoinIntervalMs: 2000, advertiseAddrs: dead, joinAddrs: [hub.node.multiaddrs()[0]] }))
    }
    await waitFor(() => nodes.every(n => n.node.peers().length === LEAVES + 1), 20_000, () => nodes.map(n => n.node.peers().length).join(','))
    // gossipsub prunes over-full meshes every second: watch through several of its heartbeats
    for (let i = 0; i < 20; i++) {
      await new Promise(resolve => setTimeout(resolve, 200))
      assert.deepEqual(nodes.map(n => n.node.peers().length), nodes.map(() => LEAVES + 1))
    }
  } finally {
    await Promise.all(nodes.map(n => n.node.abort()))
  }
})
