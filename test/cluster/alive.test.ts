// Alive beats: small heartbeats that name the sender's record by digest; full records only on
// change, to newcomers, on request and every FULL_EVERY beats.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeAlive, decodeHeartbeat, encodeAlive, encodeHeartbeat, recordDigest, shortId } from '../../src/cluster/heartbeat.js'
import type { Heartbeat } from '../../src/cluster/heartbeat.js'
import { Membership } from '../../src/cluster/membership.js'
import type { MembershipEvent } from '../../src/cluster/membership.js'
import type { PeerInfo } from '../../src/cluster/types.js'

const record = { name: 'p', addrs: ['/ip4/127.0.0.1/tcp/1'], httpAddr: '127.0.0.1:1', state: 'participant' as const, version: 'v1', components: { 'a.b': 'h1', 'c.d': 'h2' } }
const D = recordDigest(record)
const full = (peerId: string, seq: number, over: Partial<Heartbeat> = {}): Heartbeat =>
  ({ peerId, ...record, seq, intervalMs: 1000, digest: recordDigest({ ...record, ...over }), ...over })

function table (now: { t: number }): { m: Membership, events: MembershipEvent[] } {
  const events: MembershipEvent[] = []
  const self: PeerInfo = { peerId: 'SELF', name: 'self', addrs: [], httpAddr: '', state: 'viewer', lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: true }
  const m = new Membership({ self, timeoutMs: 3000, quarantineMs: 1000, now: () => now.t, onEvent: e => events.push(e) })
  return { m, events }
}

test('record digest: stable under component order, changes with any field but seq and interval', () => {
  assert.match(D, /^[A-Za-z0-9_-]{8}$/)
  assert.equal(recordDigest({ ...record, components: { 'c.d': 'h2', 'a.b': 'h1' } }), D)
  const changed: Array<Partial<Heartbeat>> = [
    { name: 'q' }, { addrs: ['/ip4/127.0.0.1/tcp/2'] }, { httpAddr: '127.0.0.1:2' }, { state: 'viewer' as const },
    { version: 'v2' }, { components: { 'a.b': 'h1', 'c.d': 'h3' } }, { components: { 'a.b': 'h1' } },
  ]
  for (const c of changed) assert.notEqual(recordDigest({ ...record, ...c }), D, JSON.stringify(c))
})

test('alive beats round-trip, are small, and bad ones are malformed', () => {
  const bytes = encodeAlive({ seq: 1764164000123, intervalMs: 100_000, digest: D })
  assert.equal(bytes.length, 19)
  assert.deepEqual(decodeAlive(bytes, 'P'), { ok: true, alive: { peerId: 'P', seq: 1764164000123, intervalMs: 100_000, digest: D } })
  const withWant = encodeAlive({ seq: 5, intervalMs: 1000, digest: D, want: ['abcdef', 'Kx9zQ1'] })
  assert.equal(withWant.length, 31)
  assert.deepEqual(decodeAlive(withWant, 'P'), { ok: true, alive: { peerId: 'P', seq: 5, intervalMs: 1000, digest: D, want: ['abcdef', 'Kx9zQ1'] } })
  const bad = (f: (b: Uint8Array) => Uint8Array): Uint8Array => f(Uint8Array.from(bytes))
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'malformed'],
    ['short', bytes.subarray(0, 18), 'malformed'],
    ['version', bad(b => { b[0] = 2; return b }), 'malformed'],
    ['zero interval', bad(b => { b.fill(0, 9, 13); return b }), 'malformed'],
    ['seq beyond 2^53', bad(b => { b.fill(0xff, 1, 9); return b }), 'malformed'],
    ['ragged want', Uint8Array.from([...bytes, 0x41, 0x42]), 'malformed'],
    ['too many wants', Uint8Array.from([...bytes, ...new Uint8Array(17 * 6).fill(0x41)]), 'too_large'],
    ['json', new TextEncoder().encode(JSON.stringify({ q: 1, i: 1000, d: D })), 'malformed'],
  ]
  for (const [name, b, reason] of cases) assert.deepEqual(decodeAlive(b, 'P'), { ok: false, reason }, name)
  // full beats carry digest and want; a digest of another form counts as none (an older/newer node)
  const f = full('P', 7, { want: ['abcdef'] })
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(f)), { ok: true, hb: f })
  const { digest: _, ...noDigest } = f
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat({ ...f, digest: 'a-much-longer-digest' })), { ok: true, hb: noDigest })
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat({ ...f, want: Array(17).fill('abcdef') })), { ok: false, reason: 'malformed' })
  assert.ok(encodeHeartbeat(f).length > 7 * bytes.length, String(encodeHeartbeat(f).length))
})

