// UTF-8 names through a real HTTP scrape, by Prometheus 3's rules: the Accept header asks for the
// configured escaping on the formats that can carry UTF-8 names; metric relabeling sees the names
// as exposed; under legacy validation a series still not legacy-valid after relabeling fails the
// scrape (up=0, the reason in last_error), under utf8 it is kept; up and scrape_* are unaffected.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { parserFor } from '../../src/exposition/parser.js'
import { resolveScrapeConfig, type ScrapeConfig } from '../../src/scrape/config.js'
import { ScrapeLoop } from '../../src/scrape/loop.js'
import { ScrapePool } from '../../src/scrape/pool.js'
import { targetKey } from '../../src/scrape/target.js'
import { Registry } from 'prom-client'
import { HttpScraper } from '../../src/scrape/scraper.js'
import { newTarget } from '../../src/scrape/target.js'
import type { Labels } from '../../src/storage/series.js'
import { Recorder } from './recorder.js'

let body: string | Buffer = ''
let contentType = 'text/plain; version=1.0.0; charset=utf-8'
let accept = ''
let server: Server
let addr: string

before(async () => {
  server = createServer((req, res) => {
    accept = req.headers.accept ?? ''
    res.setHeader('content-type', contentType)
    res.end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

async function scrape (cfg: Partial<ScrapeConfig>): Promise<{ rec: Recorder, loop: ScrapeLoop }> {
  const config = resolveScrapeConfig({ job_name: 'job1', scrape_interval: 10_000, scrape_timeout: 2_000, ...cfg })
  const target = newTarget({ __address__: addr }, config)!
  const rec = new Recorder()
  const fetcher = new HttpScraper(config)
  const loop = new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor })
  try {
    await loop.scrapeOnce(1000)
  } finally {
    await loop.stop({ writeStaleMarkers: false })
    await fetcher.close()
  }
  return { rec, loop }
}

/** Every sample of the last batch: labels as an object, and the value. */
function samples (rec: Recorder): Array<[Record<string, string>, number]> {
  return rec.last().flatMap(o => o.kind === 'sample' ? [[Object.fromEntries(o.series.labels.map(l => [l.name, l.value])), o.v] as [Record<string, string>, number]] : [])
}
const named = (rec: Recorder, name: string): Array<[Record<string, string>, number]> => samples(rec).filter(([l]) => l.__name__ === name)

const UTF8_BODY = '# HELP "http.server.duration" Time.\n# TYPE "http.server.duration" gauge\n{"http.server.duration", "service.name"="api"} 1\nplain_total 2\n'

test('legacy (the default): escaping=underscores asked for; a UTF-8 series fails the scrape with Prometheus\'s reason', async () => {
  body = UTF8_BODY
  const { rec, loop } = await scrape({})
  assert.equal(accept, 'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,' +
    'text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2')
  assert.equal(loop.health.health, 'down')
  assert.equal(loop.health.lastError, `invalid metric name or label names: {__name__="http.server.duration", instance="${addr}", job="job1", "service.name"="api"}`)
  // Nothing of the body is kept, and the report series are as for any failed scrape.
  assert.deepEqual(named(rec, 'plain_total'), [])
  assert.deepEqual(named(rec, 'up').map(([, v]) => v), [0])
  // Counted up to the failing series, as Prometheus's append loop counts.
  assert.deepEqual(named(rec, 'scrape_samples_scraped').map(([, v]) => v), [1])
})

test('legacy: a UTF-8 label name alone fails the scrape too', async () => {
  body = 'm{"service.name"="api"} 1\n'
  const { loop } = await scrape({ metric_name_validation_scheme: 'legacy' })
  assert.equal(loop.health.lastError, `invalid metric name or label names: {__name__="m", instance="${addr}", job="job1", "service.name"="api"}`)
})

test('utf8: escaping=allow-utf-8 asked for; quoted names and escapes kept as exposed; up and scrape_* unchanged', async () => {
  body = UTF8_BODY + '{"a\\"b\\\\c\\nd", "x y"="1"} 3\n'
  const { rec, loop } = await scrape({ metric_name_validation_scheme: 'utf8' })
  assert.match(accept, /text\/plain;version=1\.0\.0;escaping=allow-utf-8;q=0\.4/)
  assert.match(accept, /openmetrics-text;version=1\.0\.0;escaping=allow-utf-8;q=0\.6/)
  assert.equal(loop.health.health, 'up')
  assert.deepEqual(named(rec, 'http.server.duration'), [[{ __name__: 'http.server.duration', instance: addr, job: 'job1', 'service.name': 'api' }, 1]])
  assert.deepEqual(named(rec, 'a"b\\c\nd'), [[{ __name__: 'a"b\\c\nd', instance: addr, job: 'job1', 'x y': '1' }, 3]])
  assert.deepEqual(named(rec, 'up'), [[{ __name__: 'up', instance: addr, job: 'job1' }, 1]])
  assert.deepEqual(named(rec, 'scrape_samples_scraped').map(([, v]) => v), [3])
  const meta = rec.last().flatMap(o => o.kind === 'metadata' ? [o.family] : [])
  assert.ok(meta.includes('http.server.duration'), JSON.stringify(meta))
})

test('the escaping asked for follows metric_name_escaping_scheme', async () => {
  body = 'a 1\n'
  for (const e of ['dots', 'values', 'underscores'] as const) {
    await scrape({ metric_name_validation_scheme: 'utf8', metric_name_escaping_scheme: e })
    assert.equal(accept.match(/escaping=[^;]*/g)?.join(' '), `escaping=${e} escaping=${e}`)
  }
})

test('metric relabeling sees the names as exposed, and legacy validation applies to what it returns', async () => {
  body = '{"http.server.duration", "service.name"="api"} 1\n'
  const seen: string[] = []
  const rename = (ls: Labels): Labels => {
    seen.push(...ls.map(l => l.name === '__name__' ? l.value : l.name))
    return ls.map(l => l.name === '__name__' ? { name: l.name, value: l.value.replaceAll('.', '_') } : l.name === 'service.name' ? { name: 'service_name', value: l.value } : l)
      .sort((a, b) => a.name < b.name ? -1 : 1)
  }
  const { rec, loop } = await scrape({ metric_relabel: rename })
  assert.deepEqual(seen.sort(), ['http.server.duration', 'instance', 'job', 'service.name'])
  assert.equal(loop.health.health, 'up')
  assert.deepEqual(named(rec, 'http_server_duration'), [[{ __name__: 'http_server_duration', instance: addr, job: 'job1', service_name: 'api' }, 1]])
})

test('OpenMetrics with quoted names, a name after a label, and a quoted exemplar label', async () => {
  contentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8'
  try {
    body = '# TYPE "my.counter" counter\n{"my.counter_total","k.v"="1"} 4 # {"trace.id"="abc"} 1\n{q="0.9","http.status"} 5\n# EOF\n'
    const { rec, loop } = await scrape({ metric_name_validation_scheme: 'utf8' })
    assert.equal(loop.health.health, 'up', loop.health.lastError)
    assert.deepEqual(named(rec, 'my.counter_total'), [[{ __name__: 'my.counter_total', instance: addr, job: 'job1', 'k.v': '1' }, 4]])
    assert.deepEqual(named(rec, 'http.status'), [[{ __name__: 'http.status', instance: addr, job: 'job1', q: '0.9' }, 5]])
    const ex = rec.last().flatMap(o => o.kind === 'exemplar' ? [o.exemplar.labels] : [])
    assert.deepEqual(ex, [[{ name: 'trace.id', value: 'abc' }]])
  } finally {
    contentType = 'text/plain; version=1.0.0; charset=utf-8'
  }
})

test('a reload that changes the validation scheme drops the cache (series validated under utf8 are checked again); one that changes the escaping asks for it', async () => {
  body = UTF8_BODY
  const rec = new Recorder()
  const cfg: ScrapeConfig = { job_name: 'job1', scrape_interval: 60_000, scrape_timeout: 2_000, metric_name_validation_scheme: 'utf8' }
  const pool = new ScrapePool(cfg, { appendable: rec, registry: new Registry() })
  try {
    const t = { __address__: addr }
    await pool.sync([t])
    await pool.loop(targetKey(t))!.scrapeOnce(1000)
    assert.equal(pool.loop(targetKey(t))!.health.health, 'up')
    assert.match(accept, /escaping=allow-utf-8/)

    await pool.update({ ...cfg, metric_name_escaping_scheme: 'values' })
    await pool.loop(targetKey(t))!.scrapeOnce(2000)
    assert.match(accept, /text\/plain;version=1\.0\.0;escaping=values/)
    assert.equal(pool.loop(targetKey(t))!.health.health, 'up')

    await pool.update({ ...cfg, metric_name_validation_scheme: 'legacy', metric_name_escaping_scheme: 'values' })
    const loop = pool.loop(targetKey(t))!
    await loop.scrapeOnce(3000)
    assert.equal(loop.health.health, 'down')
    assert.match(loop.health.lastError ?? '', /^invalid metric name or label names: \{__name__="http\.server\.duration"/)
  } finally { await pool.stop() }
})

test('protobuf bodies carry UTF-8 names as they are: the same validation applies (no escaping is asked for on that format)', async () => {
  const root = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
  const MF = root.lookupType('io.prometheus.client.MetricFamily')
  const w = protobuf.Writer.create()
  MF.encodeDelimited(MF.fromObject({ name: 'http.server.duration', type: 1, metric: [{ label: [{ name: 'service.name', value: 'api' }], gauge: { value: 2 } }] }), w)
  contentType = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
  body = Buffer.from(w.finish())
  try {
    const protocols = ['PrometheusProto', 'PrometheusText0.0.4']
    const legacy = await scrape({ scrape_protocols: protocols })
    assert.equal(accept.startsWith('application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,'), true, accept)
    assert.doesNotMatch(accept, /escaping/)
    assert.equal(legacy.loop.health.lastError, `invalid metric name or label names: {__name__="http.server.duration", instance="${addr}", job="job1", "service.name"="api"}`)
    const utf8 = await scrape({ scrape_protocols: protocols, metric_name_validation_scheme: 'utf8' })
    assert.deepEqual(named(utf8.rec, 'http.server.duration'), [[{ __name__: 'http.server.duration', instance: addr, job: 'job1', 'service.name': 'api' }, 2]])
  } finally {
    contentType = 'text/plain; version=1.0.0; charset=utf-8'
  }
})
