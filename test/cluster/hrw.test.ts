import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rendezvous, keyFromBigInt, keyFromString, fmix32, foldKey } from '../../src/cluster/hrw.js'
import { Membership } from '../../src/cluster/membership.js'
import { ClusterView } from '../../src/cluster/view.js'
import { singleNodeCluster } from '../../src/cluster/single.js'
import type { PeerInfo, TargetKey } from '../../src/cluster/types.js'

const peer = (i: number, over: Partial<PeerInfo> = {}): PeerInfo => ({
  peerId: `12D3KooWtestpeer${String(i).padStart(3, '0')}`, name: `n${i}`, addrs: [], httpAddr: '', state: 'participant',
  lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: false, ...over,
})
const TARGETS: TargetKey[] = Array.from({ length: 1000 }, (_, i) => keyFromString(`{job="node",instance="host-${i}:9100"}`))
const owner = (r: Rendezvous, k: TargetKey): string => r.lookup(k, 1)[0].peerId

test('fmix32 and foldKey are fixed functions (all nodes must agree)', () => {
  assert.equal(fmix32(0), 0)
  assert.equal(fmix32(1), 0x514e28b7)
  assert.equal(foldKey(0, 1), fmix32((1 ^ fmix32(0x9e3779b9)) >>> 0))
  assert.deepEqual(keyFromBigInt(0x0123456789abcdefn), { hi: 0x01234567, lo: 0x89abcdef })
  assert.deepEqual(keyFromBigInt(-1n), { hi: 0xffffffff, lo: 0xffffffff })
})

test('10 peers × 1000 targets: each peer owns within binomial bounds', () => {
  const r = new Rendezvous(Array.from({ length: 10 }, (_, i) => peer(i)))
  const counts = new Map<string, number>()
  for (const k of TARGETS) counts.set(owner(r, k), (counts.get(owner(r, k)) ?? 0) + 1)
  assert.equal(counts.size, 10)
  // Bin(1000, 0.1): mean 100, sd 9.5; ±4.5 sd
  for (const [id, n] of counts) assert.ok(n >= 57 && n <= 143, `${id} owns ${n}`)
})

test('a join moves ≈ 1/(N+1) of targets, all to the joiner', () => {
  const before = new Rendezvous(Array.from({ length: 10 }, (_, i) => peer(i)))
  const after = new Rendezvous(Array.from({ length: 11 }, (_, i) => peer(i)))
  let moved = 0
  for (const k of TARGETS) {
    if (owner(before, k) !== owner(after, k)) {
      moved++
      assert.equal(owner(after, k), peer(10).peerId)
    }
  }
  // Bin(1000, 1/11): mean 90.9, sd 9.1
  assert.ok(moved >= 50 && moved <= 132, `moved ${moved}`)
})

test('a leave moves exactly the leaver\'s targets', () => {
  const all = Array.from({ length: 10 }, (_, i) => peer(i))
  const before = new Rendezvous(all)
  const after = new Rendezvous(all.filter((_, i) => i !== 3))
  let leaverOwned = 0
  for (const k of TARGETS) {
    const was = owner(before, k)
    if (was === peer(3).peerId) { leaverOwned++; assert.notEqual(owner(after, k), was) } else assert.equal(owner(after, k), was)
  }
  assert.ok(leaverOwned > 0)
})

