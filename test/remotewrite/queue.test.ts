import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import type { QueueConfig } from '../../src/remotewrite/options.js'
import { Series } from '../../src/storage/series.js'
import { makeSeries, metricValue, recordingLog, silentLog, sleep, startReceiver, until, type Receiver, type Responder } from './helpers.js'

const P = 'prometheus_remote_storage_'

function endpoint (rx: Receiver, queue: Partial<QueueConfig>, registry = new Registry(), log = silentLog, extra = {}): RemoteWriteEndpoint {
  const ep = new RemoteWriteEndpoint({
    url: rx.url, name: 'test', remoteTimeoutMs: 5000, sendExemplars: true, sendMetadata: true, queue, ...extra
  }, { registry, log })
  ep.start()
  return ep
}

/** Samples per series label `i`, in arrival order: [timestamp, value, stale]. */
function bySeries (rx: Receiver): Map<string, Array<[number, number, boolean]>> {
  const out = new Map<string, Array<[number, number, boolean]>>()
  for (const r of rx.requests) {
    for (const ts of r.req.timeseries) {
      const key = ts.labels.find(l => l.name === 'i')?.value ?? '?'
      const list = out.get(key) ?? []
      for (const s of ts.samples) list.push([s.timestamp, s.value, s.stale])
      out.set(key, list)
    }
  }
  return out
}