test('an alive beat with the digest we hold keeps the peer alive like a full one', () => {
  const now = { t: 10_000 }
  const { m, events } = table(now)
  m.apply(full('P1', 1))
  for (let i = 2; i <= 6; i++) {
    now.t += 2000 // each gap < timeout 3000, total 10 s > timeout
    const a = { peerId: 'P1', seq: i, intervalMs: 1000, digest: D }
    assert.equal(m.checkAlive(a), undefined)
    assert.equal(m.applyAlive(a), 'current')
    assert.deepEqual(m.expire(), [])
  }
  assert.equal(m.get('P1')?.lastHeartbeat, now.t)
  assert.equal(m.get('P1')?.name, 'p')
  assert.deepEqual(m.wanted(), [])
  assert.equal(m.checkAlive({ peerId: 'P1', seq: 6, intervalMs: 1000, digest: D }), 'stale_seq')
  assert.equal(m.checkAlive({ peerId: 'SELF', seq: 9, intervalMs: 1000, digest: D }), 'self')
  assert.deepEqual(events.map(e => e.kind), ['join'])
  now.t += 3001
  assert.deepEqual(m.expire(), ['P1'])
})

test('an alive beat naming another record: outdated, wanted, until the full one comes (even late)', () => {
  const now = { t: 0 }
  const { m, events } = table(now)
  m.apply(full('P1', 1))
  const changed = { state: 'viewer' as const }
  const newDigest = recordDigest({ ...record, ...changed })
  // the full beat with the change (seq 2) is overtaken by the alive beat after it (seq 3)
  assert.equal(m.applyAlive({ peerId: 'P1', seq: 3, intervalMs: 1000, digest: newDigest }), 'outdated')
  assert.deepEqual(m.wanted(), ['P1'])
  assert.equal(m.get('P1')?.state, 'participant')
  const late = full('P1', 2, changed)
  assert.equal(m.check(late, 'P1'), undefined)
  m.apply(late)
  assert.equal(m.get('P1')?.state, 'viewer')
  assert.deepEqual(m.wanted(), [])
  assert.deepEqual(events.map(e => [e.kind, e.membershipChange]), [['join', true], ['update', true]])
  // replays of that full beat or older ones are stale
  assert.equal(m.check(late, 'P1'), 'stale_seq')
  assert.equal(m.check(full('P1', 1), 'P1'), 'stale_seq')
  // a full beat older than the alive ones, but not the record they announce, is stale too
  assert.equal(m.check(full('P1', 2, { name: 'other' }), 'P1'), 'stale_seq')
})

test('an alive beat from a peer we hold no record of: heard of, wanted, not a member; expires', () => {
  const now = { t: 0 }
  const { m, events } = table(now)
  const seen = (): string[][] => events.map(e => [e.kind, e.peerId])
  assert.equal(m.applyAlive({ peerId: 'LATE', seq: 5, intervalMs: 1000, digest: D }), 'unknown')
  assert.equal(m.has('LATE'), false)
  assert.deepEqual(m.wanted(), ['LATE'])
  assert.deepEqual(seen(), [])
  // its full record, sent before that alive beat, still counts once it arrives (liveness: the alive beat's)
  now.t = 500
  assert.equal(m.check(full('LATE', 4), 'LATE'), undefined)
  m.apply(full('LATE', 4))
  assert.equal(m.get('LATE')?.name, 'p')
  assert.equal(m.get('LATE')?.lastHeartbeat, 0)
  assert.deepEqual(m.wanted(), [])
  // another unknown peer that goes silent is forgotten after its timeout, with no events
  m.applyAlive({ peerId: 'GONE', seq: 1, intervalMs: 1000, digest: D }) // at 500
  now.t = 3501
  assert.deepEqual(m.expire(), ['LATE'])
  assert.deepEqual(m.wanted(), [])
  assert.deepEqual(seen(), [['join', 'LATE'], ['leave', 'LATE']])
  // a dropped peer's old full beat cannot revive it
  assert.equal(m.check(full('LATE', 4), 'LATE'), 'stale_seq')
})

test('older nodes (full beats without a digest) are detected; shortId is the id tail', () => {
  const now = { t: 0 }
  const { m } = table(now)
  m.apply(full('NEW', 1))
  assert.equal(m.hasLegacy(), false)
  const { digest: _, ...old } = full('OLD', 1)
  m.apply(old)
  assert.equal(m.hasLegacy(), true)
  m.apply({ ...old, seq: 2, state: 'terminating' })
  assert.equal(m.hasLegacy(), false)
  assert.equal(shortId('12D3KooWAbCdEfGhIjK'), 'fGhIjK')
})
