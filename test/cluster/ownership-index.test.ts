// The incremental ownership index against the full recompute (Rendezvous.lookupMany) over random
// join/leave/target sequences: identical owners after every step, and a change touches only the
// targets it moves.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rendezvous, peerHash } from '../../src/cluster/hrw.js'
import { OwnershipIndex } from '../../src/cluster/ownership-index.js'
import type { PeerInfo } from '../../src/cluster/types.js'
import { mulberry32 } from '../helpers/random.js'

const info = (peerId: string): PeerInfo => ({
  peerId, name: peerId, addrs: [], httpAddr: '', state: 'participant',
  lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: false,
})

/** Owners per target (peer ids, best first) by the full recompute. */
function full (members: string[], keys: Uint32Array, rf: number): string[][] {
  const table = new Rendezvous(members.map(info)).lookupMany(keys, rf)
  const out: string[][] = []
  for (let t = 0; t < keys.length >>> 1; t++) {
    const o: string[] = []
    for (let j = t * table.rf; j < t * table.rf + table.rf; j++) if (table.owners[j] >= 0) o.push(table.peers[table.owners[j]].peerId)
    out.push(o)
  }
  return out
}

function incremental (idx: OwnershipIndex): string[][] {
  return Array.from({ length: idx.size }, (_, t) => idx.ownersOf(t))
}

function randomKeys (random: () => number, n: number): Uint32Array {
  return Uint32Array.from({ length: 2 * n }, () => Math.floor(random() * 2 ** 32))
}

const diff = (a: string[][], b: string[][]): number[] => a.flatMap((o, t) => o.join() === b[t].join() ? [] : [t])

// Two ids with equal peerHash: every target scores them the same, so only the peerId tie-break orders them.
const TIE_A = '12D3KooWtie13778'
const TIE_B = '12D3KooWtie75716'

test('equal scores go to the lower peerId, whichever joined first', () => {
  assert.equal(peerHash(TIE_A), peerHash(TIE_B), 'test input: the pair ties')
  const keys = randomKeys(mulberry32(3), 400)
  for (const rf of [1, 2]) {
    for (const order of [[TIE_A, TIE_B], [TIE_B, TIE_A]]) {
      const idx = new OwnershipIndex({ rf })
      idx.setTargets(keys)
      const members = ['12D3KooWother1', '12D3KooWother2']
      idx.setMembers(members)
      for (const id of order) { idx.join(id); members.push(id) }
      const want = full(members, keys, rf)
      assert.ok(want.some(o => o[0] === TIE_A), 'the pair owns targets')
      assert.deepEqual(incremental(idx), want, `rf ${rf}, ${order.join(' then ')}`)
      idx.leave('12D3KooWother1')
      assert.deepEqual(incremental(idx), full(members.slice(1), keys, rf), `rf ${rf}: recompute after a leave`)
    }
  }
})

for (const rf of [1, 2, 3]) {
  test(`rf=${rf}: random joins and leaves give the full recompute's owners, moving only what changes`, () => {
    const random = mulberry32(1000 + rf)
    const pool = [...Array.from({ length: 60 }, (_, i) => `12D3KooWpeer${i}x${Math.floor(random() * 1e6)}`), TIE_A, TIE_B]
    const keys = randomKeys(random, 1500)
    const idx = new OwnershipIndex({ rf })
    idx.setTargets(keys)
    assert.deepEqual(incremental(idx), keys.length > 0 ? full([], keys, rf) : [])
    let members: string[] = []
    let before = full(members, keys, rf)
    let joins = 0
    let leaves = 0
    for (let step = 0; step < 150; step++) {
      const leave = members.length > 0 && (members.length >= pool.length || random() < 0.45)
      let change
      if (leave) {
        const id = members[Math.floor(random() * members.length)]
        members = members.filter(m => m !== id)
        change = idx.leave(id)
        leaves++
      } else {
        const candidates = pool.filter(p => !members.includes(p))
        const id = candidates[Math.floor(random() * candidates.length)]
        members.push(id)
        change = idx.join(id)
        joins++
      }
      const after = full(members, keys, rf)
      assert.deepEqual(incremental(idx), after, `step ${step} (${leave ? 'leave' : 'join'}, ${members.length} members)`)
      assert.deepEqual(change.moved, diff(before, after), `step ${step}: moved = exactly the targets whose owners changed`)
      assert.ok(change.recomputed <= change.moved.length, `step ${step}: recomputed ${change.recomputed} > moved ${change.moved.length}`)
      if (!leave) assert.equal(change.recomputed, 0, 'a join recomputes nothing')
      before = after
    }
    assert.ok(joins > 30 && leaves > 30, `${joins} joins, ${leaves} leaves`)
  })
}

