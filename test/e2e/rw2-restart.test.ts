// Remote write 2.0 through an outage and restarts: shoal (its own process, with its disk buffer)
// scrapes a protobuf target with created timestamps, exemplars, help and units while the 2.0
// receiver is down; it is stopped with SIGTERM, restarted, killed with SIGKILL, and started a
// third time with the target gone (so nothing it sends can come from a fresh scrape) and the
// receiver back. The requests, decoded here with protobufjs from the upstream types.proto, carry
// both phases' samples with their start timestamps, exemplars and metadata intact.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { loadJsSnappy } from '../../src/remotewrite/snappy.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { decodeV2, resolve, type V2 } from '../remotewrite/proto-v2.js'

const MF = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url))).lookupType('io.prometheus.client.MetricFamily')
const CT_PROTO = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const CT_V2 = 'application/x-protobuf;proto=io.prometheus.write.v2.Request'
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Phase p's body: its own counter value range, created timestamps and exemplar trace id. */
function body (p: 1 | 2, n: number): Buffer {
  const created = { seconds: 1_765_000_000 + p * 1000 }
  const families = [
    {
      name: 'jobs_total', help: 'Jobs run.', type: 0,
      metric: [{ counter: { value: p * 1000 + n, createdTimestamp: created, exemplar: { label: [{ name: 'trace_id', value: `phase${p}` }], value: p, timestamp: { seconds: 1_765_000_000 + n } } } }],
    },
    { name: 'temp', help: 'Temperature.', unit: 'celsius', type: 1, metric: [{ gauge: { value: p * 10 } }] },
    {
      name: 'latency_seconds', help: 'Latency.', type: 4,
      metric: [{ histogram: { sampleCount: 3 + p, sampleSum: 1.5, schema: 0, zeroThreshold: 0.001, zeroCount: 1, positiveSpan: [{ offset: 0, length: 2 }], positiveDelta: [1, 1 + p], createdTimestamp: created } }],
    },
  ]
  const w = protobuf.Writer.create()
  for (const f of families) MF.encodeDelimited(MF.fromObject(f), w)
  return Buffer.from(w.finish())
}

let phase: 1 | 2 = 1
let hits = 0
let target: Server | undefined
let receiver: Server | undefined
let shoal: Proc | undefined

after(async () => {
  await shoal?.stop('SIGKILL')
  target?.closeAllConnections(); target?.close()
  receiver?.closeAllConnections(); receiver?.close()
})

