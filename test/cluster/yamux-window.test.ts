// Window updates the Go way (src/cluster/yamux-window.ts), between real libp2p nodes: gossip no
// longer costs a window-update frame per message, and bulk transfers still complete.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { gossipsub, StrictSign } from '@libp2p/gossipsub'
import type { Connection } from '@libp2p/interface'
import { lazyWindowUpdates, updateCanWait } from '../../src/cluster/yamux-window.js'
import { waitFor } from './helpers.js'

const TOPIC = '/test/window/1'
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function node (lazy: boolean) {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [lazy ? lazyWindowUpdates(yamux()) : yamux()],
    connectionMonitor: { enabled: false },
    services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: StrictSign, allowPublishToZeroTopicPeers: true }) },
  })
}

/** Counts the yamux frames a connection's muxer sends, by type and flags (header: version,
 *  type, flags u16, stream id u32, length u32). */
function countFrames (conn: Connection): { windowUpdates: number, flagged: number, data: number } {
  const counts = { windowUpdates: 0, flagged: 0, data: 0 }
  const muxer = (conn as unknown as { muxer: { send: (b: { subarray: (a: number, b: number) => Uint8Array }) => boolean } }).muxer
  const send = muxer.send
  muxer.send = function (buf) {
    const h = buf.subarray(0, 12)
    const flags = (h[2] << 8) | h[3]
    if (h[1] === 0) counts.data++
    if (h[1] === 1 && flags === 0) counts.windowUpdates++
    if (h[1] === 1 && flags !== 0) counts.flagged++
    return send.call(this, buf)
  }
  return counts
}

test('the rule: wait while less than half the window is used and no flag is due', () => {
  const W = 256 * 1024
  assert.equal(updateCanWait({ state: 3, recvWindow: W, recvWindowCapacity: W - 200 }), true)
  assert.equal(updateCanWait({ state: 3, recvWindow: W, recvWindowCapacity: W / 2 + 1 }), true)
  assert.equal(updateCanWait({ state: 3, recvWindow: W, recvWindowCapacity: W / 2 }), false) // half used
  assert.equal(updateCanWait({ state: 3, recvWindow: W, recvWindowCapacity: 0 }), false)
  assert.equal(updateCanWait({ state: 1, recvWindow: W, recvWindowCapacity: W - 200 }), true) // SYN sent: no flag either
  // Init (SYN due), SYNReceived (ACK due), Finished, Paused: js yamux decides
  for (const state of [0, 2, 4, 5]) assert.equal(updateCanWait({ state, recvWindow: W, recvWindowCapacity: W - 200 }), false, String(state))
  // another shape (a later yamux): never skip
  assert.equal(updateCanWait({ state: 3, recvWindow: undefined, recvWindowCapacity: W }), false)
  assert.equal(updateCanWait({ state: 3, recvWindow: 0, recvWindowCapacity: 0 }), false)
  assert.equal(updateCanWait({ state: 'open', recvWindow: W, recvWindowCapacity: W - 1 }), false)
})

/** A publishes `n` small messages to B; B's frames and bytes back to A while they arrive. */
async function gossipBurst (lazy: boolean, n: number): Promise<{ windowUpdates: number, flagged: number, dataFromA: number, bytesBack: number, received: number }> {
  const a = await node(lazy)
  const b = await node(lazy)
  const accepted: Socket[] = []
  const onSocket = (m: unknown): void => { accepted.push((m as { socket: Socket }).socket) }
  subscribe('net.server.socket', onSocket)
  try {
    for (const x of [a, b]) (x.services.pubsub).subscribe(TOPIC)
    let received = 0
    ;(b.services.pubsub).addEventListener('message', () => { received++ })
    await a.dial(b.getMultiaddrs()[0])
    const mesh = (x: typeof a): number => (x.services.pubsub as unknown as { getMeshPeers: (t: string) => unknown[] }).getMeshPeers(TOPIC).length
    await waitFor(() => mesh(a) === 1 && mesh(b) === 1, 10_000)
    await sleep(300) // identify and subscriptions settled
    const fromB = countFrames(b.getConnections()[0])
    const fromA = countFrames(a.getConnections()[0])
    const sock = accepted.find(s => s.localPort === Number(b.getMultiaddrs()[0].toString().split('/')[4]))
    assert.ok(sock !== undefined, 'the accepted socket')
    const before = sock.bytesWritten
    const payload = new Uint8Array(20).fill(7)
    for (let i = 0; i < n; i++) {
      await (a.services.pubsub).publish(TOPIC, payload)
      await sleep(2) // one frame per message, as heartbeats arrive
    }
    await waitFor(() => received === n, 10_000, () => `received ${received}`)
    await sleep(100)
    return { windowUpdates: fromB.windowUpdates, flagged: fromB.flagged, dataFromA: fromA.data, bytesBack: sock.bytesWritten - before, received }
  } finally {
    unsubscribe('net.server.socket', onSocket)
    await Promise.all([a.stop(), b.stop()])
  }
}

