// Native histograms end to end: protobuf bodies encoded here with protobufjs from the upstream
// metrics.proto, served over HTTP, scraped by shoal (its own process) and remote-written into a
// real Prometheus 2.42 with native histograms on, queried over its HTTP API; and the same bodies
// scraped by a Prometheus 2.42 agent into a second receiver, which must hold the same series and
// values, native histograms bucket for bucket.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'

const root = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
const MF = root.lookupType('io.prometheus.client.MetricFamily')
const CT = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const NH = '--enable-feature=native-histograms'

function encode (families: object[]): Buffer {
  const w = protobuf.Writer.create()
  for (const f of families) {
    const err = MF.verify(f)
    if (err !== null) throw new Error(err)
    MF.encodeDelimited(MF.fromObject(f), w)
  }
  return Buffer.from(w.finish())
}

const GET = { label: [{ name: 'method', value: 'get' }], histogram: { sampleCount: 8, sampleSum: 20, schema: 0, positiveSpan: [{ offset: 1, length: 2 }], positiveDelta: [4, 0] } }
// Schema 3, a zero bucket, both signs, two positive spans; classic buckets too (ignored: native wins).
const PUT = {
  label: [{ name: 'method', value: 'put' }],
  histogram: {
    sampleCount: 19, sampleSum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCount: 2,
    positiveSpan: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDelta: [1, 2, -1, 3, -2],
    negativeSpan: [{ offset: 0, length: 2 }], negativeDelta: [2, -1],
    bucket: [{ upperBound: 1, cumulativeCount: 10 }],
  },
}
const OTHERS = [
  { name: 'requests_total', type: 0, metric: [{ counter: { value: 17, createdTimestamp: { seconds: 1_700_000_000, nanos: 0 } } }] },
  { name: 'temperature', type: 1, metric: [{ gauge: { value: 21.5 } }] },
  // A float gauge histogram: absolute float counts, a negative schema.
  { name: 'queue_fill', type: 5, metric: [{ histogram: { sampleCountFloat: 7.5, sampleSum: 42.25, schema: -2, zeroThreshold: 0.01, zeroCountFloat: 0.5, positiveSpan: [{ offset: 0, length: 2 }], positiveCount: [3, 4] } }] },
  { name: 'classic_seconds', type: 4, metric: [{ histogram: { sampleCount: 4, sampleSum: 2.5, bucket: [{ upperBound: 0.1, cumulativeCount: 1 }, { upperBound: 1, cumulativeCount: 3 }] } }] },
  { name: 'latency_seconds', type: 2, metric: [{ summary: { sampleCount: 5, sampleSum: 1.5, quantile: [{ quantile: 0.5, value: 0.2 }] } }] },
]
const full = encode([{ name: 'rpc_duration_seconds', help: 'RPC latency.', type: 4, metric: [GET, PUT] }, ...OTHERS])
const withoutGet = encode([{ name: 'rpc_duration_seconds', help: 'RPC latency.', type: 4, metric: [PUT] }, ...OTHERS])

let body = full
let server: Server | undefined
const procs: Proc[] = []
const proms: Prometheus[] = []

before(async () => {
  if (!havePrometheus()) return
  server = createServer((req, res) => { res.writeHead(200, { 'Content-Type': CT }); res.end(body) })
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
})

after(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  for (const p of proms) await p.stop()
  server?.closeAllConnections(); server?.close()
})

interface HistogramValue { count: string, sum: string, buckets: Array<[number, string, string, string]> }
type Row = { metric: Record<string, string>, value?: [number, string], histogram?: [number, HistogramValue] }

async function rows (p: Prometheus, q: string): Promise<Row[]> {
  return await p.query(q)
}

const key = (m: Record<string, string>): string => JSON.stringify(Object.entries(m).sort(([a], [b]) => a < b ? -1 : 1))

