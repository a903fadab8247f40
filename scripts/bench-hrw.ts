// Ownership recomputation cost.
//   1. Full recompute: 100k targets over 50 and 100 peers (goal: < 100 ms at 100 peers), by
//      Rendezvous.lookupMany and by OwnershipIndex.setTargets.
//   2. One membership change at 10,000 members with 100k targets (goal: work ∝ targets moved):
//      the incremental index (join: one score per target, leave: recompute the leaver's targets
//      only) against a full recompute of the same change.
// Run: node_modules/.bin/node --import tsx scripts/bench-hrw.ts [--json]
import { Rendezvous } from '../src/cluster/hrw.js'
import { OwnershipIndex } from '../src/cluster/ownership-index.js'
import type { PeerInfo } from '../src/cluster/types.js'
import { mulberry32 } from '../test/helpers/random.js'

const TARGETS = 100_000
const BIG = 10_000
const CHANGES = 20
const random = mulberry32(42)
const keys = new Uint32Array(TARGETS * 2)
for (let i = 0; i < keys.length; i++) keys[i] = Math.floor(random() * 2 ** 32)

const id = (i: number): string => `12D3KooWpeer${i}`
const info = (i: number): PeerInfo => ({
  peerId: id(i), name: `n${i}`, addrs: [], httpAddr: '', state: 'participant',
  lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: i === 0,
})
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6
const r1 = (x: number): number => Math.round(x * 10) / 10
const r3 = (x: number): number => Math.round(x * 1000) / 1000

const out: Record<string, unknown> = {}

for (const [PEERS, rf] of [[50, 1], [100, 1], [100, 3]]) {
  const peers = Array.from({ length: PEERS }, (_, i) => info(i))
  let bestTable = Infinity
  let bestIndex = Infinity
  for (let run = 0; run < 5; run++) {
    let t0 = process.hrtime.bigint()
    new Rendezvous(peers).lookupMany(keys, rf)
    bestTable = Math.min(bestTable, ms(t0))
    const idx = new OwnershipIndex({ rf })
    idx.setMembers(peers.map(p => p.peerId))
    t0 = process.hrtime.bigint()
    idx.setTargets(keys)
    bestIndex = Math.min(bestIndex, ms(t0))
  }
  console.log(`full, rf=${rf} peers=${PEERS} targets=${TARGETS}: lookupMany best ${bestTable.toFixed(1)} ms ` +
    `(${(bestTable * 1e6 / TARGETS).toFixed(0)} ns/target), OwnershipIndex.setTargets best ${bestIndex.toFixed(1)} ms`)
  out[`full_rf${rf}_p${PEERS}_ms`] = r1(bestTable)
  out[`index_full_rf${rf}_p${PEERS}_ms`] = r1(bestIndex)
}

for (const rf of [1, 3]) {
  const idx = new OwnershipIndex({ rf })
  let t0 = process.hrtime.bigint()
  idx.setMembers(Array.from({ length: BIG }, (_, i) => id(i)))
  idx.setTargets(keys)
  const buildMs = ms(t0)
  // the full-recompute baseline for the same size: what every change costs without the index
  t0 = process.hrtime.bigint()
  new Rendezvous(Array.from({ length: BIG }, (_, i) => info(i))).lookupMany(keys, rf)
  const fullMs = ms(t0)
  let joinMs = 0; let joinMoved = 0; let leaveMs = 0; let leaveMoved = 0; let leaveRecomputed = 0
  for (let c = 0; c < CHANGES; c++) {
    const newcomer = id(BIG + c)
    t0 = process.hrtime.bigint()
    const j = idx.join(newcomer)
    joinMs += ms(t0)
    joinMoved += j.moved.length
    const leaver = id(Math.floor(random() * BIG))
    t0 = process.hrtime.bigint()
    const l = idx.leave(leaver)
    leaveMs += ms(t0)
    leaveMoved += l.moved.length
    leaveRecomputed += l.recomputed
    idx.join(leaver) // back to 10,000 + c members
  }
  console.log(`10k members, rf=${rf}, ${TARGETS} targets: build ${buildMs.toFixed(0)} ms, full recompute ${fullMs.toFixed(0)} ms; ` +
    `per join ${(joinMs / CHANGES).toFixed(2)} ms moving ${(joinMoved / CHANGES).toFixed(1)} targets (0 recomputed), ` +
    `per leave ${(leaveMs / CHANGES).toFixed(2)} ms moving ${(leaveMoved / CHANGES).toFixed(1)}, recomputing ${(leaveRecomputed / CHANGES).toFixed(1)}`)
  out[`n10k_rf${rf}_full_ms`] = r1(fullMs)
  out[`n10k_rf${rf}_join_ms`] = r3(joinMs / CHANGES)
  out[`n10k_rf${rf}_join_moved`] = r1(joinMoved / CHANGES)
  out[`n10k_rf${rf}_leave_ms`] = r3(leaveMs / CHANGES)
  out[`n10k_rf${rf}_leave_moved`] = r1(leaveMoved / CHANGES)
  out[`n10k_rf${rf}_leave_recomputed`] = r1(leaveRecomputed / CHANGES)
}
if (process.argv.includes('--json')) console.log(JSON.stringify(out))
