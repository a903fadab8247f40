// Parser cost per sample on the fixture bodies. Run: node --import tsx scripts/bench-parser.ts
// Prints, per body: decoding the bytes to a string (utf8 and latin1), the hot path (next +
// series + value + timestamp + a Map lookup by series text, i.e. a warm series cache), and the
// cold path (labels() decoding for every sample, i.e. a cache miss on every series).

import { readFileSync } from 'node:fs'
import { Entry, parserFor } from '../src/exposition/parser.js'
import type { Label } from '../src/storage/series.js'

const dir = new URL('../../shared/fixtures/exposition/', import.meta.url).pathname
const bodies: Array<[string, string]> = [
  ['node_exporter.prom.txt', 'text/plain; version=0.0.4'],
  ['prometheus-server.prom.txt', 'text/plain; version=0.0.4'],
  ['alltypes.om.txt', 'application/openmetrics-text; version=1.0.0']
]

function timeIt (budgetMs: number, fn: () => number): { nsPerRun: number, result: number } {
  for (let i = 0; i < 20; i++) fn() // warm up
  // CPU time, not wall time: the figures should not depend on what else the machine runs.
  let runs = 0
  let result = 0
  const t0 = process.cpuUsage()
  let elapsedUs = 0
  while (elapsedUs < budgetMs * 1000) {
    result = fn()
    runs++
    const d = process.cpuUsage(t0)
    elapsedUs = d.user + d.system
  }
  return { nsPerRun: elapsedUs * 1000 / runs, result }
}

for (const [file, ct] of bodies) {
  const bytes = readFileSync(dir + file)
  const body = bytes.toString('utf8')
  const cache = new Map<string, number>()
  {
    const p = parserFor(ct, body)
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) if (k === Entry.Series) cache.set(p.series(), cache.size)
  }
  const hot = timeIt(1500, () => {
    const p = parserFor(ct, body)
    let n = 0
    let sum = 0
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series) continue
      n++
      sum += (cache.get(p.series()) ?? 0) + p.value() + (p.timestamp() ?? 0)
    }
    return sum === -1 ? 0 : n
  })
  const samples = hot.result
  const cold = timeIt(1000, () => {
    const p = parserFor(ct, body)
    const out: Label[] = []
    let n = 0
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series) continue
      out.length = 0
      p.labels(out)
      n += out.length
    }
    return n
  })
  // The scrape loop's real warm path for the text format: the series cache's order of the
  // last scrape hints each line, so a hit costs one string comparison instead of a label-block
  // scan plus hashing the key for a Map lookup.
  const order = [...cache.keys()]
  const hinted = timeIt(1500, () => {
    const p = parserFor(ct, body)
    if (p.hint === undefined) return 0
    let n = 0
    let sum = 0
    p.hint(order[0])
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series) continue
      sum += (p.hinted!() ? n : (cache.get(p.series()) ?? 0)) + p.value() + (p.timestamp() ?? 0)
      n++
      if (n < order.length) p.hint(order[n])
    }
    return sum === -1 ? 0 : n
  })
  const utf8 = timeIt(500, () => bytes.toString('utf8').length)
  const latin1 = timeIt(500, () => bytes.toString('latin1').length)
  const per = (ns: number): string => (ns / samples).toFixed(1).padStart(7)
  console.log(`${file.padEnd(28)} ${String(samples).padStart(5)} samples, ${(bytes.length / 1024).toFixed(0)} KiB`)
  console.log(`  decode utf8 ${per(utf8.nsPerRun)} ns/sample   latin1 ${per(latin1.nsPerRun)} ns/sample`)
  console.log(`  parse (warm cache) ${per(hot.nsPerRun)} ns/sample   parse + labels() (cold) ${per(cold.nsPerRun)} ns/sample`)
  if (hinted.result > 0) console.log(`  parse (warm cache, order hints) ${per(hinted.nsPerRun)} ns/sample`)
}
