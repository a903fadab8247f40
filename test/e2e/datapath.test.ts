// One agent end to end: real exporters → shoal run (its own process) → remote-write into a real
// Prometheus, checked over Prometheus's HTTP API.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { startShoal, start, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { readTextSamples } from '../helpers/exposition.js'
import { unavailable } from '../helpers/prereq.js'

/** As Prometheus 3 (and Alloy) store le/quantile values: float text, integral values with ".0". */
function normalizeFloatLabel (v: string): string {
  const f = Number(v)
  if (Number.isNaN(f)) return v
  if (f === Infinity) return '+Inf'
  if (f === -Infinity) return '-Inf'
  const s = goFormatG(f)
  return /[.e]/.test(s) ? s : s + '.0'
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64): shortest digits, exponent form below 1e-4 or from 1e6 (two-digit exponents). */
function goFormatG (f: number): string {
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  const [mant, expS] = f.toExponential().split('e')
  const exp = Number(expS)
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  return String(f)
}

const FIX = join(import.meta.dirname, '../fixtures/exposition')
const NODE_EXPORTER_BIN = '/usr/bin/prometheus-node-exporter'

let prom: Prometheus
const servers: Server[] = []
const procs: Proc[] = []

async function serve (handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler)
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  servers.push(s)
  return `127.0.0.1:${(s.address() as { port: number }).port}`
}

const serveBody = (body: string, type: string) => serve((req, res) => {
  res.writeHead(200, { 'Content-Type': type })
  res.end(body)
})

before(async () => {
  if (!havePrometheus()) return
  prom = await startPrometheus()
})

after(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  for (const s of servers) { s.closeAllConnections(); s.close() }
  await prom?.stop()
})

test('every sample of every target arrives in Prometheus exactly; reload removal writes staleness', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const nodeBody = readFileSync(join(FIX, 'node_exporter.prom.txt'), 'utf8')
  const promBody = readFileSync(join(FIX, 'prometheus-server.prom.txt'), 'utf8')
  const omBody = readFileSync(join(FIX, 'alltypes.om.txt'), 'utf8')
  const nodeAddr = await serveBody(nodeBody, 'text/plain; version=0.0.4; charset=utf-8')
  const promAddr = await serveBody(promBody, 'text/plain; version=0.0.4; charset=utf-8')
  const omAddr = await serveBody(omBody, 'application/openmetrics-text; version=1.0.0; charset=utf-8')
  const neAddr = `127.0.0.1:${await freePort()}`
  const ne = start(NODE_EXPORTER_BIN, [`--web.listen-address=${neAddr}`, '--collector.disable-defaults', '--collector.cpu', '--collector.meminfo', '--collector.loadavg', '--collector.netdev'])
  procs.push(ne)

  const dir = tempDir('datapath')
  const cfg = join(dir, 'agent.alloy')
  const config = (targets: string[]) => `
prometheus.scrape "fixtures" {
  targets = [
${targets.map(a => `    {"__address__" = "${a}"},`).join('\n')}
  ]
  forward_to      = [prometheus.remote_write.prom.receiver]
  job_name        = "fixtures"
  scrape_interval = "1s"
  scrape_timeout  = "900ms"
}

prometheus.remote_write "prom" {
  endpoint {
    url = "${prom.writeURL}"
    queue_config {
      batch_send_deadline = "200ms"
    }
  }
}
`
  writeFileSync(cfg, config([nodeAddr, promAddr, omAddr, neAddr]))
  const port = await freePort()
  const agent = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  procs.push(agent)

  // Every target up.
  await waitFor('all four targets up', async () => {
    const r = await prom.query('up{job="fixtures"} == 1')
    return r.length === 4 || undefined
  }, 30_000).catch(err => { throw new Error(`${err.message}\nagent output:\n${agent.output()}`) })

  // Every series of the text bodies, with the right labels and exact values.
  for (const [addr, body] of [[nodeAddr, nodeBody], [promAddr, promBody]] as const) {
    const expected = readTextSamples(body)
    const got = await prom.query(`{job="fixtures",instance="${addr}",__name__!~"up|scrape_.*"}`)
    const key = (name: string, labels: Record<string, string>) => name + JSON.stringify(Object.entries(labels).sort())
    const gotMap = new Map(got.map(s => {
      const { __name__: name, ...labels } = s.metric
      return [key(name, labels), s.value[1]]
    }))
    assert.equal(got.length, expected.length, `series count for ${addr}`)
    for (const e of expected) {
      const labels: Record<string, string> = { instance: addr, job: 'fixtures' }
      for (const [k, v] of Object.entries(e.labels)) if (v !== '') labels[(k === 'job' || k === 'instance') ? `exported_${k}` : k] = (k === 'le' || k === 'quantile') ? normalizeFloatLabel(v) : v
      const v = gotMap.get(key(e.name, labels))
      assert.notEqual(v, undefined, `missing ${e.name}${JSON.stringify(e.labels)} from ${addr}`)
      assert.equal(Number(v), e.value, `value of ${e.name}${JSON.stringify(e.labels)}`)
    }
    const scraped = await prom.query(`scrape_samples_scraped{instance="${addr}"}`)
    assert.equal(Number(scraped[0].value[1]), expected.length)
  }

  // OpenMetrics: histogram buckets, summary quantiles, info-style gauges, _created as samples.
  const buckets = await prom.query(`rpc_durations_histogram_seconds_bucket{instance="${omAddr}"}`)
  assert.equal(buckets.length, omBody.split("\n").filter(l => l.startsWith("rpc_durations_histogram_seconds_bucket{")).length)
  assert.equal((await prom.query(`rpc_durations_histogram_seconds_count{instance="${omAddr}"}`))[0].value[1], '15')
  assert.equal(Number((await prom.query(`rpc_durations_histogram_seconds_sum{instance="${omAddr}"}`))[0].value[1]), -8.452185437166741e-05)
  assert.equal((await prom.query(`go_build_info{instance="${omAddr}"}`))[0].metric.checksum, undefined)

  // The real node exporter.
  assert.ok((await prom.query(`count({instance="${neAddr}",__name__=~"node_.*"})`))[0].value[1] > '0')

  // Report series for every target.
  for (const name of ['scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) {
    assert.equal((await prom.query(`${name}{job="fixtures"}`)).length, 4, name)
  }

  // Remove a target by reload: its series get staleness markers and vanish from instant queries.
  writeFileSync(cfg, config([nodeAddr, promAddr, neAddr]))
  const res = await fetch(`http://127.0.0.1:${port}/-/reload`, { method: 'POST' })
  assert.equal(res.status, 200, await res.text())
  await waitFor('removed target stale', async () => (await prom.query(`up{instance="${omAddr}"}`)).length === 0 || undefined, 15_000)
  assert.equal((await prom.query(`{instance="${omAddr}"}`)).length, 0)
  assert.equal((await prom.query('up{job="fixtures"}')).length, 3)
  await agent.stop()
})

