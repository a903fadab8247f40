// UTF-8 names end to end, into a real Prometheus 2.42 remote-write (1.0) receiver, which predates
// UTF-8 names, queried over its HTTP API. The target answers as client_golang does: it escapes
// its names by the `escaping` the Accept header asks for (the escaped bodies below are written
// from Prometheus's escaping docs and prometheus/common's TestEscapeName table, not by shoal),
// or, on /naive, ignores it and always sends UTF-8 names. shoal runs as its own process with
// one prometheus.scrape per scheme, and one whose UTF-8 series prometheus.relabel renames.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'

const TEXT = 'text/plain; version=1.0.0; charset=utf-8'
// `http.server.duration{service.name="api"}` as each escaping scheme writes it.
const BODIES: Record<string, string> = {
  'allow-utf-8': '# TYPE "http.server.duration" gauge\n{"http.server.duration","service.name"="api"} 1.5\n',
  underscores: '# TYPE http_server_duration gauge\nhttp_server_duration{service_name="api"} 1.5\n',
  dots: '# TYPE http_dot_server_dot_duration gauge\nhttp_dot_server_dot_duration{service_dot_name="api"} 1.5\n',
  values: '# TYPE U__http_2e_server_2e_duration gauge\nU__http_2e_server_2e_duration{U__service_2e_name="api"} 1.5\n',
}

let server: Server | undefined
/** The Accept header of the last request, per path. */
const accepts = new Map<string, string>()
const procs: Proc[] = []
const proms: Prometheus[] = []

/** The escaping of the best-weighted text/plain;version=1.0.0 offer, as a server negotiating it would pick. */
function escapingAsked (accept: string): string | undefined {
  const offer = accept.split(',').find(o => o.startsWith('text/plain;version=1.0.0'))
  return offer?.match(/;escaping=([^;]+)/)?.[1]
}

before(async () => {
  if (!havePrometheus()) return
  server = createServer((req, res) => {
    const accept = req.headers.accept ?? ''
    accepts.set(req.url ?? '', accept)
    const scheme = req.url === '/naive' ? 'allow-utf-8' : escapingAsked(accept) ?? 'underscores'
    res.writeHead(200, { 'Content-Type': `${TEXT}; escaping=${scheme}` })
    res.end(BODIES[scheme] ?? '')
  })
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
})

after(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  for (const p of proms) await p.stop()
  server?.closeAllConnections(); server?.close()
})

const targetAddress = (): string => `127.0.0.1:${(server!.address() as { port: number }).port}`

function scrape (job: string, path: string, extra: string, forward: string): string {
  return `
prometheus.scrape "${job}" {
  targets         = [{"__address__" = "${targetAddress()}"}]
  forward_to      = [${forward}]
  job_name        = "${job}"
  metrics_path    = "${path}"
  scrape_protocols = ["PrometheusText1.0.0", "PrometheusText0.0.4"]
  scrape_interval = "1s"
  scrape_timeout  = "900ms"
  ${extra}
}
`
}

