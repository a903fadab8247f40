// Ownership recomputation cost: 100k targets over 50 and 100 peers (goal: < 100 ms at 100 peers),
// and ns per target lookup.
// Run: node_modules/.bin/node --import tsx scripts/bench-hrw.ts
import { Rendezvous } from '../src/cluster/hrw.js'
import type { PeerInfo } from '../src/cluster/types.js'

const TARGETS = 100_000
const keys = new Uint32Array(TARGETS * 2)
for (let i = 0; i < keys.length; i++) keys[i] = (Math.random() * 2 ** 32) >>> 0

for (const [PEERS, rf] of [[50, 1], [100, 1], [100, 3]]) {
  const peers: PeerInfo[] = Array.from({ length: PEERS }, (_, i) => ({
    peerId: `12D3KooWpeer${i}`, name: `n${i}`, addrs: [], httpAddr: '', state: 'participant',
    lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: i === 0,
  }))
  let best = Infinity
  let owned = 0
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint()
    const table = new Rendezvous(peers).lookupMany(keys, rf)
    const ns = Number(process.hrtime.bigint() - t0)
    best = Math.min(best, ns)
    owned = 0
    for (let i = 0; i < TARGETS; i++) if (table.ownedBySelf(i)) owned++
  }
  console.log(`rf=${rf} peers=${PEERS} targets=${TARGETS}: best ${(best / 1e6).toFixed(1)} ms, ` +
    `${(best / TARGETS).toFixed(0)} ns/target; self owns ${owned}`)
}
