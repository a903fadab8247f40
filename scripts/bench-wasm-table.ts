// Issue 18 spike: today's scrape path (text parser on the body Buffer, SeriesCache with order
// hints, labels() and addSeries() on a miss) against the WebAssembly series table
// (assembly/series-table.ts: body copied into its memory, scanned, hashed, looked up there), on
// bench-scrape's generated bodies. Prints warm ns/sample (scrapes after the first, values
// changing between the three variants) and memory per cached series.
//
//   node scripts/build-wasm.mjs && node --expose-gc --import tsx scripts/bench-wasm-table.ts [TARGETS] [ROUNDS] [BODY_DIR]
//
// BODY_DIR as for scripts/bench-scrape.ts (default /tmp/bench-cache/bodies-n200-s1000-v3-i5).

import { readFileSync } from 'node:fs'
import { Entry, parserFor } from '../src/exposition/parser.js'
import { SeriesCache, type CacheEntry } from '../src/scrape/cache.js'
import type { Label } from '../src/storage/series.js'
import { WasmSeriesTable } from '../src/wasm/series-table.js'

const targets = Number(process.argv[2] ?? 200)
const rounds = Number(process.argv[3] ?? 6)
const dir = process.argv[4] ?? '/tmp/bench-cache/bodies-n200-s1000-v3-i5'
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc: memory per series is measured after a collection')
const TEXT = 'text/plain; version=0.0.4'
const wasmBytes = readFileSync(new URL('../.tmp/wasm/series-table.wasm', import.meta.url))

const bodies: Buffer[][] = []
for (let t = 0; t < targets; t++) {
  const v: Buffer[] = []
  for (let k = 0; k < 3; k++) v.push(readFileSync(`${dir}/t${t % 200}.v${k}.prom`))
  bodies.push(v)
}

// Today's path, as ScrapeLoop drives it minus relabeling and the appender: the sum stands in
// for handing value and timestamp on.
let sink = 0
function jsScrape (cache: SeriesCache, body: Buffer, ts: number): number {
  const p = parserFor(TEXT, body)
  const labels: Label[] = []
  // The hint names the series text expected on the next series line, before next() reads it.
  let expected: CacheEntry | undefined = cache.expected()
  if (expected !== undefined) p.hint?.(expected.key)
  let n = 0
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
    if (k !== Entry.Series) continue
    let e: CacheEntry | undefined
    if (expected !== undefined && p.hinted?.() === true) e = expected
    else {
      const raw = p.series()
      e = cache.lookup(raw)
      if (e === undefined) {
        labels.length = 0
        p.labels(labels)
        e = cache.addSeries(raw, labels.slice())
      }
    }
    e.lastIter = cache.iter // as the loop does: keeps the entry from eviction
    cache.seen(e)
    expected = cache.expected()
    if (expected !== undefined) p.hint?.(expected.key)
    if (e.ref !== undefined) cache.track(e.ref)
    sink += p.value() + (p.timestamp() ?? ts)
    n++
  }
  cache.iterDone(true)
  return n
}

function cpuNs (fn: () => void): number {
  const t0 = process.cpuUsage()
  fn()
  const d = process.cpuUsage(t0)
  return (d.user + d.system) * 1000
}

const samplesPerRound = (() => { let n = 0; for (const b of bodies) n += jsScrape(new SeriesCache(), b[0], 0); return n })()

// Memory first, each path on its own: heap after gc with every target's cache full, minus before.
gc()
const h0 = process.memoryUsage()
const caches = bodies.map(() => new SeriesCache())
bodies.forEach((b, t) => jsScrape(caches[t], b[0], 1))
gc()
const h1 = process.memoryUsage()
const tables = await Promise.all(bodies.map(() => WasmSeriesTable.load(wasmBytes)))
gc()
const h2 = process.memoryUsage()
let newSeries = 0
bodies.forEach((b, t) => { newSeries += tables[t].scan(b[0], 1).newSeries })
gc()
const h3 = process.memoryUsage()
const cachedSeries = caches.reduce((n, c) => n + c.size, 0)
let keyBytes = 0
for (const b of bodies) {
  const p = parserFor(TEXT, b[0])
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) if (k === Entry.Series) keyBytes += Buffer.byteLength(p.series())
}
let tableBytes = 0
let arenaBytes = 0
for (const t of tables) { tableBytes += t.tableBytes; arenaBytes += t.arenaBytes }
if (newSeries !== cachedSeries) throw new Error(`WASM table found ${newSeries} series, the JS cache ${cachedSeries}`)

// Warm rounds, the two paths alternating, best of three per path.
let best = { js: Infinity, wasm: Infinity }
for (let trial = 0; trial < 3; trial++) {
  let r0 = 1 + trial * rounds
  const js = cpuNs(() => {
    for (let r = 0; r < rounds; r++) for (let t = 0; t < targets; t++) jsScrape(caches[t], bodies[t][(r0 + r) % 3], r)
  })
  r0 = 1 + trial * rounds
  let seen = 0
  const wasm = cpuNs(() => {
    for (let r = 0; r < rounds; r++) for (let t = 0; t < targets; t++) seen += tables[t].scan(bodies[t][(r0 + r) % 3], r).samples
  })
  if (seen !== samplesPerRound * rounds) throw new Error(`WASM table saw ${seen} samples, expected ${samplesPerRound * rounds}`)
  best = { js: Math.min(best.js, js), wasm: Math.min(best.wasm, wasm) }
}
const slow = tables.reduce((n, t) => n + t.slowValues, 0)
const per = (ns: number): string => (ns / (samplesPerRound * rounds)).toFixed(0)
const perSeries = (b: number): string => (b / cachedSeries).toFixed(0)
const wasmMemory = tables.reduce((n, t) => n + t.memoryBytes, 0)
console.log(`targets=${targets} samples/round=${samplesPerRound} series=${cachedSeries} warm rounds=${rounds} (best of 3); series text ${perSeries(keyBytes)} B/series`)
console.log(`warm ns/sample: js ${per(best.js)}  wasm ${per(best.wasm)}  (sink ${sink === -1 ? '' : 'ok'}); values left to the host's Number(): ${(slow * 100 / samplesPerRound).toFixed(1)} %`)
console.log(`JS heap per cached series (after gc): ${perSeries(h1.heapUsed - h0.heapUsed)} B`)
console.log(`WASM per series: table as allocated ${perSeries(tableBytes)} B (arena in use ${perSeries(arenaBytes)} B); ` +
  `linear memory ${perSeries(wasmMemory)} B incl. input buffer and 64 KiB pages; JS heap for the instances ${perSeries(h2.heapUsed - h1.heapUsed)} B, after the cold scan +${perSeries(h3.heapUsed - h2.heapUsed)} B`)