test('escaped names reach a Prometheus 2.42 receiver as the scheme writes them; UTF-8 names as they are; legacy validation fails a target that ignores the escaping', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const prom = await startPrometheus()
  proms.push(prom)
  const dir = tempDir('utf8-names')
  const cfg = join(dir, 'agent.alloy')
  // The utf8 job writes through its own remote_write: if the 1.0 receiver refused its request,
  // the other jobs' samples must not be in the same one.
  writeFileSync(cfg, [
    scrape('legacy', '/metrics', '', 'prometheus.remote_write.prom.receiver'),
    scrape('dots', '/metrics', 'metric_name_escaping_scheme = "dots"', 'prometheus.remote_write.prom.receiver'),
    scrape('values', '/metrics', 'metric_name_escaping_scheme = "values"', 'prometheus.remote_write.prom.receiver'),
    scrape('naive', '/naive', '', 'prometheus.remote_write.prom.receiver'),
    scrape('utf8', '/utf8', 'metric_name_validation_scheme = "utf8"', 'prometheus.remote_write.utf8.receiver'),
    // prometheus.relabel downstream sees the names as the target sent them, and renames them.
    scrape('relabeled', '/utf8', 'metric_name_validation_scheme = "utf8"', 'prometheus.relabel.rename.receiver'),
    `
prometheus.relabel "rename" {
  forward_to = [prometheus.remote_write.prom.receiver]
  rule {
    source_labels = ["__name__", "service.name"]
    regex         = "http[.]server[.](.*);api"
    target_label  = "__name__"
    replacement   = "http_server_\${1}_seconds"
  }
  rule {
    action      = "labelmap"
    regex       = "service[.](.*)"
    replacement = "service_$1"
  }
  rule {
    action = "labeldrop"
    regex  = "service[.]name"
  }
}
`,
    ...['prom', 'utf8'].map(name => `
prometheus.remote_write "${name}" {
  endpoint {
    url = "${prom.writeURL}"
    queue_config {
      batch_send_deadline = "200ms"
    }
  }
}
`),
  ].join(''))
  const port = await freePort()
  const shoal = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  procs.push(shoal)

  const rows = async (q: string): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>> => await prom.query(q)
  const has = (q: string, n: number) => async () => (await rows(q)).length === n || undefined
  await waitFor('every job reported', has('up', 6), 30_000).catch(err => { throw new Error(`${err.message}\nshoal output:\n${shoal.output()}`) })
  await waitFor('the utf8 job\'s series', has('{__name__="http.server.duration"}', 1), 15_000).catch(err => { throw new Error(`${err.message}\nshoal output:\n${shoal.output()}`) })
  await waitFor('the escaped series', has('{__name__=~"http_server_duration|http_dot_server_dot_duration|U__http_2e_server_2e_duration"}', 3), 15_000)

  // The Accept headers Prometheus 3 sends for each scheme (escaping on text 1.0.0 only here).
  assert.equal(accepts.get('/metrics')?.includes('text/plain;version=0.0.4;q=0.5'), true, accepts.get('/metrics'))
  assert.equal(escapingAsked(accepts.get('/utf8') ?? ''), 'allow-utf-8')
  assert.equal(escapingAsked(accepts.get('/naive') ?? ''), 'underscores')

  const series = async (q: string): Promise<Array<[Record<string, string>, string]>> =>
    (await rows(q)).map(r => [r.metric, r.value[1]])
  const inst = targetAddress()
  assert.deepEqual(await series('http_server_duration'), [[{ __name__: 'http_server_duration', instance: inst, job: 'legacy', service_name: 'api' }, '1.5']])
  assert.deepEqual(await series('http_dot_server_dot_duration'), [[{ __name__: 'http_dot_server_dot_duration', instance: inst, job: 'dots', service_dot_name: 'api' }, '1.5']])
  assert.deepEqual(await series('U__http_2e_server_2e_duration'), [[{ __name__: 'U__http_2e_server_2e_duration', instance: inst, job: 'values', U__service_2e_name: 'api' }, '1.5']])
  assert.deepEqual(await series('http_server_duration_seconds'), [[{ __name__: 'http_server_duration_seconds', instance: inst, job: 'relabeled', service_name: 'api' }, '1.5']])
  // What a 1.0 receiver that predates UTF-8 does with an unescaped name: 2.42 stores it as sent.
  assert.deepEqual(await series('{__name__="http.server.duration"}'), [[{ __name__: 'http.server.duration', instance: inst, job: 'utf8', 'service.name': 'api' }, '1.5']])

  // up and scrape_* are the same report series whatever the names; the naive target is down.
  for (const job of ['legacy', 'dots', 'values', 'utf8', 'relabeled']) {
    assert.deepEqual((await series(`up{job="${job}"}`)).map(([, v]) => v), ['1'], job)
    assert.deepEqual((await series(`scrape_samples_scraped{job="${job}"}`)).map(([, v]) => v), ['1'], job)
  }
  assert.deepEqual((await series('up{job="naive"}')).map(([, v]) => v), ['0'])
  assert.deepEqual(await series('{job="naive", __name__!~"up|scrape_.*"}'), [])
  const c = await (await fetch(`http://127.0.0.1:${port}/api/v0/web/components/prometheus.scrape.naive`)).json() as { debugInfo: { targets: Array<{ health: string, last_error: string }> } }
  assert.deepEqual(c.debugInfo.targets.map(x => [x.health, x.last_error]),
    [['down', `invalid metric name or label names: {__name__="http.server.duration", instance="${inst}", job="naive", "service.name"="api"}`]])
})
