// Parser cost per sample on the fixture bodies. Run: node --import tsx scripts/bench-parser.ts [body.prom ...]
// Prints, per body: decoding the bytes to a string (utf8 and latin1), the hot path (next +
// series + value + timestamp + a Map lookup by series text, i.e. a warm series cache), and the
// cold path (labels() decoding for every sample, i.e. a cache miss on every series).
// Then the whole scrape-loop pipeline from the body Buffer on a warm cache (order hints for the
// text format): decodeBody() to one string and parse it, against parsing the Buffer in chunks;
// CHUNKS=16384,32768 adds rows for other chunk sizes. Extra text bodies come from the command
// line; by default the ~180 KB generated body of scripts/bench-scrape.ts if it exists.

import { existsSync, readFileSync } from 'node:fs'
import { Entry, parserFor } from '../src/exposition/parser.js'
import type { ParserOptions } from '../src/exposition/parser.js'
import { DEFAULT_CHUNK_BYTES } from '../src/exposition/chunks.js'
import type { Label } from '../src/storage/series.js'

const dir = new URL('../test/fixtures/exposition/', import.meta.url).pathname
const TEXT = 'text/plain; version=0.0.4'
const bodies: Array<[string, string]> = [
  [dir + 'node_exporter.prom.txt', TEXT],
  [dir + 'prometheus-server.prom.txt', TEXT],
  [dir + 'alltypes.om.txt', 'application/openmetrics-text; version=1.0.0']
]
const GENERATED = '/tmp/bench-cache/bodies-n200-s1000-v3-i5/t0.v0.prom'
const extra = process.argv.slice(2)
for (const f of extra.length > 0 ? extra : existsSync(GENERATED) ? [GENERATED] : []) bodies.push([f, TEXT])
// The whole-body decode the scraper did before it parsed the Buffer in chunks.
const decodeBody = (b: Buffer): string => b.toString('utf8')
const chunkSizes = [DEFAULT_CHUNK_BYTES, ...(process.env.CHUNKS ?? '').split(',').filter(x => x !== '').map(Number)]

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

for (const [path, ct] of bodies) {
  const file = path.slice(path.lastIndexOf('/') + 1)
  const bytes = readFileSync(path)
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

  // The pipeline as the scrape loop runs it, from the Buffer the scraper returns.
  const pipeline = (input: () => string | Buffer, options: ParserOptions): number => {
    const p = parserFor(ct, input(), options)
    let n = 0
    let sum = 0
    if (p.hint !== undefined) p.hint(order[0])
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series) continue
      sum += (p.hinted?.() === true ? n : (cache.get(p.series()) ?? 0)) + p.value() + (p.timestamp() ?? 0)
      n++
      if (p.hint !== undefined && n < order.length) p.hint(order[n])
    }
    return sum === -1 ? 0 : n
  }
  const variants: Array<[string, () => number]> = [
    ['one string', () => pipeline(() => decodeBody(bytes), {})],
    ...chunkSizes.map((c): [string, () => number] => [`Buffer, ${c >> 10} KiB chunks`, () => pipeline(() => bytes, { chunkSize: c })])
  ]
  // Alternating rounds, best of three: the variants differ by a few percent.
  const best = variants.map(() => Infinity)
  for (let round = 0; round < 3; round++) {
    variants.forEach(([, fn], v) => {
      const r = timeIt(700, fn)
      if (r.result !== samples) throw new Error(`${variants[v][0]}: ${r.result} samples, expected ${samples}`)
      best[v] = Math.min(best[v], r.nsPerRun)
    })
  }
  for (let v = 0; v < variants.length; v++) {
    const delta = v === 0 ? '' : `  (${((best[v] / best[0] - 1) * 100).toFixed(1)} %)`
    console.log(`  pipeline decode + parse (warm, ${hinted.result > 0 ? 'hints' : 'Map'}), ${variants[v][0].padEnd(22)} ${per(best[v])} ns/sample${delta}`)
  }
}
