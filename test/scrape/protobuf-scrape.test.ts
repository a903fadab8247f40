// A scrape of a protobuf body (encoded with protobufjs from the vendored upstream metrics.proto):
// the samples arrive, and a truncated body fails the scrape with up=0 and the reason.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { Registry } from 'prom-client'
import { parserFor } from '../../src/exposition/parser.js'
import { resolveScrapeConfig } from '../../src/scrape/config.js'
import { ScrapeLoop } from '../../src/scrape/loop.js'
import { ScrapeMetrics } from '../../src/scrape/metrics.js'
import { HttpScraper } from '../../src/scrape/scraper.js'
import { newTarget } from '../../src/scrape/target.js'
import { Recorder } from './recorder.js'

const root = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
const MF = root.lookupType('io.prometheus.client.MetricFamily')
let body = Buffer.alloc(0)
let accept = ''
let server: Server
let addr: string

before(async () => {
  server = createServer((req, res) => {
    accept = req.headers.accept ?? ''
    res.setHeader('content-type', 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited')
    res.end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

test('protobuf scrape: samples appended; a truncated body gives up=0, stale markers and the reason', async () => {
  const config = resolveScrapeConfig({ job_name: 'job1', scrape_interval: 10_000, scrape_timeout: 2_000, scrape_protocols: ['PrometheusProto', 'PrometheusText0.0.4'] })
  const target = newTarget({ __address__: addr }, config)!
  const rec = new Recorder()
  const fetcher = new HttpScraper(config)
  const loop = new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor, metrics: new ScrapeMetrics(new Registry()) })
  try {
    const w = protobuf.Writer.create()
    MF.encodeDelimited(MF.fromObject({ name: 'c_total', type: 0, metric: [{ label: [{ name: 'k', value: 'v' }], counter: { value: 3 } }] }), w)
    MF.encodeDelimited(MF.fromObject({ name: 'g', type: 1, metric: [{ gauge: { value: 0.25 } }] }), w)
    body = Buffer.from(w.finish())
    await loop.scrapeOnce(1000)
    assert.match(accept, /^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited;q=0\.6,/)
    const got = Recorder.samples(rec.last())
    assert.ok(got.includes(`{__name__="c_total", instance="${addr}", job="job1", k="v"} 3@1000`), got.join('\n'))
    assert.ok(got.includes(`{__name__="g", instance="${addr}", job="job1"} 0.25@1000`), got.join('\n'))
    assert.ok(got.includes(`{__name__="up", instance="${addr}", job="job1"} 1@1000`))
    assert.equal(loop.health.health, 'up')

    body = body.subarray(0, body.length - 3)
    await loop.scrapeOnce(2000)
    assert.equal(loop.health.health, 'down')
    assert.match(loop.health.lastError ?? '', /protobuf: .*truncated|past the end/)
    assert.ok(Recorder.samples(rec.last()).includes(`{__name__="up", instance="${addr}", job="job1"} 0@2000`))
    assert.deepEqual(Recorder.stale(rec.last()), [`{__name__="c_total", instance="${addr}", job="job1", k="v"}@2000`, `{__name__="g", instance="${addr}", job="job1"}@2000`])
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})

test('protobuf scrape: each sample of a counter, summary or histogram carries its metric\'s created timestamp', async () => {
  const config = resolveScrapeConfig({ job_name: 'job1', scrape_interval: 10_000, scrape_timeout: 2_000, scrape_protocols: ['PrometheusProto'], scrape_native_histograms: true })
  const target = newTarget({ __address__: addr }, config)!
  const rec = new Recorder()
  const fetcher = new HttpScraper(config)
  const loop = new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor, metrics: new ScrapeMetrics(new Registry()) })
  try {
    const w = protobuf.Writer.create()
    MF.encodeDelimited(MF.fromObject({
      name: 'c_total', type: 0, metric: [
        { label: [{ name: 'k', value: 'a' }], counter: { value: 3, createdTimestamp: { seconds: 10, nanos: 5_000_000 } } },
        { label: [{ name: 'k', value: 'b' }], counter: { value: 4 } },
      ],
    }), w)
    MF.encodeDelimited(MF.fromObject({ name: 'g', type: 1, metric: [{ gauge: { value: 0.25 } }] }), w)
    MF.encodeDelimited(MF.fromObject({ name: 's', type: 2, metric: [{ summary: { sampleCount: 2, sampleSum: 1, quantile: [{ quantile: 0.5, value: 0.4 }], createdTimestamp: { seconds: 20 } } }] }), w)
    MF.encodeDelimited(MF.fromObject({ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 3, sampleSum: 2, schema: 0, zeroThreshold: 0, zeroCount: 1, positiveSpan: [{ offset: 0, length: 1 }], positiveDelta: [2], createdTimestamp: { seconds: 30, nanos: 1_000_000 } } }] }), w)
    body = Buffer.from(w.finish())
    await loop.scrapeOnce(1000)
    const starts = new Map<string, number | undefined>()
    for (const o of rec.last()) {
      if (o.kind === 'sample' || o.kind === 'histogram') {
        const ls = o.series.labels.filter(l => l.name !== 'instance' && l.name !== 'job').map(l => `${l.name}=${l.value}`).join(',')
        starts.set(`${o.kind} ${ls}`, o.start)
      }
    }
    assert.deepEqual(Object.fromEntries(starts), {
      'sample __name__=c_total,k=a': 10_005,
      'sample __name__=c_total,k=b': undefined,
      'sample __name__=g': undefined,
      'sample __name__=s_count': 20_000,
      'sample __name__=s_sum': 20_000,
      'sample __name__=s,quantile=0.5': 20_000,
      'histogram __name__=h': 30_001,
      'sample __name__=up': undefined,
      'sample __name__=scrape_duration_seconds': undefined,
      'sample __name__=scrape_samples_scraped': undefined,
      'sample __name__=scrape_samples_post_metric_relabeling': undefined,
      'sample __name__=scrape_series_added': undefined,
    })
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})