test('setMembers applies a whole new candidate set incrementally; re-joins and unknown leaves are no-ops', () => {
  const random = mulberry32(77)
  const pool = Array.from({ length: 30 }, (_, i) => `12D3KooWset${i}`)
  const keys = randomKeys(random, 800)
  const idx = new OwnershipIndex({ rf: 2 })
  idx.setTargets(keys)
  let prev = full([], keys, 2)
  for (let round = 0; round < 20; round++) {
    const members = pool.filter(() => random() < 0.5)
    const c = idx.setMembers(members)
    const now = full(members, keys, 2)
    assert.deepEqual(incremental(idx), now, `round ${round}`)
    assert.deepEqual(c.moved, diff(prev, now), `round ${round}: moved`)
    assert.deepEqual(idx.members().sort(), [...members].sort())
    prev = now
  }
  const members = idx.members()
  assert.deepEqual(idx.join(members[0]), { moved: [], recomputed: 0 })
  assert.deepEqual(idx.leave('12D3KooWnever'), { moved: [], recomputed: 0 })
})

test('targets added and removed between membership changes keep matching the full recompute', () => {
  const random = mulberry32(5)
  const pool = Array.from({ length: 25 }, (_, i) => `12D3KooWtgt${i}`)
  const idx = new OwnershipIndex({ rf: 2 })
  const keys: number[] = []
  const members = new Set<string>()
  for (let step = 0; step < 300; step++) {
    const r = random()
    if (r < 0.4) {
      const hi = Math.floor(random() * 2 ** 32)
      const lo = Math.floor(random() * 2 ** 32)
      assert.equal(idx.addTarget({ hi, lo }), keys.length >>> 1)
      keys.push(hi, lo)
    } else if (r < 0.6 && keys.length > 0) {
      const i = Math.floor(random() * (keys.length >>> 1))
      const from = idx.removeTarget(i)
      const last = (keys.length >>> 1) - 1
      assert.equal(from, i === last ? -1 : last)
      keys[2 * i] = keys[2 * last]
      keys[2 * i + 1] = keys[2 * last + 1]
      keys.length -= 2
    } else {
      const id = pool[Math.floor(random() * pool.length)]
      if (members.delete(id)) idx.leave(id)
      else { members.add(id); idx.join(id) }
    }
    assert.deepEqual(incremental(idx), full([...members], Uint32Array.from(keys), 2), `step ${step}`)
  }
  assert.throws(() => idx.ownersOf(idx.size), /no target/)
})

test('isOwner agrees with ownersOf', () => {
  const random = mulberry32(9)
  const keys = randomKeys(random, 300)
  const idx = new OwnershipIndex({ rf: 3 })
  idx.setTargets(keys)
  const ids = Array.from({ length: 8 }, (_, i) => `12D3KooWown${i}`)
  idx.setMembers(ids)
  for (let t = 0; t < idx.size; t++) {
    const o = idx.ownersOf(t)
    assert.equal(o.length, 3)
    for (const id of ids) assert.equal(idx.isOwner(t, id), o.includes(id))
  }
  assert.equal(idx.isOwner(0, '12D3KooWnever'), false)
})