test('rf > 1: distinct owners, best first, and lookupMany agrees with lookup', () => {
  const r = new Rendezvous([peer(5), peer(1), peer(9), peer(2), peer(7)]) // unsorted input
  const keys = new Uint32Array(TARGETS.length * 2)
  TARGETS.forEach((k, i) => { keys[2 * i] = k.hi; keys[2 * i + 1] = k.lo })
  const table = r.lookupMany(keys, 3)
  assert.equal(table.rf, 3)
  assert.equal(table.owners.length, 3000)
  for (let i = 0; i < TARGETS.length; i++) {
    const one = r.lookup(TARGETS[i], 3).map(p => p.peerId)
    assert.equal(new Set(one).size, 3)
    assert.deepEqual([0, 1, 2].map(j => table.peers[table.owners[3 * i + j]].peerId), one)
    assert.deepEqual(r.lookup(TARGETS[i], 1).map(p => p.peerId), one.slice(0, 1))
  }
  // rf larger than the candidate set: every candidate, -1 padding in the table
  assert.equal(r.lookup(TARGETS[0], 9).length, 5)
  const wide = r.lookupMany(keys.subarray(0, 2), 7)
  assert.deepEqual([...wide.owners.subarray(5)], [-1, -1])
  assert.equal(new Rendezvous([]).lookup(TARGETS[0], 1).length, 0)
})

test('ownedBySelf marks exactly the targets whose owners include self', () => {
  const r = new Rendezvous([peer(0), peer(1, { isSelf: true }), peer(2)])
  const keys = new Uint32Array(200)
  for (let i = 0; i < 100; i++) { keys[2 * i] = TARGETS[i].hi; keys[2 * i + 1] = TARGETS[i].lo }
  const t = r.lookupMany(keys, 2)
  for (let i = 0; i < 100; i++) {
    assert.equal(t.ownedBySelf(i), r.lookup(TARGETS[i], 2).some(p => p.isSelf))
  }
})

function view (selfComponents: Record<string, string>): { m: Membership, v: ClusterView } {
  const m = new Membership({ self: peer(0, { isSelf: true, components: selfComponents }), timeoutMs: 1000, quarantineMs: 100, onEvent: () => {} })
  return { m, v: new ClusterView(m) }
}
const hb = (i: number, state: PeerInfo['state'], components: Record<string, string>, seq = 1) =>
  ({ peerId: peer(i).peerId, name: `n${i}`, addrs: [], httpAddr: '', state, seq, version: '', components })

test('a peer whose config hash differs is excluded from ownership and shown as mismatched', () => {
  const { m, v } = view({ 'prometheus.scrape.a': 'h1' })
  m.apply(hb(1, 'participant', { 'prometheus.scrape.a': 'h1' }))
  m.apply(hb(2, 'participant', { 'prometheus.scrape.a': 'OTHER' }))
  m.apply(hb(3, 'viewer', { 'prometheus.scrape.a': 'h1' }))
  const owners = new Set(TARGETS.map(k => v.lookup(k, 1, 'prometheus.scrape.a')[0].peerId))
  assert.deepEqual([...owners].sort(), [peer(0).peerId, peer(1).peerId])
  // a component we do not hash is not filtered, but viewers never own
  const any = new Set(TARGETS.map(k => v.lookup(k, 1, 'other')[0].peerId))
  assert.deepEqual([...any].sort(), [peer(0).peerId, peer(1).peerId, peer(2).peerId])
  assert.deepEqual(v.peers().map(p => [p.name, p.mismatched]), [['n0', []], ['n1', []], ['n2', ['prometheus.scrape.a']], ['n3', []]])
  // our hash changes: now only peer 2 agrees with us
  v.setComponentHash('prometheus.scrape.a', 'OTHER')
  const again = new Set(TARGETS.map(k => v.lookup(k, 1, 'prometheus.scrape.a')[0].peerId))
  assert.deepEqual([...again].sort(), [peer(0).peerId, peer(2).peerId])
  v.close()
})

test('singleNodeCluster owns everything', () => {
  const c = singleNodeCluster('solo')
  assert.equal(c.enabled, false)
  assert.equal(c.ready(), true)
  assert.equal(c.lookup(123n, 3, 'x')[0].name, 'solo')
  const t = c.lookupMany(new Uint32Array(10), 1, 'x')
  assert.deepEqual([0, 1, 2, 3, 4].map(i => t.ownedBySelf(i)), [true, true, true, true, true])
  c.setComponentHash('x', 'h')
  assert.deepEqual(c.self().components, { x: 'h' })
})