test('remote write 2.0: created timestamps, exemplars and metadata survive an outage, SIGTERM and SIGKILL in the disk buffer', { timeout: 150_000 }, async () => {
  target = createServer((_req, res) => { hits++; res.writeHead(200, { 'Content-Type': CT_PROTO }); res.end(body(phase, hits)) })
  await new Promise<void>(resolve => target!.listen(0, '127.0.0.1', resolve))
  const addr = `127.0.0.1:${(target.address() as AddressInfo).port}`
  const recvPort = await freePort() // nothing listens on it yet: the receiver is down

  const dir = tempDir('rw2-restart')
  const cfg = join(dir, 'agent.alloy')
  writeFileSync(cfg, `
prometheus.scrape "t" {
  targets                  = [{"__address__" = "${addr}"}]
  forward_to               = [prometheus.remote_write.v2.receiver]
  job_name                 = "t"
  scrape_interval          = "300ms"
  scrape_timeout           = "250ms"
  scrape_protocols         = ["PrometheusProto"]
  scrape_native_histograms = true
}

prometheus.remote_write "v2" {
  endpoint {
    url                    = "http://127.0.0.1:${recvPort}/api/v1/write"
    protobuf_message       = "io.prometheus.write.v2.Request"
    send_native_histograms = true
    queue_config {
      batch_send_deadline = "100ms"
      min_backoff         = "100ms"
      max_backoff         = "300ms"
    }
  }
}
`)
  const httpPort = await freePort()
  const args = ['run', cfg, `--server.http.listen-addr=127.0.0.1:${httpPort}`, `--storage.path=${join(dir, 'data')}`]
  const scrapes = async (n: number): Promise<void> => { const want = hits + n; await waitFor(`${n} scrapes`, () => hits >= want || undefined, 20_000, 50) }

  // Phase 1, ended by SIGTERM (a clean stop flushes the buffer).
  shoal = startShoal(args)
  await scrapes(4)
  await sleep(1500) // past the buffer's write deferral and one fsync
  assert.equal(await shoal.stop('SIGTERM'), 0, shoal.output())

  // Phase 2, ended by SIGKILL: what was fsynced (a second before) survives.
  phase = 2
  shoal = startShoal(args)
  await scrapes(4)
  await sleep(2500)
  await shoal.stop('SIGKILL')

  // The target goes away and the receiver comes back; a third start sends what the buffer holds.
  target.closeAllConnections()
  await new Promise<void>(resolve => target!.close(() => resolve()))
  target = undefined
  const snappy = await loadJsSnappy()
  const got: V2[] = []
  const bad: string[] = []
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.headers['content-type'] !== CT_V2) bad.push(String(req.headers['content-type']))
      let r: V2 | undefined
      try { r = decodeV2(snappy.uncompress(Buffer.concat(chunks))); got.push(r) } catch (err) { bad.push((err as Error).message) }
      // A 2.0 receiver says what it wrote (without these shoal would take it for a 1.0 one).
      const count = (k: 'samples' | 'histograms' | 'exemplars'): string => String(r?.timeseries.reduce((a, t) => a + t[k].length, 0) ?? 0)
      res.writeHead(204, { 'X-Prometheus-Remote-Write-Samples-Written': count('samples'), 'X-Prometheus-Remote-Write-Histograms-Written': count('histograms'), 'X-Prometheus-Remote-Write-Exemplars-Written': count('exemplars') }).end()
    })
  })
  await new Promise<void>(resolve => receiver!.listen(recvPort, '127.0.0.1', resolve))
  shoal = startShoal(args)

  interface Row { value: number, timestamp: number, start: number, help: string, unit: string, type: string }
  const rows = (name: string): Row[] => got.flatMap(r => r.timeseries.filter(t => resolve(r.symbols, t.labelsRefs).__name__ === name).flatMap(t => {
    const meta = { help: r.symbols[t.metadata?.helpRef ?? 0], unit: r.symbols[t.metadata?.unitRef ?? 0], type: t.metadata?.type ?? '' }
    const samples = t.samples.map(s => ({ value: s.value, timestamp: s.timestamp, start: s.startTimestamp, ...meta }))
    // A stale histogram is one whose sum is NaN: its count says nothing; NaN marks it here.
    const hists = t.histograms.map(h => ({ value: Number.isNaN(h.sum) ? Number.NaN : Number(h.countInt), timestamp: Number(h.timestamp), start: Number(h.startTimestamp), ...meta }))
    return [...samples, ...hists]
  }))
  const phaseOf = (v: number): number => Math.floor(v / 1000)
  await waitFor('both phases delivered', () => {
    const p = new Set(rows('jobs_total').map(r => phaseOf(r.value)))
    return (p.has(1) && p.has(2)) || undefined
  }, 30_000)
  await sleep(1000) // what else the buffer held
  await shoal.stop('SIGTERM')
  assert.deepEqual(bad, [])

  // Stale markers (a stop ends the series, the gone target too) carry no value of a phase.
  const live = (name: string): Row[] => rows(name).filter(r => !Number.isNaN(r.value))
  const jobs = live('jobs_total')
  for (const r of jobs) {
    const p = phaseOf(r.value)
    assert.ok(p === 1 || p === 2, `value ${r.value}`)
    assert.deepEqual({ start: r.start, type: r.type, help: r.help, unit: r.unit }, { start: (1_765_000_000 + p * 1000) * 1000, type: 'METRIC_TYPE_COUNTER', help: 'Jobs run.', unit: '' }, `jobs_total ${r.value} at ${r.timestamp}`)
  }
  // Each phase's samples arrive once, in scrape order.
  const ts = jobs.map(r => r.timestamp)
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b))
  assert.equal(new Set(ts).size, ts.length)

  const exemplars = got.flatMap(r => r.timeseries.filter(t => resolve(r.symbols, t.labelsRefs).__name__ === 'jobs_total')
    .flatMap(t => t.exemplars.map(e => ({ labels: resolve(r.symbols, e.labelsRefs), value: e.value }))))
  assert.ok(exemplars.length > 0, 'exemplars arrive')
  for (const e of exemplars) assert.deepEqual(e, { labels: { trace_id: `phase${e.value}` }, value: e.value })
  assert.deepEqual(new Set(exemplars.map(e => e.value)), new Set([1, 2]), 'from both phases')

  const temps = live('temp')
  assert.ok(temps.length > 0)
  for (const r of temps) assert.deepEqual({ type: r.type, help: r.help, unit: r.unit, start: r.start }, { type: 'METRIC_TYPE_GAUGE', help: 'Temperature.', unit: 'celsius', start: 0 })

  const hist = live('latency_seconds')
  assert.ok(hist.length > 0, 'native histograms arrive')
  for (const r of hist) {
    const p = r.value - 3
    assert.ok(p === 1 || p === 2, `count ${r.value}`)
    assert.deepEqual({ start: r.start, type: r.type, help: r.help }, { start: (1_765_000_000 + p * 1000) * 1000, type: 'METRIC_TYPE_HISTOGRAM', help: 'Latency.' })
  }
})
