// Relay reservations over stubbed components (no libp2p node): when a member needs a relay, which
// link it reserves on, the circuit address it listens on, and that it does not reserve again while it holds one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import { RelayReservation } from '../../src/cluster/relay-reservation.js'
import type { RelayReservationComponents, RelayReservationInit } from '../../src/cluster/relay-reservation.js'
import { callbackLogger } from '../../src/logging/logger.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

interface Link { peer: PeerId, addr: string, protocols: string[], limited?: boolean, status?: 'open' | 'closed' }

function stub (links: Link[], own: Array<{ addr: string, verified: boolean, type?: string }> = []) {
  const listened: string[][] = []
  let failNext = false
  const addrs: Multiaddr[] = own.map(a => multiaddr(a.addr))
  const net: RelayReservationComponents = {
    getConnections: () => links.map(l => ({ status: l.status ?? 'open', limits: l.limited === true ? {} : undefined, remotePeer: l.peer, remoteAddr: multiaddr(l.addr) })),
    peerStore: {
      get: async (peer) => {
        const l = links.find(l => l.peer.equals(peer))
        if (l === undefined) throw new Error('not found')
        return { protocols: l.protocols }
      },
    },
    getMultiaddrs: () => addrs,
    addressesWithMetadata: () => own.map(a => ({ multiaddr: multiaddr(a.addr), verified: a.verified, type: a.type ?? 'transport' })),
    listen: async (more) => {
      await new Promise(resolve => setTimeout(resolve, 5))
      if (failNext) { failNext = false; throw new Error('reservation refused') }
      listened.push(more.map(a => a.toString()))
      addrs.push(...more)
    },
  }
  return { net, listened, failOnce: () => { failNext = true } }
}

function init (over: Partial<RelayReservationInit> = {}) {
  const logged: Array<[string, string]> = []
  const reserved: number[] = []
  const o: RelayReservationInit = {
    relay: false,
    advertiseAddrs: [],
    isMember: () => true,
    onReserved: () => { reserved.push(Date.now()) },
    log: callbackLogger((level, msg) => { logged.push([level, msg]) }),
    ...over,
  }
  return { o, logged, reserved }
}

test('needs a relay only without an advertised or a verified public address', () => {
  const { net } = stub([], [{ addr: '/ip4/10.0.0.5/tcp/7000', verified: true }, { addr: '/ip4/203.0.113.9/tcp/7000', verified: true, type: 'announce' }])
  assert.equal(new RelayReservation(net, init().o).needsRelay(), true, 'private and announced addresses do not make us dialable')
  assert.equal(new RelayReservation(net, init({ relay: true }).o).needsRelay(), false)
  assert.equal(new RelayReservation(net, init({ advertiseAddrs: ['/dns4/a.example/tcp/7000'] }).o).needsRelay(), false)
  const pub = stub([], [{ addr: '/ip4/203.0.113.9/tcp/7000', verified: true }])
  assert.equal(new RelayReservation(pub.net, init().o).needsRelay(), false)
  const unverified = stub([], [{ addr: '/ip4/203.0.113.9/tcp/7000', verified: false }])
  assert.equal(new RelayReservation(unverified.net, init().o).needsRelay(), true)
})

test('reserves once on a directly linked relay member and listens on its circuit address', async () => {
  const [plain, limitedRelay, foreignRelay, relay] = await Promise.all([newPeer(), newPeer(), newPeer(), newPeer()])
  const { net, listened } = stub([
    { peer: plain, addr: `/ip4/10.0.0.2/tcp/7000/p2p/${plain.toString()}`, protocols: ['/ipfs/id/1.0.0'] },
    { peer: limitedRelay, addr: '/ip4/10.0.0.3/tcp/7000', protocols: [RELAY_V2_HOP_CODEC], limited: true },
    { peer: foreignRelay, addr: '/ip4/10.0.0.4/tcp/7000', protocols: [RELAY_V2_HOP_CODEC] },
    { peer: relay, addr: `/ip4/10.0.0.1/tcp/7000/p2p/${relay.toString()}`, protocols: [RELAY_V2_HOP_CODEC] },
  ], [{ addr: '/ip4/10.0.0.9/tcp/7000', verified: true }])
  const { o, reserved, logged } = init({ isMember: id => id !== foreignRelay.toString() })
  const r = new RelayReservation(net, o)
  await r.ensure()
  assert.deepEqual(listened, [[`/ip4/10.0.0.1/tcp/7000/p2p/${relay.toString()}/p2p-circuit`]])
  assert.equal(reserved.length, 1)
  assert.ok(logged.some(([level, msg]) => level === 'info' && msg === 'reserved a relay slot'))
  await r.ensure() // holds a circuit address now: nothing to do
  assert.equal(listened.length, 1)
})

test('a join and an identify arriving together reserve once', async () => {
  const relay = await newPeer()
  const { net, listened } = stub([{ peer: relay, addr: '/ip4/10.0.0.1/tcp/7000', protocols: [RELAY_V2_HOP_CODEC] }])
  const r = new RelayReservation(net, init().o)
  await Promise.all([r.ensure(), r.ensure()])
  assert.equal(listened.length, 1, JSON.stringify(listened))
})

test('a failed reservation is logged and retried; nothing after stop', async () => {
  const relay = await newPeer()
  const { net, listened, failOnce } = stub([{ peer: relay, addr: '/ip4/10.0.0.1/tcp/7000', protocols: [RELAY_V2_HOP_CODEC] }])
  const { o, reserved, logged } = init()
  const r = new RelayReservation(net, o)
  failOnce()
  await r.ensure()
  assert.equal(listened.length, 0)
  assert.equal(reserved.length, 0)
  assert.ok(logged.some(([level, msg]) => level === 'warn' && msg === 'relay reservation failed'))
  const stopped = new RelayReservation(net, o)
  stopped.stop()
  await stopped.ensure()
  assert.equal(listened.length, 0)
  await r.ensure()
  assert.deepEqual(listened, [[`/ip4/10.0.0.1/tcp/7000/p2p/${relay.toString()}/p2p-circuit`]])
  assert.equal(reserved.length, 1)
})

test('the periodic check finds a relay that is linked later', async () => {
  const relay = await newPeer()
  const links: Link[] = []
  const { net, listened } = stub(links)
  const member = new RelayReservation(net, init({ checkIntervalMs: 10 }).o)
  member.start()
  try {
    links.push({ peer: relay, addr: '/ip4/10.0.0.1/tcp/7000', protocols: [RELAY_V2_HOP_CODEC] })
    const until = Date.now() + 2000
    while (listened.length === 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 10))
    assert.equal(listened.length, 1, 'the check found the relay that appeared')
  } finally {
    member.stop()
  }
})
