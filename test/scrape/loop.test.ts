import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { parserFor } from '../../src/exposition/parser.js'
import { resolveScrapeConfig, type ScrapeConfig } from '../../src/scrape/config.js'
import { nextSlot, ScrapeLoop, scrapeOffset } from '../../src/scrape/loop.js'
import { ScrapeMetrics } from '../../src/scrape/metrics.js'
import { HttpScraper } from '../../src/scrape/scraper.js'
import { newTarget, type Target } from '../../src/scrape/target.js'
import type { Labels } from '../../src/storage/series.js'
import { Recorder } from './recorder.js'

// The exporter serves whatever the test puts here.
let body = ''
let status = 200
const contentType = 'text/plain; version=0.0.4'
let server: Server
let addr: string

before(async () => {
  server = createServer((_req, res) => {
    res.statusCode = status
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

function setup (cfg: Partial<ScrapeConfig> = {}, extra: Record<string, string> = {}): { loop: ScrapeLoop, rec: Recorder, fetcher: HttpScraper, target: Target, metrics: ScrapeMetrics, registry: Registry } {
  const config = resolveScrapeConfig({ job_name: 'job1', scrape_interval: 10_000, scrape_timeout: 2_000, ...cfg })
  const target = newTarget({ __address__: addr, ...extra }, config)!
  const rec = new Recorder()
  const fetcher = new HttpScraper(config)
  const registry = new Registry()
  const metrics = new ScrapeMetrics(registry)
  const loop = new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor, metrics })
  return { loop, rec, fetcher, target, metrics, registry }
}

function series (name: string, more = ''): string {
  return `{__name__="${name}", instance="${addr}", job="job1"${more}}`
}
function report (t: number, up: number, scraped: number, post: number, added: number): string[] {
  return [
    `${series('up')} ${up}@${t}`,
    `${series('scrape_duration_seconds')} D@${t}`,
    `${series('scrape_samples_scraped')} ${scraped}@${t}`,
    `${series('scrape_samples_post_metric_relabeling')} ${post}@${t}`,
    `${series('scrape_series_added')} ${added}@${t}`,
  ]
}

test('samples and report series are exact; vanished series get staleness markers', async () => {
  const { loop, rec, fetcher } = setup()
  try {
    body = '# TYPE a counter\n# HELP a An a.\na{x="1"} 1\na{x="2"} 2\nb 3\n'
    await loop.scrapeOnce(1000)
    assert.equal(rec.batches.length, 1)
    assert.deepEqual(Recorder.samples(rec.last()), [
      `{__name__="a", instance="${addr}", job="job1", x="1"} 1@1000`,
      `{__name__="a", instance="${addr}", job="job1", x="2"} 2@1000`,
      `${series('b')} 3@1000`,
      ...report(1000, 1, 3, 3, 3),
    ])
    assert.deepEqual(rec.last().filter(o => o.kind === 'metadata').map(o => o.kind === 'metadata' && [o.family, o.metadata]),
      [['a', { type: 'counter', help: 'An a.', unit: '' }]])
    assert.deepEqual(Recorder.stale(rec.last()), [])
    assert.equal(loop.health.health, 'up')
    assert.equal(loop.health.series, 3)

    body = 'a{x="1"} 10\nb 30\n'
    await loop.scrapeOnce(2000)
    assert.deepEqual(Recorder.samples(rec.last()), [
      `{__name__="a", instance="${addr}", job="job1", x="1"} 10@2000`,
      `${series('b')} 30@2000`,
      ...report(2000, 1, 2, 2, 0),
    ])
    assert.deepEqual(Recorder.stale(rec.last()), [`{__name__="a", instance="${addr}", job="job1", x="2"}@2000`])
    // Unchanged metadata is not sent again.
    assert.equal(rec.last().filter(o => o.kind === 'metadata').length, 0)
    // A cache hit reuses the same Series object.
    const s1 = rec.batches[0][0].kind === 'sample' ? rec.batches[0][0].series : undefined
    const s2 = rec.batches[1][0].kind === 'sample' ? rec.batches[1][0].series : undefined
    assert.ok(s1 !== undefined && s1 === s2)
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})

test('failed scrape: up=0, previous series stale, error recorded', async () => {
  const { loop, rec, fetcher } = setup()
  try {
    body = 'a 1\nb 2\n'
    await loop.scrapeOnce(1000)
    status = 500
    await loop.scrapeOnce(2000)
    assert.deepEqual(Recorder.samples(rec.last()), report(2000, 0, 0, 0, 0))
    assert.deepEqual(Recorder.stale(rec.last()), [`${series('a')}@2000`, `${series('b')}@2000`])
    assert.equal(loop.health.health, 'down')
    assert.equal(loop.health.lastError, 'server returned HTTP status 500 Internal Server Error')
    // Recovery: no second round of markers, series come back as cached (not added).
    status = 200
    await loop.scrapeOnce(3000)
    assert.deepEqual(Recorder.stale(rec.last()), [])
    assert.deepEqual(Recorder.samples(rec.last()).slice(2), report(3000, 1, 2, 2, 0))
  } finally { status = 200; await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})

test('parse error fails the scrape and rolls the batch back', async () => {
  const { loop, rec, fetcher } = setup()
  try {
    body = 'a 1\nb{ 2\n'
    await loop.scrapeOnce(1000)
    assert.equal(rec.rollbacks, 1)
    assert.deepEqual(Recorder.samples(rec.last()), report(1000, 0, 1, 1, 1))
    assert.equal(loop.health.health, 'down')
    assert.match(loop.health.lastError ?? '', /line 2/)
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})

test('sample_limit: whole scrape fails, counts cover the whole exposition', async () => {
  const { loop, rec, fetcher, registry } = setup({ sample_limit: 2 })
  try {
    body = 'a 1\nb 2\n'
    await loop.scrapeOnce(1000)
    assert.equal(loop.health.health, 'up')
    body = 'a 1\nb 2\nc 3\nd 4\n'
    await loop.scrapeOnce(2000)
    assert.equal(rec.rollbacks, 1)
    assert.equal(loop.health.lastError, 'sample limit exceeded')
    assert.deepEqual(Recorder.samples(rec.last()), report(2000, 0, 4, 4, 0))
    assert.deepEqual(Recorder.stale(rec.last()), [`${series('a')}@2000`, `${series('b')}@2000`])
    const m = await registry.getSingleMetric('prometheus_target_scrapes_exceeded_sample_limit_total')!.get()
    assert.equal(m.values[0].value, 1)
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})

test('honor_labels: conflicts renamed exported_<name>, or exposed values kept', async () => {
  body = 'a{job="exp",instance="i",exported_job="z"} 1\n'
  const off = setup()
  const on = setup({ honor_labels: true })
  try {
    await off.loop.scrapeOnce(1000)
    assert.deepEqual(Recorder.samples(off.rec.last())[0],
      // job is the shorter conflict, so it is renamed first; exported_job is taken, so it
      // becomes exported_exported_job (Prometheus's resolveConflictingExposedLabels).
      `{__name__="a", exported_exported_job="exp", exported_instance="i", exported_job="z", instance="${addr}", job="job1"} 1@1000`)
    await on.loop.scrapeOnce(1000)
    assert.deepEqual(Recorder.samples(on.rec.last())[0], '{__name__="a", exported_job="z", instance="i", job="exp"} 1@1000')
  } finally {
    await off.loop.stop({ writeStaleMarkers: false }); await off.fetcher.close()
    await on.loop.stop({ writeStaleMarkers: false }); await on.fetcher.close()
  }
})

test('metric relabeling drops series and is cached; label limits fail the scrape', async () => {
  let calls = 0
  const dropB = (l: Labels): Labels | undefined => { calls++; return l.some(x => x.name === '__name__' && x.value === 'b') ? undefined : l }
  const { loop, rec, fetcher } = setup({ metric_relabel: dropB })
  const lim = setup({ label_value_length_limit: 3 })
  try {
    body = 'a 1\nb 2\n'
    await loop.scrapeOnce(1000)
    await loop.scrapeOnce(2000)
    assert.equal(calls, 2)
    assert.deepEqual(Recorder.samples(rec.last()), [`${series('a')} 1@2000`, ...report(2000, 1, 2, 1, 0)])

    body = 'a{x="long"} 1\n'
    await lim.loop.scrapeOnce(1000)
    assert.equal(lim.loop.health.lastError,
      'label_value_length_limit exceeded (metric: a, label name: instance, value: "' + addr + '", length: ' + addr.length + ', limit: 3)')
  } finally {
    await loop.stop({ writeStaleMarkers: false }); await fetcher.close()
    await lim.loop.stop({ writeStaleMarkers: false }); await lim.fetcher.close()
  }
})

test('explicit timestamps: honored, and stale only with track_timestamps_staleness', async () => {
  const plain = setup()
  const tracked = setup({ track_timestamps_staleness: true })
  const dishonor = setup({ honor_timestamps: false })
  try {
    body = 'a 1 500\nb 2\n'
    for (const s of [plain, tracked, dishonor]) await s.loop.scrapeOnce(1000)
    assert.equal(Recorder.samples(plain.rec.last())[0], `${series('a')} 1@500`)
    assert.equal(Recorder.samples(dishonor.rec.last())[0], `${series('a')} 1@1000`)
    body = 'c 3\n'
    for (const s of [plain, tracked, dishonor]) await s.loop.scrapeOnce(2000)
    assert.deepEqual(Recorder.stale(plain.rec.last()), [`${series('b')}@2000`])
    assert.deepEqual(Recorder.stale(tracked.rec.last()), [`${series('a')}@2000`, `${series('b')}@2000`])
    assert.deepEqual(Recorder.stale(dishonor.rec.last()), [`${series('a')}@2000`, `${series('b')}@2000`])
  } finally {
    for (const s of [plain, tracked, dishonor]) { await s.loop.stop({ writeStaleMarkers: false }); await s.fetcher.close() }
  }
})

test('stop writes end-of-run markers for series and report series, hand-off writes none', async () => {
  const gone = setup()
  const moved = setup()
  try {
    body = 'a 1\n'
    await gone.loop.scrapeOnce(1000)
    await moved.loop.scrapeOnce(1000)
    const before = Date.now()
    await gone.loop.stop({ writeStaleMarkers: true })
    await moved.loop.stop({ writeStaleMarkers: false })
    assert.equal(gone.rec.batches.length, 2)
    const stale = gone.rec.last()
    assert.ok(stale.every(o => o.kind === 'stale' && o.t >= before))
    assert.deepEqual(stale.map(o => o.kind === 'stale' ? o.series.get('__name__') : '').sort(),
      ['a', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'scrape_series_added', 'up'])
    assert.equal(moved.rec.batches.length, 1)
  } finally { await gone.fetcher.close(); await moved.fetcher.close() }
})

test('a loop that never scraped writes nothing on stop', async () => {
  const { loop, rec, fetcher } = setup()
  loop.start()
  await loop.stop({ writeStaleMarkers: true })
  await fetcher.close()
  assert.equal(rec.batches.length, 0)
})

test('offsets: same key, same slot; slots aligned to the wall clock', () => {
  const cfg = resolveScrapeConfig({ job_name: 'j', scrape_interval: 15_000 })
  const a = newTarget({ __address__: 'h:1', team: 'x', __meta_foo: '1' }, cfg)!
  const b = newTarget({ team: 'x', __address__: 'h:1', __meta_foo: 'different' }, cfg)!
  assert.equal(a.key, b.key)
  assert.equal(scrapeOffset(a.key, 15_000), scrapeOffset(b.key, 15_000))
  assert.equal(scrapeOffset(123_456n, 15_000), 123_456 % 15_000)
  assert.equal(scrapeOffset((1n << 64n) - 1n, 60_000), Number(((1n << 64n) - 1n) % 60_000n))
  assert.equal(nextSlot(100_000, 15_000, 2_000), 107_000)
  assert.equal(nextSlot(107_000, 15_000, 2_000), 122_000)
  assert.equal(nextSlot(106_999, 15_000, 2_000), 107_000)
})

test('timer scrapes at the slot: timestamps are offset + k*interval, nothing after stop', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
  const config = resolveScrapeConfig({ job_name: 'job1', scrape_interval: 15_000, scrape_timeout: 10_000 })
  const target = newTarget({ __address__: 'h:1' }, config)!
  const rec = new Recorder()
  let calls = 0
  const fetcher = { scrape: async () => { calls++; return { body: 'a 1\n', contentType: 'text/plain', bytes: 4 } } }
  const loop = new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor })
  const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await Promise.resolve() }
  loop.start()
  const first = nextSlot(1_000_000, 15_000, loop.offsetMs)
  t.mock.timers.tick(first - 1_000_000 - 1)
  await settle()
  assert.equal(calls, 0)
  t.mock.timers.tick(1)
  await settle()
  assert.equal(calls, 1)
  for (let i = 0; i < 3; i++) { t.mock.timers.tick(15_000); await settle() }
  assert.equal(calls, 4)
  const ts = rec.batches.map(b => b[0].kind === 'sample' ? b[0].t : -1)
  assert.deepEqual(ts, [first, first + 15_000, first + 30_000, first + 45_000])
  await loop.stop({ writeStaleMarkers: false })
  t.mock.timers.tick(60_000)
  await settle()
  assert.equal(calls, 4)
})

test('a real node_exporter body: every sample appended, second scrape all cache hits', async () => {
  const { readFileSync } = await import('node:fs')
  body = readFileSync(new URL('../fixtures/exposition/node_exporter.prom.txt', import.meta.url), 'utf8')
  const { loop, rec, fetcher } = setup()
  try {
    await loop.scrapeOnce(1000)
    const n = rec.last().filter(o => o.kind === 'sample').length - 5
    assert.ok(n > 1000, `samples: ${n}`)
    assert.equal(loop.health.lastError, undefined)
    assert.deepEqual(Recorder.samples(rec.last()).slice(-3), [
      `${series('scrape_samples_scraped')} ${n}@1000`, `${series('scrape_samples_post_metric_relabeling')} ${n}@1000`, `${series('scrape_series_added')} ${n}@1000`,
    ])
    await loop.scrapeOnce(2000)
    assert.equal(Recorder.samples(rec.last()).at(-1), `${series('scrape_series_added')} 0@2000`)
    assert.deepEqual(Recorder.stale(rec.last()), [])
  } finally { await loop.stop({ writeStaleMarkers: false }); await fetcher.close() }
})
