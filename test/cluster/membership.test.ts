import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeHeartbeat, encodeHeartbeat, MAX_HEARTBEAT_BYTES } from '../../src/cluster/heartbeat.js'
import type { Heartbeat } from '../../src/cluster/heartbeat.js'
import { Membership } from '../../src/cluster/membership.js'
import type { MembershipEvent } from '../../src/cluster/membership.js'
import { generateFleetKey, loadOrCreatePeerKey, peerKeyPath, readFleetKey } from '../../src/cluster/keys.js'
import { toMultiaddrString } from '../../src/cluster/options.js'
import type { PeerInfo } from '../../src/cluster/types.js'

const hb = (peerId: string, seq: number, state: Heartbeat['state'] = 'participant'): Heartbeat =>
  ({ peerId, name: peerId.toLowerCase(), addrs: ['/ip4/127.0.0.1/tcp/1'], httpAddr: '127.0.0.1:12345', state, seq, version: 'v1', components: { 'a.b': 'h' } })

test('heartbeat round-trips and bad bytes are rejected with a reason', () => {
  const h = hb('P1', 1700000000123, 'viewer')
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(h)), { ok: true, hb: h })
  const enc = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x))
  const cases: Array<[string, Uint8Array, string]> = [
    ['garbage', new Uint8Array([0xff, 0xfe, 0x00, 0x13]), 'malformed'],
    ['not json', new TextEncoder().encode('{"v":1,'), 'malformed'],
    ['null', enc(null), 'malformed'],
    ['wrong version', enc({ ...JSON.parse(new TextDecoder().decode(encodeHeartbeat(h))), v: 2 }), 'malformed'],
    ['bad state', enc({ v: 1, id: 'P', n: '', a: [], h: '', s: 'x', q: 1, ver: '', c: {} }), 'malformed'],
    ['negative seq', enc({ v: 1, id: 'P', n: '', a: [], h: '', s: 'p', q: -1, ver: '', c: {} }), 'malformed'],
    ['non-string hash', enc({ v: 1, id: 'P', n: '', a: [], h: '', s: 'p', q: 1, ver: '', c: { x: 1 } }), 'malformed'],
    ['too large', new Uint8Array(MAX_HEARTBEAT_BYTES + 1), 'too_large'],
  ]
  for (const [name, bytes, reason] of cases) assert.deepEqual(decodeHeartbeat(bytes), { ok: false, reason }, name)
})

function table (now: { t: number }): { m: Membership, events: MembershipEvent[] } {
  const events: MembershipEvent[] = []
  const self: PeerInfo = { peerId: 'SELF', name: 'self', addrs: [], httpAddr: '', state: 'viewer', lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: true }
  const m = new Membership({ self, timeoutMs: 3000, quarantineMs: 1000, now: () => now.t, onEvent: e => events.push(e) })
  return { m, events }
}

test('membership: sender check, seq ordering, expiry, terminating, quarantine', () => {
  const now = { t: 10_000 }
  const { m, events } = table(now)
  assert.equal(m.check(hb('P1', 5), 'P2'), 'wrong_sender')
  assert.equal(m.check(hb('SELF', 5), 'SELF'), 'self')
  assert.equal(m.check(hb('P1', 5), 'P1'), undefined)
  m.apply(hb('P1', 5))
  assert.equal(m.check(hb('P1', 5), 'P1'), 'stale_seq')
  assert.equal(m.check(hb('P1', 4), 'P1'), 'stale_seq')
  assert.deepEqual(events.map(e => [e.kind, e.peerId, e.membershipChange]), [['join', 'P1', true]])
  m.apply(hb('P1', 6)) // identical content: no event
  m.apply({ ...hb('P1', 7), state: 'viewer' })
  assert.deepEqual(events.slice(1).map(e => [e.kind, e.membershipChange]), [['update', true]])
  now.t += 2999
  assert.deepEqual(m.expire(), [])
  now.t += 2
  assert.deepEqual(m.expire(), ['P1'])
  assert.equal(m.size, 1)
  // an old heartbeat replayed after the drop cannot revive it
  assert.equal(m.check(hb('P1', 7), 'P1'), 'stale_seq')
  m.apply(hb('P2', 1))
  m.apply(hb('P2', 2, 'terminating'))
  assert.equal(m.has('P2'), false)
  assert.equal(events.at(-1)?.reason, 'terminating')
  m.apply(hb('P3', 1))
  assert.equal(m.dropUnreachable('P3'), true)
  assert.equal(m.check(hb('P3', 2), 'P3'), 'quarantined')
  now.t += 1000
  assert.equal(m.check(hb('P3', 2), 'P3'), undefined)
  assert.deepEqual(m.peers().map(p => p.peerId), ['SELF'])
})

test('fleet key: pnet swarm format, readable, rejects other files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-cluster-'))
  try {
    const key = generateFleetKey()
    assert.match(key, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/)
    assert.notEqual(generateFleetKey(), key)
    await writeFile(join(dir, 'fleet.key'), key)
    assert.equal(new TextDecoder().decode(await readFleetKey(join(dir, 'fleet.key'))), key.trimEnd())
    await writeFile(join(dir, 'bad.key'), 'hello\n')
    await assert.rejects(readFleetKey(join(dir, 'bad.key')), /not a swarm key/)
  } finally { await rm(dir, { recursive: true }) }
})

test('peer key persists under <storage>/cluster/peer.key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-cluster-'))
  try {
    const a = peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString()
    const b = peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString()
    assert.equal(a, b)
    assert.ok((await readFile(peerKeyPath(dir))).length > 32)
    const eph = peerIdFromPrivateKey(await loadOrCreatePeerKey()).toString()
    assert.notEqual(eph, a)
  } finally { await rm(dir, { recursive: true }) }
})

test('join addresses: multiaddr or host:port', () => {
  assert.equal(toMultiaddrString('/ip4/10.0.0.1/tcp/4/p2p/12D3KooW'), '/ip4/10.0.0.1/tcp/4/p2p/12D3KooW')
  assert.equal(toMultiaddrString('10.0.0.1:7000'), '/ip4/10.0.0.1/tcp/7000')
  assert.equal(toMultiaddrString('node-1.example'), '/dns/node-1.example/tcp/12346')
  assert.equal(toMultiaddrString('node-1:80'), '/dns/node-1/tcp/80')
  assert.equal(toMultiaddrString('[::1]:9'), '/ip6/::1/tcp/9')
  assert.equal(toMultiaddrString('::1'), '/ip6/::1/tcp/12346')
  assert.throws(() => toMultiaddrString('host:99999'), /bad address/)
})