test('failed targets: up=0 with the reason in debug info; healthy targets keep their interval', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const healthy = await serveBody('ok_metric 1\n', 'text/plain; version=0.0.4')
  const slow = await serve((_req, res) => { setTimeout(() => { res.writeHead(200); res.end('slow 1\n') }, 3000) })
  const notFound = await serve((_req, res) => { res.writeHead(404); res.end('nope') })
  const malformed = await serveBody('this is { not valid\n', 'text/plain; version=0.0.4')
  const huge = await serveBody('big_metric{x="' + 'a'.repeat(5000) + '"} 1\n', 'text/plain; version=0.0.4')
  const refused = `127.0.0.1:${await freePort()}`
  const dir = tempDir('failed')
  const cfg = join(dir, 'agent.alloy')
  writeFileSync(cfg, `
prometheus.scrape "bad" {
  targets = [
    {"__address__" = "${healthy}"},
    {"__address__" = "${slow}"},
    {"__address__" = "${notFound}"},
    {"__address__" = "${malformed}"},
    {"__address__" = "${huge}"},
    {"__address__" = "${refused}"},
  ]
  forward_to      = [prometheus.remote_write.prom.receiver]
  job_name        = "bad"
  scrape_interval = "1s"
  scrape_timeout  = "500ms"
  body_size_limit = "1KiB"
}

prometheus.remote_write "prom" {
  endpoint {
    url = "${prom.writeURL}"
    queue_config {
      batch_send_deadline = "200ms"
    }
  }
}
`)
  const port = await freePort()
  const agent = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  procs.push(agent)
  const reasons = await waitFor('every target scraped', async () => {
    const c = await (await fetch(`http://127.0.0.1:${port}/api/v0/web/components/prometheus.scrape.bad`)).json() as any
    const targets = c.debugInfo.targets as Array<{ labels: { instance: string }, health: string, last_error: string }>
    if (targets.length !== 6 || targets.some(x => x.health === 'unknown')) return undefined
    return new Map(targets.map(x => [x.labels.instance, x]))
  }, 20_000)
  assert.equal(reasons.get(healthy)!.health, 'up')
  assert.equal(reasons.get(healthy)!.last_error, '')
  const expect: Array<[string, RegExp]> = [
    [slow, /timeout|deadline/i],
    [notFound, /404/],
    [malformed, /parse|expected|invalid/i],
    [huge, /body size limit/i],
    [refused, /connection refused/i],
  ]
  for (const [addr, re] of expect) {
    const x = reasons.get(addr)!
    assert.equal(x.health, 'down', addr)
    assert.match(x.last_error, re, `${addr}: ${x.last_error}`)
  }
  // In Prometheus: up=0 for the five, 1 for the healthy one.
  await waitFor('up values', async () => (await prom.query('up{job="bad"}')).length === 6 || undefined, 15_000)
  const ups = new Map((await prom.query('up{job="bad"}')).map(s => [s.metric.instance, s.value[1]]))
  assert.equal(ups.get(healthy), '1')
  for (const [addr] of expect) assert.equal(ups.get(addr), '0', addr)
  // The healthy target kept its 1 s interval despite the slow and failing ones.
  await new Promise(r => setTimeout(r, 6000))
  const n = Number((await prom.query(`count_over_time(up{instance="${healthy}"}[5s])`))[0].value[1])
  assert.ok(n >= 4 && n <= 6, `healthy target scraped ${n} times in 5 s`)
  await agent.stop()
})