test('gossip: js yamux sends a window update per message; ours sends none', { timeout: 60_000 }, async () => {
  const N = 150
  const plain = await gossipBurst(false, N)
  const lazy = await gossipBurst(true, N)
  if (process.env.SHOAL_TEST_LOG !== undefined) console.error({ plain, lazy })
  assert.equal(plain.received, N)
  assert.equal(lazy.received, N)
  // one data frame per message (gossipsub sends nothing else in a quiet two-node mesh) …
  assert.ok(plain.dataFromA >= N && lazy.dataFromA >= N, `data frames ${plain.dataFromA} ${lazy.dataFromA}`)
  // … each answered by a window update in js yamux, by none with ours
  assert.equal(plain.windowUpdates, plain.dataFromA)
  assert.equal(lazy.windowUpdates, 0)
  // on the wire: 30 bytes each (12-byte header, 2-byte noise length, 16-byte tag), 0 with ours
  // (B's gossipsub sends nothing back in that time)
  assert.equal(plain.bytesBack, 30 * plain.windowUpdates + 30 * plain.flagged)
  assert.equal(lazy.bytesBack, 30 * lazy.flagged)
})

test('a large transfer over one stream completes, with updates every half window', { timeout: 60_000 }, async () => {
  const a = await node(true)
  const b = await node(true)
  try {
    const PROTO = '/test/sink/1.0.0'
    await b.handle(PROTO, (stream) => {
      void (async () => {
        const h = createHash('sha256')
        let bytes = 0
        for await (const chunk of stream) { h.update(chunk.subarray()); bytes += chunk.byteLength }
        stream.send(new TextEncoder().encode(JSON.stringify({ bytes, sha: h.digest('hex') })))
        await stream.close()
      })()
    })
    const conn = await a.dial(b.getMultiaddrs()[0])
    await sleep(200)
    const fromB = countFrames(b.getConnections()[0])
    const TOTAL = 12 * 1024 * 1024
    const data = randomBytes(TOTAL)
    const stream = await conn.newStream(PROTO)
    const reply: Uint8Array[] = []
    const done = (async () => { for await (const c of stream) reply.push(c.subarray()) })()
    for (let o = 0; o < TOTAL; o += 64 * 1024) {
      if (!stream.send(data.subarray(o, o + 64 * 1024))) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
    }
    await stream.close({ signal: AbortSignal.timeout(20_000) })
    await done
    const got = JSON.parse(Buffer.concat(reply).toString())
    if (process.env.SHOAL_TEST_LOG !== undefined) console.error(fromB)
    assert.deepEqual(got, { bytes: TOTAL, sha: createHash('sha256').update(data).digest('hex') })
    // the 256 KiB window was refilled at least once per half (more would have stalled the sender),
    // and not per frame (~200 frames of 64 KiB)
    assert.ok(fromB.windowUpdates >= 1, `window updates ${fromB.windowUpdates}`)
    assert.ok(fromB.windowUpdates <= TOTAL / (128 * 1024), `window updates ${fromB.windowUpdates}`)
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
})
