// Self time per function of a V8 .cpuprofile (from `node --cpu-prof`), optionally only the
// samples between two offsets (seconds from the start of profiling), e.g. a harness window:
//   node scripts/prof-top.mjs CPU.*.cpuprofile [FROM_S] [TO_S]
import { readFileSync } from 'node:fs'
const [file, fromS = '0', toS = '1e9'] = process.argv.slice(2)
const p = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(p.nodes.map(n => [n.id, n]))
const self = new Map(); let t = 0, tot = 0
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i]
  const s = t / 1e6
  if (s < +fromS || s > +toS) continue
  const n = byId.get(p.samples[i]); const cf = n.callFrame
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`
  const d = p.timeDeltas[i + 1] ?? 0
  self.set(key, (self.get(key) ?? 0) + d); tot += d
}
console.log('total ms', (tot / 1000).toFixed(0))
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((100 * v / tot).toFixed(1).padStart(5) + '%', (v / 1000).toFixed(0).padStart(6), k)
