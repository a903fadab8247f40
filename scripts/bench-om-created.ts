// OpenMetrics created timestamps: ns per sample of parsing an OpenMetrics body (next, series,
// value) with and without createdTimestamp() on each sample; NOCT=1 takes the _created lines out.
// Usage: node --import tsx scripts/bench-om-created.ts (tsx adds getter calls per import: compare
// runs, or import dist/ after npm run build for absolute figures)
import { Entry, parserFor } from '../src/exposition/parser.js'
const OM = 'application/openmetrics-text; version=1.0.0'
let b = '# TYPE c counter\n'
for (let i = 0; i < 2000; i++) b += `c_total{i="${i}",job="x"} ${i}\nc_created{i="${i}",job="x"} 1765000000.5\n`
b += '# TYPE h histogram\n'
for (let i = 0; i < 200; i++) {
  for (const le of ['0.1', '0.5', '1', '5', '+Inf']) b += `h_bucket{i="${i}",le="${le}"} 1\n`
  b += `h_count{i="${i}"} 1\nh_sum{i="${i}"} 1\nh_created{i="${i}"} 1765000000\n`
}
b += '# TYPE n counter\n'
for (let i = 0; i < 2000; i++) b += `n_total{i="${i}"} ${i}\n`
b += '# EOF\n'
if (process.env.NOCT === '1') b = b.split('\n').filter(l => !l.includes('_created')).join('\n')
const buf = Buffer.from(b)
let sink = 0 // keeps the values read from being optimised away
function run (ct: boolean): number {
  const p = parserFor(OM, buf)
  let n = 0
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
    if (k !== Entry.Series) continue
    n++
    sink += p.series().length + p.value()
    if (ct) sink += p.createdTimestamp?.() ?? 0
  }
  return n
}
for (const round of [1, 2, 3]) {
  for (const ct of [false, true]) {
    for (let i = 0; i < 20; i++) run(ct)
    const t0 = process.cpuUsage(); let n = 0; let runs = 0
    while (process.cpuUsage(t0).user < 1_000_000) { n = run(ct); runs++ }
    const us = process.cpuUsage(t0).user
    console.log(`round ${round} ${ct ? 'with createdTimestamp()' : 'without                '} ${(us * 1000 / runs / n).toFixed(1)} ns/sample (${n} samples)`)
  }
}
if (sink === -1) console.log(sink)
