// Remote write 2.0: requests shoal sends are decoded with protobufjs from the vendored upstream
// io/prometheus/write/v2/types.proto and compared field by field; the receiver's written-count
// headers make a partial write final; a real Prometheus 2.42 (1.0 only) gets the samples after
// shoal falls back to 1.0, and the fallback is logged once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, FLAG_STALE, SampleBatch } from '../../src/remotewrite/batch.js'
import { WriteRequestV2Encoder } from '../../src/remotewrite/codec-v2.js'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import { loadJsSnappy } from '../../src/remotewrite/snappy.js'
import { Series, type Histogram, type Metadata } from '../../src/storage/series.js'
import { havePrometheus, startPrometheus } from '../helpers/prometheus.js'
import { unavailable } from '../helpers/prereq.js'
import { metricValue, recordingLog } from './helpers.js'
import { doubleBits } from './proto.js'
import { decodeV2, Request, resolve, type V2 } from './proto-v2.js'

const HIST: Histogram = { float: false, schema: 2, zeroThreshold: 0.001, zeroCount: 1, count: 6, sum: 9.5, positiveSpans: [-1, 2, 3, 1], positiveBuckets: [1, 1, 1], negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 0 }
const META: Record<string, Metadata> = {
  http_requests: { type: 'counter', help: 'Requests served.', unit: '' },
  'http.server.duration': { type: 'histogram', help: 'Latency.', unit: 'seconds' },
}

test('encoder: symbols start with "", labels_refs, samples, stale marker, histogram, exemplars and metadata as protobufjs decodes them', () => {
  const counter = new Series([{ name: '__name__', value: 'http_requests_total' }, { name: 'code', value: '200' }, { name: 'job', value: 'api' }])
  const hist = new Series([{ name: '__name__', value: 'http.server.duration' }, { name: 'job', value: 'api' }, { name: 'service.name', value: 'api' }])
  const b = new SampleBatch(8)
  b.push(counter, 1000, 5, 0)
  b.push(counter, 990, 4.5, FLAG_EXEMPLAR, { labels: [{ name: 'trace_id', value: 'abc' }], value: 4.5, timestamp: 990 })
  b.push(counter, 2000, Number.NaN, FLAG_STALE)
  b.push(hist, 1000, Number.NaN, FLAG_HISTOGRAM, HIST)
  b.push(hist, 2000, Number.NaN, FLAG_HISTOGRAM | FLAG_STALE)
  const bytes = new WriteRequestV2Encoder(f => META[f]).encode(b)
  const req = decodeV2(bytes)
  assert.equal(req.symbols[0], '')
  assert.equal(new Set(req.symbols).size, req.symbols.length, 'symbols are de-duplicated')
  assert.equal(req.timeseries.length, 2)
  const [c, h] = req.timeseries
  assert.deepEqual(resolve(req.symbols, c.labelsRefs), { __name__: 'http_requests_total', code: '200', job: 'api' })
  assert.deepEqual(Object.keys(resolve(req.symbols, c.labelsRefs)), ['__name__', 'code', 'job'], 'sorted as the series')
  assert.equal(c.samples.length, 2)
  assert.deepEqual(c.samples[0], { value: 5, timestamp: 1000, startTimestamp: 0 })
  assert.equal(c.samples[1].timestamp, 2000)
  const raw = Request.decode(bytes) as unknown as { timeseries: Array<{ samples: Array<{ value: number }>, histograms: Array<{ sum: number }> }> }
  assert.equal(doubleBits(raw.timeseries[0].samples[1].value), '7ff0000000000002', 'StaleNaN bits')
  assert.equal(c.exemplars.length, 1)
  assert.deepEqual(resolve(req.symbols, c.exemplars[0].labelsRefs), { trace_id: 'abc' })
  assert.equal(c.exemplars[0].value, 4.5)
  assert.equal(c.exemplars[0].timestamp, 990)
  // Metadata of http_requests (the family of http_requests_total).
  assert.equal(c.metadata!.type, 'METRIC_TYPE_COUNTER')
  assert.equal(req.symbols[c.metadata!.helpRef], 'Requests served.')
  assert.equal(c.metadata!.unitRef, 0, 'no unit: the "" symbol')

  assert.deepEqual(resolve(req.symbols, h.labelsRefs), { __name__: 'http.server.duration', job: 'api', 'service.name': 'api' })
  assert.deepEqual(h.samples, [])
  assert.equal(h.histograms.length, 2)
  assert.deepEqual({ ...h.histograms[0] }, {
    countInt: 6, sum: 9.5, schema: 2, zeroThreshold: 0.001, zeroCountInt: 1,
    negativeSpans: [], negativeDeltas: [], negativeCounts: [],
    positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }], positiveDeltas: [1, 1, 1], positiveCounts: [],
    resetHint: 'RESET_HINT_UNSPECIFIED', timestamp: 1000, customValues: [], startTimestamp: 0,
  })
  assert.equal(doubleBits(raw.timeseries[1].histograms[1].sum), '7ff0000000000002')
  assert.equal(h.histograms[1].timestamp, 2000)
  assert.equal(h.metadata!.type, 'METRIC_TYPE_HISTOGRAM')
  assert.equal(req.symbols[h.metadata!.unitRef], 'seconds')
})

interface Got { headers: IncomingHttpHeaders, req: V2 | undefined, raw: Buffer }

