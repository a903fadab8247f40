// The adaptive membership logic: heartbeat interval by fleet size, per-peer timeouts from the
// announced interval, the ping budget.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeHeartbeat, encodeHeartbeat } from '../../src/cluster/heartbeat.js'
import type { Heartbeat } from '../../src/cluster/heartbeat.js'
import { Membership } from '../../src/cluster/membership.js'
import { FLEET_KNEE, FULL_EVERY, fullEvery, heartbeatInterval, MAX_INTERVAL_MS, peerInterval, pingEvery, PINGS_PER_SECOND } from '../../src/cluster/scale.js'
import type { PeerInfo } from '../../src/cluster/types.js'

test('heartbeat interval: unchanged up to the knee, then grows with the square of the fleet', () => {
  assert.equal(FLEET_KNEE, 100)
  assert.deepEqual([1, 10, 50, 100].map(n => heartbeatInterval(1000, n)), [1000, 1000, 1000, 1000])
  assert.deepEqual([101, 150, 200, 500, 1000].map(n => heartbeatInterval(1000, n)), [2000, 3000, 4000, 25_000, 100_000])
  assert.equal(heartbeatInterval(300, 1000), 30_000)
  assert.equal(heartbeatInterval(1000, 10_000), MAX_INTERVAL_MS)
  // the fleet-wide heartbeat rate N / interval never rises past the knee's
  for (let n = 100; n <= 3000; n += 7) assert.ok(n / heartbeatInterval(1000, n) * 1000 <= 100, `n=${n}`)
})

test('announced intervals are clamped; older nodes fall back to ours', () => {
  assert.equal(peerInterval(undefined, 1000), 1000)
  assert.equal(peerInterval(25_000, 1000), 25_000)
  assert.equal(peerInterval(1, 1000), 50)
  assert.equal(peerInterval(1e12, 1000), MAX_INTERVAL_MS)
})

test('ping budget: every connection each heartbeat while it fits, then spread out', () => {
  assert.equal(pingEvery(1000, 5), 1000)
  assert.equal(pingEvery(1000, 20), 1000)
  assert.equal(pingEvery(1000, 64), 3200)
  assert.equal(pingEvery(300, 3), 300)
})

test('ping budget past the knee: a link at least every tenth of the stretched interval', () => {
  // up to the knee the interval is the base: exactly the budget alone (small fleets unchanged)
  for (const conns of [1, 5, 20, 64, 300]) assert.equal(pingEvery(1000, conns, 1000), pingEvery(1000, conns), String(conns))
  assert.equal(pingEvery(1000, 64, heartbeatInterval(1000, 200)), 3200) // 4 s beats: the budget still rules
  assert.equal(pingEvery(1000, 64, heartbeatInterval(1000, 500)), 3200) // 25 s: 2.5 s < 3.2 s
  assert.equal(pingEvery(1000, 64, heartbeatInterval(1000, 1000)), 10_000) // 100 s beats
  assert.equal(pingEvery(1000, 10, heartbeatInterval(1000, 1000)), 10_000)
  assert.equal(pingEvery(1000, 300, heartbeatInterval(1000, 1000)), 15_000) // the budget can be slower still
  // pings sent per second at 1000 nodes with 64 links: 6.4 instead of PINGS_PER_SECOND
  assert.equal(64 * 1000 / pingEvery(1000, 64, heartbeatInterval(1000, 1000)), 6.4)
  assert.equal(PINGS_PER_SECOND, 20)
  // two misses (+ a 4 s ping timeout) still find a frozen linked peer long before its heartbeat timeout
  for (const n of [100, 200, 500, 1000, 3000]) {
    const interval = heartbeatInterval(1000, n)
    assert.ok(2 * pingEvery(1000, 64, interval) + 4000 < 3 * interval / 5 || interval <= 4000, `n=${n}`)
  }
})

test('periodic full records: every 40 beats up to the knee, rarer past it', () => {
  assert.equal(FULL_EVERY, 40)
  assert.deepEqual([1, 10, 100].map(n => fullEvery(1000, heartbeatInterval(1000, n))), [40, 40, 40])
  assert.deepEqual([150, 200, 500, 1000].map(n => fullEvery(1000, heartbeatInterval(1000, n))), [80, 80, 200, 400])
  assert.equal(fullEvery(300, heartbeatInterval(300, 1000)), 400) // by the stretch, whatever the base
  // seconds between one member's periodic full records: 40 s, ~5 min, ~83 min, ~11 h
  assert.deepEqual([100, 200, 500, 1000].map(n => fullEvery(1000, heartbeatInterval(1000, n)) * heartbeatInterval(1000, n) / 1000), [40, 320, 5000, 40_000])
})

test('heartbeats carry the sender interval; a bad one is malformed', () => {
  const hb: Heartbeat = { peerId: 'P', name: 'p', addrs: [], httpAddr: '', state: 'participant', seq: 5, version: '', components: {}, intervalMs: 25_000 }
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(hb)), { ok: true, hb })
  const { intervalMs: _, ...old } = hb
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(old)), { ok: true, hb: old })
  const raw = JSON.parse(new TextDecoder().decode(encodeHeartbeat(hb)))
  for (const i of [0, -5, 1.5, '1000']) {
    assert.deepEqual(decodeHeartbeat(new TextEncoder().encode(JSON.stringify({ ...raw, i }))), { ok: false, reason: 'malformed' }, String(i))
  }
})

test('membership times each peer out after missedHeartbeats of its own interval', () => {
  const now = { t: 0 }
  const self: PeerInfo = { peerId: 'SELF', name: '', addrs: [], httpAddr: '', state: 'participant', lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: true }
  const m = new Membership({ self, timeoutMs: 3000, missedHeartbeats: 3, quarantineMs: 1000, now: () => now.t, onEvent: () => {} })
  const beat = (peerId: string, seq: number, intervalMs?: number): void =>
    m.apply({ peerId, name: '', addrs: [], httpAddr: '', state: 'participant', seq, version: '', components: {}, ...(intervalMs !== undefined ? { intervalMs } : {}) })
  beat('OLD', 1) // no interval: our default 3 × 1000
  beat('BIG', 1, 20_000) // a node in a large fleet: 3 × 20 s
  beat('FAST', 1, 100) // shorter than ours: never dropped faster than our own timeout
  assert.deepEqual(['OLD', 'BIG', 'FAST'].map(id => [m.intervalOf(id), m.timeoutOf(id)]), [[1000, 3000], [20_000, 60_000], [100, 3000]])
  now.t = 3001
  assert.deepEqual(m.expire().sort(), ['FAST', 'OLD'])
  now.t = 59_999
  assert.deepEqual(m.expire(), [])
  // the interval follows the latest heartbeat
  beat('BIG', 2, 2000)
  assert.equal(m.timeoutOf('BIG'), 6000)
  now.t += 6001
  assert.deepEqual(m.expire(), ['BIG'])
})