describe('QueueManager via RemoteWriteEndpoint', () => {
  it('delivers every sample, in order per series, across shards and batches', async () => {
    // Random small delays make shards finish out of order.
    const rx = await startReceiver(() => sleep(Math.random() * 5).then(() => ({ status: 200 })))
    const registry = new Registry()
    const ep = endpoint(rx, { minShards: 4, maxShards: 4, maxSamplesPerSend: 37, batchSendDeadlineMs: 20, capacity: 500 }, registry)
    const series = makeSeries(50)
    try {
      for (let scrape = 0; scrape < 20; scrape++) {
        await ep.waitForCapacity()
        const app = ep.appender()
        for (const s of series) {
          if (scrape === 19 && s.id % 2 === 0) app.appendStale(s, 1000 * scrape)
          else app.append(s, 1000 * scrape, scrape * 10 + Number(s.get('i')))
        }
        app.commit()
      }
      await until(() => rx.requests.reduce((n, r) => n + r.req.timeseries.reduce((m, t) => m + t.samples.length, 0), 0) >= 1000)
      // The receiver records a request before answering it; metrics move once the answer arrives.
      await until(() => ep.queue.size === 0)
      const got = bySeries(rx)
      assert.equal(got.size, 50)
      for (const s of series) {
        const i = Number(s.get('i'))
        const want = Array.from({ length: 20 }, (_, k): [number, number, boolean] =>
          k === 19 && s.id % 2 === 0 ? [19000, Number.NaN, true] : [1000 * k, k * 10 + i, false])
        assert.deepEqual(got.get(String(i)), want, `series ${i}`)
      }
      assert.ok(rx.requests.every(r => r.req.timeseries.reduce((m, t) => m + t.samples.length, 0) <= 37))
      assert.equal(await metricValue(registry, P + 'samples_total', { remote_name: 'test' }), 1000)
      assert.equal(await metricValue(registry, P + 'samples_in_total', { remote_name: 'test', url: rx.url }), 1000)
      assert.equal(await metricValue(registry, P + 'shards', { remote_name: 'test' }), 4)
      assert.equal(await metricValue(registry, P + 'queue_highest_sent_timestamp_seconds', { remote_name: 'test' }), 19)
      assert.equal(await metricValue(registry, P + 'samples_pending', { remote_name: 'test' }), 0)
    } finally {
      await ep.stop(1000); await rx.close()
    }
  })

  it('reshards without reordering samples of a series', async () => {
    const rx = await startReceiver(() => sleep(Math.random() * 4).then(() => ({ status: 200 })))
    const registry = new Registry()
    const ep = endpoint(rx, { minShards: 1, maxShards: 8, maxSamplesPerSend: 15, batchSendDeadlineMs: 5 }, registry)
    const series = makeSeries(40)
    try {
      let resharded: Promise<void> | undefined
      for (let t = 0; t < 10; t++) {
        await ep.waitForCapacity()
        const app = ep.appender()
        for (const s of series) app.append(s, t, t)
        app.commit()
        if (t === 3) resharded = ep.queue.reshard(5)
      }
      await resharded
      assert.equal(ep.queue.numShards, 5)
      assert.equal(await metricValue(registry, P + 'shards', { remote_name: 'test' }), 5)
      await until(() => ep.queue.size === 0)
      const got = bySeries(rx)
      for (const s of series) assert.deepEqual(got.get(s.get('i') as string)?.map(x => x[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    } finally {
      await ep.stop(1000); await rx.close()
    }
  })

  it('retries 500 and 429 (honouring Retry-After), drops on 400, and counts each', async () => {
    const replies: Responder = n => [
      { status: 500, body: 'boom' },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 400, body: 'bad labels\ntrace' }
    ][n] ?? { status: 200 }
    const rx = await startReceiver(replies)
    const registry = new Registry()
    const log = recordingLog()
    const ep = endpoint(rx, { maxSamplesPerSend: 10, minBackoffMs: 10, batchSendDeadlineMs: 10 }, registry, log)
    try {
      const app = ep.appender()
      for (const s of makeSeries(10)) app.append(s, 5000, 1)
      app.commit()
      await until(() => rx.requests.length === 3)
      await until(() => ep.queue.size === 0)
      // Identical payload every time; the retry header counts attempts.
      assert.deepEqual(rx.requests.map(r => r.headers['retry-attempt']), [undefined, '1', '2'])
      assert.deepEqual(rx.requests[2].req, rx.requests[0].req)
      assert.ok(rx.requests[1].at - rx.requests[0].at < 900, 'min backoff after the 500')
      assert.ok(rx.requests[2].at - rx.requests[1].at >= 990, 'Retry-After: 1 honoured')
      const l = { remote_name: 'test' }
      assert.equal(await metricValue(registry, P + 'samples_total', l), 30, 'counted per attempt, like Prometheus')
      assert.equal(await metricValue(registry, P + 'samples_retried_total', l), 20)
      assert.equal(await metricValue(registry, P + 'samples_failed_total', l), 10)
      assert.equal(await metricValue(registry, P + 'queue_highest_sent_timestamp_seconds', l), 0)
      const errors = log.lines.filter(x => x.level === 'error')
      assert.deepEqual(errors.map(e => e.fields), [{ failedSampleCount: 10, err: 'server returned HTTP status 400: bad labels' }])
    } finally {
      await ep.stop(1000); await rx.close()
    }
  })

  it('stays bounded under a stalled receiver and applies back-pressure', async () => {
    let release!: () => void
    const released = new Promise<void>(resolve => { release = resolve })
    const rx = await startReceiver(() => released.then(() => ({ status: 200 })))
    const registry = new Registry()
    const ep = endpoint(rx, { capacity: 100, maxSamplesPerSend: 10, batchSendDeadlineMs: 5, minShards: 2, maxShards: 2 }, registry)
    const series = makeSeries(50)
    try {
      const commit = (t: number): void => {
        const app = ep.appender()
        for (const s of series) app.append(s, t, t)
        app.commit()
      }
      commit(1); commit(2); commit(3) // 150: 100 queued, 50 overflow
      let ready = false
      const waiting = ep.waitForCapacity().then(() => { ready = true })
      await sleep(50)
      assert.equal(ep.queue.size, 100, 'queue holds exactly its capacity')
      assert.equal(ready, false, 'back-pressure engaged')
      commit(4); commit(5) // overflow has room for 50 more; 50 are dropped
      assert.equal(await metricValue(registry, P + 'samples_dropped_total', { remote_name: 'test', reason: 'queue_full' }), 50)
      assert.equal(await metricValue(registry, P + 'samples_pending', { remote_name: 'test' }), 100)
      assert.ok(ep.queue.size <= 100)
      release()
      await waiting
      assert.equal(ready, true)
      await until(() => ep.queue.size === 0)
      const got = bySeries(rx)
      // Everything accepted arrives, in order: t=1..4 for every series, none of t=5.
      for (const s of series) assert.deepEqual(got.get(s.get('i') as string)?.map(x => x[0]), [1, 2, 3, 4])
    } finally {
      release(); await ep.stop(1000); await rx.close()
    }
  })

  it('stop() flushes partial batches before returning', async () => {
    const rx = await startReceiver()
    const ep = endpoint(rx, { batchSendDeadlineMs: 60_000, maxSamplesPerSend: 1000 })
    const app = ep.appender()
    const series = makeSeries(30)
    for (const s of series) app.append(s, 7, 1)
    app.commit()
    await sleep(20)
    assert.equal(rx.requests.length, 0, 'deadline not reached yet')
    await ep.stop(2000)
    try {
      assert.equal(bySeries(rx).size, 30)
    } finally { await rx.close() }
  })

  it('stop() gives up after its timeout and counts the rest as dropped', async () => {
    const rx = await startReceiver(() => new Promise(() => {}))
    const registry = new Registry()
    const ep = endpoint(rx, { batchSendDeadlineMs: 5, maxSamplesPerSend: 10 }, registry)
    const app = ep.appender()
    for (const s of makeSeries(25)) app.append(s, 7, 1)
    app.commit()
    await until(() => rx.requests.length === 1)
    const t0 = Date.now()
    await ep.stop(150)
    const took = Date.now() - t0
    try {
      assert.ok(took >= 140 && took < 1000, `took ${took}ms`)
      assert.equal(await metricValue(registry, P + 'samples_dropped_total', { remote_name: 'test', reason: 'shutdown' }), 25)
      assert.equal(ep.queue.size, 0)
    } finally { await rx.close() }
  })

  it('applies transformSeries once per series and sends exemplars and metadata', async () => {
    const rx = await startReceiver()
    const registry = new Registry()
    let calls = 0
    const ep = new RemoteWriteEndpoint({
      url: rx.url, remoteTimeoutMs: 2000, sendExemplars: true, sendMetadata: true, queue: { batchSendDeadlineMs: 5 }
    }, {
      registry,
      log: silentLog,
      transformSeries: s => {
        calls++
        if (s.get('i') === '1') return undefined
        return new Series([...s.labels, { name: 'zone', value: 'eu' }])
      }
    })
    ep.start()
    const series = makeSeries(3, 'req_total')
    try {
      for (let t = 1; t <= 2; t++) {
        const app = ep.appender()
        for (const s of series) app.append(s, t * 1000, t)
        app.appendExemplar(series[0], { labels: [{ name: 'trace_id', value: 'x' }], value: 0.5, timestamp: undefined })
        app.appendMetadata('req', { type: 'counter', help: 'Requests.', unit: '' })
        app.commit()
      }
      await until(() => bySeries(rx).get('2')?.length === 2)
      await until(() => ep.queue.size === 0)
      assert.equal(calls, 3, 'cached per series')
      const got = bySeries(rx)
      assert.equal(got.has('1'), false)
      const ts0 = rx.requests.flatMap(r => r.req.timeseries).filter(t => t.labels.some(l => l.name === 'i' && l.value === '0'))
      assert.deepEqual(ts0[0].labels.map(l => l.name), ['__name__', 'i', 'zone'])
      assert.deepEqual(ts0.flatMap(t => t.exemplars), [
        { labels: [{ name: 'trace_id', value: 'x' }], value: 0.5, timestamp: 1000 },
        { labels: [{ name: 'trace_id', value: 'x' }], value: 0.5, timestamp: 2000 }
      ])
      assert.equal(await metricValue(registry, P + 'samples_dropped_total', { reason: 'dropped_series' }), 2)
      assert.equal(await metricValue(registry, P + 'exemplars_total', {}), 2)
      await ep.sendMetadata()
      const md = rx.requests.at(-1)?.req
      assert.deepEqual(md, { timeseries: [], metadata: [{ type: 'counter', metricFamilyName: 'req', help: 'Requests.', unit: '' }] })
    } finally {
      await ep.stop(1000); await rx.close()
    }
  })
})
