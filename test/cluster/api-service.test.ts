// The API protocol client over stubbed components (no libp2p node): what it answers itself, our
// own link first, then hops through linked members (relays first, skipping those that have no
// link to the target), and the error that names every route tried.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, Stream } from '@libp2p/interface'
import { ApiService } from '../../src/cluster/api-service.js'
import type { ApiServiceComponents } from '../../src/cluster/api-service.js'

const PROTO = '/shoal/test/api/1.0.0'
const PATH = '/api/v0/web/components'
const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/** A stream that records what the client sent and answers with `reply` once it closed its side. */
function answering (reply: string, sent: unknown[]): Stream {
  const out: Uint8Array[] = []
  return {
    send: (data: Uint8Array) => { out.push(data); return true },
    close: async () => { sent.push(JSON.parse(Buffer.concat(out).toString('utf8'))) },
    abort: () => {},
    async * [Symbol.asyncIterator] () { yield new TextEncoder().encode(reply) },
  } as unknown as Stream
}

interface Link { peer: PeerId, reply?: string, protocols?: string[], limited?: boolean }

function stub (links: Link[], dialed: { fail?: boolean, reply?: string, limited?: boolean } = { fail: true }) {
  const sent: Array<{ via: string, req: unknown }> = []
  const conn = (l: Link) => ({
    status: 'open' as const,
    limits: l.limited === true ? {} : undefined,
    remotePeer: l.peer,
    newStream: async (proto: string | string[]) => {
      assert.equal(proto, PROTO)
      if (l.reply === undefined) throw new Error('stream refused')
      const req: unknown[] = []
      const s = answering(l.reply, req)
      const close = s.close.bind(s)
      s.close = async () => { await close(); sent.push({ via: l.peer.toString(), req: req[0] }) }
      return s
    },
  })
  const net: ApiServiceComponents = {
    handle: async () => {},
    dial: async (peer) => {
      if (dialed.fail === true) throw new Error('no dialable address')
      return conn({ peer, reply: dialed.reply, limited: dialed.limited })
    },
    getConnections: () => links.map(conn),
    peerStore: { get: async (peer) => ({ protocols: links.find(l => l.peer.equals(peer))?.protocols ?? [] }) },
  }
  return { net, sent }
}

test('answers itself, refuses paths peers are not served and peers that are not members', async () => {
  const [self, other] = [await newPeer(), await newPeer()]
  const { net, sent } = stub([])
  const api = new ApiService(net, { protocol: PROTO, self: self.toString(), isMember: id => id === self.toString() })
  assert.equal((await api.request(self.toString(), PATH)).status, 503)
  api.serve(async (path) => ({ status: 200, body: { path } }))
  assert.deepEqual(await api.request(self.toString(), PATH), { status: 200, body: JSON.stringify({ path: PATH }), via: 'self' })
  assert.equal((await api.request(self.toString(), '/api/v0/web/secrets/../x')).status, 404)
  const notMember = await api.request(other.toString(), PATH)
  assert.equal(notMember.status, 404)
  assert.match(notMember.body, /not a live member/)
  assert.equal(sent.length, 0)
})

test('our own link first: direct or relayed, with no target in the request', async () => {
  const [self, target] = [await newPeer(), await newPeer()]
  for (const limited of [false, true]) {
    const { net, sent } = stub([], { reply: '200\n{"ok":1}', limited })
    const api = new ApiService(net, { protocol: PROTO, self: self.toString(), isMember: () => true })
    const r = await api.request(target.toString(), PATH)
    assert.deepEqual(r, { status: 200, body: '{"ok":1}', via: limited ? 'relay' : 'direct' })
    assert.deepEqual(sent, [{ via: target.toString(), req: { p: PATH, z: 1 } }])
  }
})

test('then hops through linked members, relays first, skipping those without a link', async () => {
  const [self, target, plain, relay, limited, stranger] = await Promise.all(Array.from({ length: 6 }, newPeer))
  const { net, sent } = stub([
    { peer: plain, reply: '200\n{"from":"plain"}' },
    { peer: limited, reply: '200\n{}', limited: true },
    { peer: stranger, reply: '200\n{}' },
    { peer: target, reply: '200\n{}' },
    { peer: relay, reply: `502\n{"error":"no connection to ${target.toString()}"}`, protocols: [RELAY_V2_HOP_CODEC] },
  ])
  const api = new ApiService(net, { protocol: PROTO, self: self.toString(), isMember: id => id !== stranger.toString() })
  const r = await api.request(target.toString(), PATH)
  assert.deepEqual(r, { status: 200, body: '{"from":"plain"}', via: 'forward' })
  assert.deepEqual(sent.map(s => s.via), [relay.toString(), plain.toString()])
  assert.deepEqual(sent[1].req, { p: PATH, t: target.toString(), z: 1 })
})

test('no route: every try is named, at most maxHops hops', async () => {
  const [self, target, ...hops] = await Promise.all(Array.from({ length: 6 }, newPeer))
  const { net } = stub(hops.map(peer => ({ peer })))
  const api = new ApiService(net, { protocol: PROTO, self: self.toString(), isMember: () => true, maxHops: 2 })
  const r = await api.request(target.toString(), PATH)
  assert.equal(r.status, 502)
  assert.equal(r.via, 'none')
  const error = (JSON.parse(r.body) as { error: string }).error
  assert.match(error, /^no route to .*dial: no dialable address/)
  assert.equal(error.match(/via [^:]+: stream refused/g)?.length, 2)
})
