// Scrape path end to end, minus the network: N targets' bodies → ScrapeLoop (parse, series
// cache, staleness) → RemoteWriteEndpoint (queue, shards, protobuf encoding, snappy) → a sink
// that accepts every request. Prints CPU per sample and memory per series.
//
//   node --expose-gc --import tsx scripts/bench-scrape.ts [TARGETS] [ROUNDS] [BODY_DIR]
//
// BODY_DIR holds the harness's generated bodies (t<N>.v<V>.prom, three variants per target, as
// /work/shared/bench/lib/gen-bodies.mjs writes them; default /tmp/bench-cache/bodies-n200-s1000-v3-i5).
// The bodies are handed over as Buffers and decoded per scrape, as the HTTP scraper does.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { Registry } from 'prom-client'
import { parserFor } from '../src/exposition/parser.js'
import { DiskPending } from '../src/remotewrite/disk/disk-pending.js'
import { RemoteWriteEndpoint } from '../src/remotewrite/endpoint.js'
import { getSnappy, loadJsSnappy } from '../src/remotewrite/snappy.js'
import { resolveScrapeConfig } from '../src/scrape/config.js'
import { ScrapeLoop, type Fetcher } from '../src/scrape/loop.js'
import { isAscii } from 'node:buffer'
import type { ScrapeResult } from '../src/scrape/scraper.js'
import { newTarget } from '../src/scrape/target.js'
import { nopLogger } from '../src/logging/logger.js'

const targets = Number(process.argv[2] ?? 200)
const rounds = Number(process.argv[3] ?? 6)
const dir = process.argv[4] ?? '/tmp/bench-cache/bodies-n200-s1000-v3-i5'
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

const bodies: Buffer[][] = []
for (let t = 0; t < targets; t++) {
  const v: Buffer[] = []
  for (let k = 0; k < 3; k++) v.push(readFileSync(`${dir}/t${t % 200}.v${k}.prom`))
  bodies.push(v)
}

let round = 0
function fetcherFor (t: number): Fetcher {
  return {
    async scrape (): Promise<ScrapeResult> {
      const b = bodies[t][round % 3]
      // As the scraper: the Buffer (parsed in chunks); STRING_BODY=1 decodes it whole, as before.
      const body = process.env.STRING_BODY === '1' ? (isAscii(b) ? b.toString('latin1') : b.toString('utf8')) : b
      return { body, contentType: 'text/plain; version=0.0.4', bytes: b.length }
    }
  }
}

// DISK=1: the durable disk buffer as the agent builds it (segments in a temp dir), else the memory ring.
const walDir = process.env.DISK === '1' ? mkdtempSync(join(tmpdir(), 'bench-wal-')) : undefined
const pending = walDir !== undefined ? new DiskPending({ dir: walDir, maxBytes: 1 << 30, inflightMax: 10_000 }) : undefined
let sent = 0
let sentBytes = 0
const endpoint = new RemoteWriteEndpoint({
  url: 'http://127.0.0.1:1/api/v1/write',
  remoteTimeoutMs: 30_000,
  sendExemplars: false,
  sendMetadata: false,
  queue: {}
}, {
  registry: new Registry(),
  log: nopLogger,
  snappy: process.env.SNAPPY === 'js' ? await loadJsSnappy() : await getSnappy(),
  sink: { async store (body) { sent++; sentBytes += body.length; return { kind: 'ok', status: 204 } } },
  pending
})
endpoint.start()

const config = resolveScrapeConfig({ job_name: 'farm', scrape_interval: 5000, scrape_timeout: 5000 })
const loops = Array.from({ length: targets }, (_, t) => new ScrapeLoop({
  target: newTarget({ __address__: `127.0.0.1:${20000 + t}` }, config)!,
  config,
  fetcher: fetcherFor(t),
  appendable: endpoint,
  parserFor
}))

async function scrapeAll (ts: number): Promise<void> {
  // Like the timer-driven loops: targets one after another, the queue draining in between.
  for (const l of loops) {
    await l.scrapeOnce(ts)
    await new Promise(resolve => setImmediate(resolve))
  }
  while (endpoint.queue.size > 0) await new Promise(resolve => setTimeout(resolve, 1))
}

const mib = (n: number): string => (n / 1048576).toFixed(1)
const base = process.memoryUsage()
await scrapeAll(1_000_000) // cold: every series is new
round++
gc()
const afterCold = process.memoryUsage()
const samples = targets * 1000
// CPU_PROF=FILE: a .cpuprofile of the warm rounds only.
const session = process.env.CPU_PROF !== undefined ? new Session() : undefined
if (session !== undefined) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}
const t0 = process.cpuUsage()
for (let r = 0; r < rounds; r++, round++) await scrapeAll(1_000_000 + (r + 1) * 5000)
const d = process.cpuUsage(t0)
if (session !== undefined) {
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(process.env.CPU_PROF!, JSON.stringify(profile))
  session.disconnect()
}
gc()
const end = process.memoryUsage()
const cpuS = (d.user + d.system) / 1e6
console.log(`targets=${targets} samples/scrape=${samples} warm rounds=${rounds} requests=${sent} bytes/sample(sent)=${(sentBytes / (samples * (rounds + 1))).toFixed(2)}`)
console.log(`warm: ${(cpuS * 1e9 / (samples * rounds)).toFixed(0)} ns/sample cpu = ${(cpuS * 1e6 / (samples * rounds)).toFixed(2)} cpu-s/1M samples`)
if (process.env.HEAP_SNAPSHOT !== undefined) {
  // Per-constructor sizes: node scripts/heap-top.mjs FILE
  const { writeHeapSnapshot } = await import('node:v8')
  writeHeapSnapshot(process.env.HEAP_SNAPSHOT)
}
console.log(`heap used: base ${mib(base.heapUsed)} MiB, after cold+gc ${mib(afterCold.heapUsed)} MiB, end+gc ${mib(end.heapUsed)} MiB; ` +
  `${((end.heapUsed - base.heapUsed) / samples).toFixed(0)} B/series; external ${mib(end.external)} MiB arrayBuffers ${mib(end.arrayBuffers)} MiB; rss ${mib(end.rss)} MiB`)
// Where the CPU went, per thread (main, V8 GC helpers, libuv pool...).
if (process.env.THREADS !== undefined) {
  const { readdirSync } = await import('node:fs')
  for (const tid of readdirSync('/proc/self/task')) {
    const st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(f[11]) + Number(f[12])
    if (ticks > 0) console.log(`  thread ${name}: ${(ticks / 100).toFixed(2)} s`)
  }
}
for (const l of loops) await l.stop({ writeStaleMarkers: false })
await endpoint.stop(1000)
pending?.close()
if (walDir !== undefined) rmSync(walDir, { recursive: true, force: true })