/** A receiver that keeps raw bodies; `reply` decides status and headers per request. */
async function rawReceiver (reply: (n: number, g: Got) => { status: number, headers?: Record<string, string> }): Promise<{ url: string, got: Got[], close: () => Promise<void> }> {
  const snappy = await loadJsSnappy()
  const got: Got[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.from(snappy.uncompress(Buffer.concat(chunks)))
      const g: Got = { headers: req.headers, raw, req: String(req.headers['content-type']).includes('v2') ? decodeV2(raw) : undefined }
      got.push(g)
      const r = reply(got.length - 1, g)
      res.writeHead(r.status, r.headers ?? {}); res.end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`, got, close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

async function until (cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) { if (Date.now() > end) throw new Error('timed out'); await new Promise(resolve => setTimeout(resolve, 10)) }
}

function endpoint (url: string, registry: Registry, log = recordingLog()): RemoteWriteEndpoint {
  const ep = new RemoteWriteEndpoint({
    url, name: 'v2', remoteTimeoutMs: 5000, sendExemplars: true, sendMetadata: true, sendNativeHistograms: true,
    protobufMessage: 'io.prometheus.write.v2.Request', queue: { batchSendDeadlineMs: 5, maxShards: 1, minBackoffMs: 5 },
  }, { registry, log })
  ep.start()
  return ep
}

test('sender: 2.0 headers; a partial write (written headers below what was sent) is counted as failed, not resent', async () => {
  const rx = await rawReceiver((_n, g) => {
    const n = g.req!.timeseries.reduce((a, t) => a + t.samples.length, 0)
    return { status: 204, headers: { 'X-Prometheus-Remote-Write-Samples-Written': String(n - 1), 'X-Prometheus-Remote-Write-Histograms-Written': '0', 'X-Prometheus-Remote-Write-Exemplars-Written': '0' } }
  })
  const registry = new Registry()
  const log = recordingLog()
  const ep = endpoint(rx.url, registry, log)
  try {
    const app = ep.appender()
    app.appendMetadata('up', { type: 'gauge', help: 'Up.', unit: '' })
    for (let i = 0; i < 3; i++) app.append(new Series([{ name: '__name__', value: 'up' }, { name: 'i', value: String(i) }]), 1000, 1)
    app.commit()
    await until(() => rx.got.length >= 1)
    await new Promise(resolve => setTimeout(resolve, 200))
    assert.equal(rx.got.length, 1, 'not retried')
    const h = rx.got[0].headers
    assert.equal(h['content-type'], 'application/x-protobuf;proto=io.prometheus.write.v2.Request')
    assert.equal(h['x-prometheus-remote-write-version'], '2.0.0')
    assert.equal(h['content-encoding'], 'snappy')
    assert.equal(rx.got[0].req!.timeseries.length, 3)
    assert.equal(rx.got[0].req!.timeseries[0].metadata!.type, 'METRIC_TYPE_GAUGE')
    assert.equal(await metricValue(registry, 'prometheus_remote_storage_samples_failed_total'), 1)
    assert.ok(log.lines.some(l => l.msg.includes('wrote part')))
  } finally {
    await ep.stop(1000)
    await rx.close()
  }
})

test('sender: a 415 makes it fall back to 1.0 for good, resending the batch, logged once', async () => {
  const rx = await rawReceiver((_n, g) => ({ status: String(g.headers['content-type']).includes('v2') ? 415 : 204 }))
  const registry = new Registry()
  const log = recordingLog()
  const ep = endpoint(rx.url, registry, log)
  try {
    for (let round = 0; round < 2; round++) {
      const app = ep.appender()
      app.append(new Series([{ name: '__name__', value: 'x' }]), 1000 + round, round)
      app.commit()
      await until(() => rx.got.filter(g => g.req === undefined).length === round + 1)
    }
    assert.equal(rx.got.filter(g => g.req !== undefined).length, 1, 'one 2.0 attempt')
    assert.equal(rx.got.at(-1)!.headers['x-prometheus-remote-write-version'], '0.1.0')
    assert.equal(log.lines.filter(l => l.msg.includes('does not accept Remote Write 2.0')).length, 1)
    assert.equal(await metricValue(registry, 'prometheus_remote_storage_samples_failed_total'), 0)
  } finally {
    await ep.stop(1000)
    await rx.close()
  }
})

test('a real Prometheus 2.42 (1.0 only) receives the samples after the fallback', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const prom = await startPrometheus()
  const log = recordingLog()
  const ep = endpoint(prom.writeURL, new Registry(), log)
  try {
    const now = Date.now()
    const app = ep.appender()
    app.append(new Series([{ name: '__name__', value: 'rw2_fallback' }, { name: 'k', value: 'v' }]), now, 42)
    app.commit()
    let got: Array<{ value: [number, string] }> = []
    const end = Date.now() + 15_000
    while (got.length === 0 && Date.now() < end) { got = await prom.query('rw2_fallback'); if (got.length === 0) await new Promise(resolve => setTimeout(resolve, 200)) }
    assert.equal(got.length, 1)
    assert.equal(got[0].value[1], '42')
    const fb = log.lines.filter(l => l.msg.includes('does not accept Remote Write 2.0'))
    assert.equal(fb.length, 1)
    t.diagnostic(`Prometheus 2.42's answer to a 2.0 request: ${String(fb[0].fields?.reason)}`)
  } finally {
    await ep.stop(1000)
    await prom.stop()
  }
})
