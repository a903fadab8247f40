// src/cluster/libp2p-private.ts reaches past js-libp2p's public API. Each wrapper falls back
// quietly when a shape changes, so only this test notices: it fails when gossipsub's sendRpc,
// the raw message's key/from, the connection's yamux muxer ping, or libp2p's transport and
// address managers are no longer what the wrappers expect.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import { addressesWithMetadata, lazyWindowUpdates, listenOn, muxerOf, omitInlinedKeys } from '../../src/cluster/libp2p-private.js'
import { waitFor } from './helpers.js'

const TOPIC = '/test/private/1'

async function node () {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [lazyWindowUpdates(yamux())],
    connectionMonitor: { enabled: false },
    services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: StrictSign, allowPublishToZeroTopicPeers: true }) },
  })
}

test('the private libp2p shapes the cluster relies on are still there', { timeout: 20_000 }, async () => {
  const a = await node()
  const b = await node()
  try {
    const pa = a.services.pubsub
    const pb = b.services.pubsub
    assert.equal(omitInlinedKeys(pa), true, 'gossipsub has no sendRpc any more')
    // watch what the wrapped sendRpc hands on: messages with `from` and no inlined `key`
    const seen: Array<{ from?: Uint8Array, key?: Uint8Array }> = []
    const ps = pa as unknown as { sendRpc: (id: string, rpc: { messages?: Array<{ from?: Uint8Array, key?: Uint8Array }> }) => boolean }
    const wrapped = ps.sendRpc
    ps.sendRpc = function (this: unknown, id, rpc) {
      const r = wrapped.call(this, id, rpc)
      seen.push(...(rpc.messages ?? []))
      return r
    }
    const got: Uint8Array[] = []
    pb.addEventListener('message', ev => { if (ev.detail.topic === TOPIC) got.push(ev.detail.data) })
    pa.subscribe(TOPIC)
    pb.subscribe(TOPIC)
    await a.dial(b.getMultiaddrs()[0])
    await waitFor(() => pa.getSubscribers(TOPIC).length === 1 && pb.getSubscribers(TOPIC).length === 1, 5000)
    await pa.publish(TOPIC, new TextEncoder().encode('hello'))
    // the receiver still verifies the signature with the key taken from `from`
    await waitFor(() => got.length === 1, 5000)
    assert.equal(new TextDecoder().decode(got[0]), 'hello')
    assert.ok(seen.length >= 1, 'no message went through sendRpc')
    for (const m of seen) {
      assert.ok(m.from instanceof Uint8Array && m.from[0] === 0x00, 'raw message `from` is no longer an identity multihash')
      assert.equal(m.key, undefined, 'the inlined key was not dropped')
    }

    // the yamux muxer's ping on a live connection
    const conn = a.getConnections(b.peerId)[0]
    const muxer = muxerOf(conn)
    assert.notEqual(muxer, undefined, 'Connection has no muxer with ping')
    const rtt = await muxer!.ping()
    assert.equal(typeof rtt, 'number')

    // address metadata and runtime listening
    const before = addressesWithMetadata(a)
    assert.ok(before.length >= 1, 'addressManager.getAddressesWithMetadata is gone')
    for (const x of before) assert.ok(typeof x.verified === 'boolean' && typeof x.type === 'string' && typeof x.multiaddr.toString() === 'string')
    const count = a.getMultiaddrs().length
    await listenOn(a, [b.getMultiaddrs()[0].decapsulate('/p2p').decapsulate('/tcp').encapsulate('/tcp/0')])
    assert.equal(a.getMultiaddrs().length, count + 1, 'transportManager.listen did not add a listener')
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})
