// Preload that samples allocation sites, including objects already collected (node's
// --heap-prof keeps only what is still alive, which hides young-generation garbage), and
// writes the profile when the process is about to exit. Read it with scripts/alloc-top.mjs.
//   ALLOC_OUT=/tmp/a.heapprofile node --import ./scripts/alloc-prof.mjs --import tsx scripts/bench-scrape.ts 200 8
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'

const session = new Session()
session.connect()
session.post('HeapProfiler.startSampling', {
  samplingInterval: Number(process.env.ALLOC_INTERVAL ?? 32768),
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
})
process.once('beforeExit', () => {
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (err === null) writeFileSync(process.env.ALLOC_OUT ?? 'alloc.heapprofile', JSON.stringify(r.profile))
  })
})