test('native histograms scraped from protobuf reach a real Prometheus as encoded, like a Prometheus agent sends them', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const addr = `127.0.0.1:${(server!.address() as { port: number }).port}`
  const [mine, ref] = await Promise.all([startPrometheus(undefined, { args: [NH] }), startPrometheus(undefined, { args: [NH] })])
  proms.push(mine, ref)

  const dir = tempDir('native-hist')
  const cfg = join(dir, 'agent.alloy')
  writeFileSync(cfg, `
prometheus.scrape "native" {
  targets                  = [{"__address__" = "${addr}"}]
  forward_to               = [prometheus.remote_write.prom.receiver]
  job_name                 = "native"
  scrape_interval          = "1s"
  scrape_timeout           = "900ms"
  scrape_native_histograms = true
}

prometheus.remote_write "prom" {
  endpoint {
    url                    = "${mine.writeURL}"
    send_native_histograms = true
    queue_config {
      batch_send_deadline = "200ms"
    }
  }
}
`)
  const port = await freePort()
  const shoal = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  procs.push(shoal)
  const agent = await startPrometheus(undefined, {
    args: ['--enable-feature=agent,native-histograms'],
    agentConfig: `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: native
    static_configs:
      - targets: ['${addr}']
remote_write:
  - url: ${ref.writeURL}
    send_native_histograms: true
    queue_config:
      batch_send_deadline: 200ms
`,
  }).catch(err => { throw new Error(`prometheus agent: ${(err as Error).message}`) })
  proms.push(agent)

  const ready = async (p: Prometheus): Promise<true | undefined> => (await rows(p, 'rpc_duration_seconds')).length === 2 && (await rows(p, 'up')).length === 1 ? true : undefined
  await waitFor('shoal: native histograms in Prometheus', () => ready(mine), 30_000).catch(err => { throw new Error(`${err.message}\nshoal output:\n${shoal.output()}`) })
  await waitFor('agent: native histograms in Prometheus', () => ready(ref), 30_000).catch(err => { throw new Error(`${err.message}\nagent output:\n${agent.proc.output()}`) })

  // The values the bodies encode, over Prometheus's functions on native histograms.
  const one = async (q: string): Promise<number> => {
    const r = await rows(mine, q)
    assert.equal(r.length, 1, `${q}: ${JSON.stringify(r)}`)
    return Number(r[0].value![1])
  }
  assert.equal(await one('histogram_count(rpc_duration_seconds{method="get"})'), 8)
  assert.equal(await one('histogram_sum(rpc_duration_seconds{method="get"})'), 20)
  // Buckets (1,2] and (2,4] hold 4 each: the median is the boundary between them, the maximum the top.
  assert.equal(await one('histogram_quantile(0.5, rpc_duration_seconds{method="get"})'), 2)
  assert.equal(await one('histogram_quantile(1, rpc_duration_seconds{method="get"})'), 4)
  assert.equal(await one('histogram_count(rpc_duration_seconds{method="put"})'), 19)
  assert.equal(await one('histogram_sum(rpc_duration_seconds{method="put"})'), 12.5)
  // 3 negative observations, 2 in the zero bucket: 5 of 19 at or below the zero threshold.
  assert.equal(await one('histogram_fraction(-Inf, 0.001, rpc_duration_seconds{method="put"})'), 5 / 19)
  assert.equal(await one('histogram_count(queue_fill)'), 7.5)
  assert.equal(await one('histogram_sum(queue_fill)'), 42.25)

  const put = (await rows(mine, 'rpc_duration_seconds{method="put"}'))[0].histogram![1]
  // Schema 3: bucket i is (2^((i-1)/8), 2^(i/8)]; positive indices -2..0 and 5..6, negative 0..1, then the zero bucket.
  const b = (i: number): string => String(2 ** (i / 8))
  const got = put.buckets.map(([, lo, hi, c]) => [Number(lo), Number(hi), Number(c)])
  const want = [
    [-Number(b(1)), -Number(b(0)), 1], [-Number(b(0)), -Number(b(-1)), 2],
    [-0.001, 0.001, 2],
    [Number(b(-3)), Number(b(-2)), 1], [Number(b(-2)), Number(b(-1)), 3], [Number(b(-1)), Number(b(0)), 2],
    [Number(b(4)), Number(b(5)), 5], [Number(b(5)), Number(b(6)), 3],
  ]
  assert.equal(got.length, want.length, JSON.stringify(got))
  for (let i = 0; i < want.length; i++) {
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[i][k] - want[i][k]) < 1e-9, `bucket ${i}: ${JSON.stringify(got[i])} vs ${JSON.stringify(want[i])}`)
  }

  // Reference parity: the same series and values in both receivers (the agent's own report
  // series and the scrape duration aside), histograms bucket for bucket.
  const all = async (p: Prometheus): Promise<Map<string, unknown>> => {
    const m = new Map<string, unknown>()
    for (const r of await rows(p, '{job="native"}')) {
      const name = r.metric.__name__
      // The duration differs by nature; scrape_series_added: the 2.42 agent reports every series
      // of a protobuf scrape as added on each scrape (12 here, with a body that never changes),
      // where shoal, as Prometheus does for the text formats, reports 0 once they are known.
      if (name === 'scrape_duration_seconds' || name === 'scrape_series_added') { m.set(key(r.metric), 'D'); continue }
      m.set(key(r.metric), r.histogram !== undefined ? { count: r.histogram[1].count, sum: r.histogram[1].sum, buckets: r.histogram[1].buckets } : r.value![1])
    }
    return m
  }
  const [a, r] = await Promise.all([all(mine), all(ref)])
  assert.deepEqual([...a.keys()].sort(), [...r.keys()].sort())
  for (const [k, v] of r) assert.deepEqual(a.get(k), v, k)
  assert.ok(a.size >= 14, `${a.size} series`)
  assert.equal((await rows(mine, 'scrape_series_added{job="native"}'))[0].value![1], '0')

  // shoal counts what it sent as histograms, not as float samples (Prometheus's metric names).
  const own = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  assert.match(own, /^prometheus_remote_storage_histograms_total\{[^}]*\} [1-9]/m)
  assert.match(own, /^prometheus_remote_storage_histograms_in_total\{[^}]*\} [1-9]/m)

  // A histogram that disappears from the body is marked stale (a histogram staleness marker).
  body = withoutGet
  await waitFor('shoal: the vanished histogram is stale', async () => (await rows(mine, 'rpc_duration_seconds{method="get"}')).length === 0 || undefined, 15_000)
  assert.equal((await rows(mine, 'rpc_duration_seconds{method="put"}')).length, 1)
})
