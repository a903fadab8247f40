import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import type { ScrapeConfig } from '../../src/scrape/config.js'
import { ScrapePool } from '../../src/scrape/pool.js'
import { targetKey } from '../../src/scrape/target.js'
import { hex64 } from '../../src/scrape/hash.js'
import { Recorder } from './recorder.js'

let server: Server
let a1: string
let a2: string

before(async () => {
  server = createServer((_req, res) => { res.setHeader('content-type', 'text/plain'); res.end('m 1\n') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  a1 = `127.0.0.1:${port}`
  a2 = `localhost:${port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

const cfg: ScrapeConfig = { job_name: 'pool', scrape_interval: 60_000, scrape_timeout: 5_000 }

function staleNames (rec: Recorder): string[] {
  return rec.batches.flat().filter(o => o.kind === 'stale').map(o => `${o.series.get('__name__')}/${o.series.get('instance')}`).sort()
}

test('sync starts, stops with markers, hands off without; debug info', async () => {
  const rec = new Recorder()
  const registry = new Registry()
  const pool = new ScrapePool(cfg, { appendable: rec, registry })
  try {
    const t1 = { __address__: a1 }
    const t2 = { __address__: a2, team: 'b' }
    await pool.sync([t1, t2, { ...t1 }, { __address__: 'bad/addr' }])
    assert.deepEqual(pool.targetCounts(), { local: 2, remote: 0, failed: 1 })
    await pool.loop(targetKey(t1))!.scrapeOnce(1000)
    await pool.loop(targetKey(t2))!.scrapeOnce(1000)

    const info = pool.debugInfo()
    assert.equal(info.length, 3)
    assert.deepEqual(info[0], {
      job: 'pool', url: '', health: 'down', labels: {}, discovered_labels: { __address__: 'bad/addr' },
      last_error: '"bad/addr" is not a valid hostname', last_scrape: '', last_scrape_duration: '0s', samples: 0,
    })
    const i1 = info.find(i => i.url === `http://${a1}/metrics`)!
    assert.equal(i1.health, 'up')
    assert.deepEqual(i1.labels, { instance: a1, job: 'pool' })
    assert.deepEqual(i1.discovered_labels, { __address__: a1, __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '1m', __scrape_timeout__: '5s', job: 'pool' })
    assert.equal(i1.last_error, '')
    assert.equal(i1.samples, 1)
    assert.equal(i1.series, 1)
    assert.match(i1.last_scrape, /^\d{4}-\d\d-\d\dT/)
    assert.match(i1.last_scrape_duration, /^[\d.]+(ms|µs|s)$/)
    const gauge = await registry.getSingleMetric('prometheus_target_scrape_pool_targets')!.get()
    assert.deepEqual(gauge.values.map(v => [v.labels.scrape_job, v.value]), [['pool', 2]])

    // t2 moves to a peer: no markers; t1 leaves discovery: markers.
    await pool.setOwnership(key => key !== targetKey(t2))
    assert.deepEqual(pool.targetCounts(), { local: 1, remote: 1, failed: 1 })
    assert.deepEqual(staleNames(rec), [])
    // The peer's target is shown as it would be scraped: its real URL and labels, health unknown here.
    assert.deepEqual(pool.remoteTargets(), [{
      key: targetKey(t2),
      info: {
        job: 'pool', url: `http://${a2}/metrics`, health: 'unknown', labels: { instance: a2, job: 'pool', team: 'b' },
        discovered_labels: { __address__: a2, __metrics_path__: '/metrics', __scheme__: 'http', __scrape_interval__: '1m', __scrape_timeout__: '5s', job: 'pool', team: 'b' },
        last_error: '', last_scrape: '', last_scrape_duration: '0s', samples: 0, key: hex64(targetKey(t2)),
      },
    }])
    assert.equal(pool.debugInfo().filter(i => i.url === `http://${a2}/metrics`).length, 0)
    await pool.sync([t2])
    assert.deepEqual(pool.targetCounts(), { local: 0, remote: 1, failed: 0 })
    assert.deepEqual(staleNames(rec), [
      `m/${a1}`, `scrape_duration_seconds/${a1}`, `scrape_samples_post_metric_relabeling/${a1}`,
      `scrape_samples_scraped/${a1}`, `scrape_series_added/${a1}`, `up/${a1}`,
    ])
    // Back to us: a loop starts again.
    await pool.setOwnership(() => true)
    assert.deepEqual(pool.targetCounts(), { local: 1, remote: 0, failed: 0 })
  } finally { await pool.stop() }
})

test('update: no-op keeps loops; timeout change keeps cache; honor_labels change drops it', async () => {
  const rec = new Recorder()
  const pool = new ScrapePool(cfg, { appendable: rec, registry: new Registry() })
  try {
    const t = { __address__: a1 }
    await pool.sync([t])
    const l0 = pool.loop(targetKey(t))!
    await l0.scrapeOnce(1000)
    await pool.update({ ...cfg })
    assert.equal(pool.loop(targetKey(t)), l0)

    await pool.update({ ...cfg, scrape_timeout: 4_000 })
    const l1 = pool.loop(targetKey(t))!
    assert.notEqual(l1, l0)
    assert.equal(l1.cache, l0.cache)
    assert.equal(l1.target.timeoutMs, 4_000)
    assert.deepEqual(staleNames(rec), [])
    await l1.scrapeOnce(2000)
    // The series continues: not "added" again.
    assert.deepEqual(Recorder.samples(rec.last()).filter(s => s.includes('scrape_series_added')), [`{__name__="scrape_series_added", instance="${a1}", job="pool"} 0@2000`])

    await pool.update({ ...cfg, scrape_timeout: 4_000, honor_labels: true })
    const l2 = pool.loop(targetKey(t))!
    assert.notEqual(l2.cache, l1.cache)
    assert.ok(staleNames(rec).includes(`m/${a1}`))
  } finally { await pool.stop() }
})

test('target_limit fails every scrape with the reason', async () => {
  const pool = new ScrapePool({ ...cfg, target_limit: 1 }, { appendable: new Recorder(), registry: new Registry() })
  try {
    const t1 = { __address__: a1 }
    await pool.sync([t1, { __address__: a2 }])
    const l = pool.loop(targetKey(t1))!
    await l.scrapeOnce(1000)
    assert.equal(l.health.lastError, 'target_limit exceeded (number of targets: 2, limit: 1)')
    await pool.sync([t1])
    await l.scrapeOnce(2000)
    assert.equal(l.health.health, 'up')
  } finally { await pool.stop() }
})
