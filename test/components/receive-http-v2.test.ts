// receive_http takes Remote Write 2.0 (Content-Type proto=io.prometheus.write.v2.Request), encoded
// here with protobufjs from the upstream proto, answers with the written-count headers, and
// forwards it intact: to a 2.0 remote_write (decoded with protobufjs, compared field by field:
// created timestamps, metadata, exemplars, histograms) and to a 1.0 one. An unknown proto is a 415.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { Controller } from '../../src/runtime/controller.js'
import { nopLogger } from '../../src/logging/logger.js'
import { loadJsSnappy } from '../../src/remotewrite/snappy.js'
import '../../src/components/index.js'
import { freePort, waitFor } from '../helpers/net.js'
import { tempDir } from '../helpers/proc.js'
import { doubleBits, pbDecode, type PbWriteRequest } from '../remotewrite/proto.js'
import { decodeV2, encodeV2, Request, resolve, type V2 } from '../remotewrite/proto-v2.js'

const CT_V2 = 'application/x-protobuf;proto=io.prometheus.write.v2.Request'
const STALE = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0)

async function receiver (): Promise<{ url: string, v2: Array<{ req: V2, raw: Uint8Array }>, v1: PbWriteRequest[], close: () => void }> {
  const snappy = await loadJsSnappy()
  const v2: Array<{ req: V2, raw: Uint8Array }> = []
  const v1: PbWriteRequest[] = []
  const s = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = snappy.uncompress(Buffer.concat(chunks))
      if (req.headers['content-type'] === CT_V2) {
        const r = decodeV2(raw)
        v2.push({ req: r, raw })
        const count = (k: 'samples' | 'histograms' | 'exemplars'): string => String(r.timeseries.reduce((a, t) => a + t[k].length, 0))
        res.writeHead(204, { 'X-Prometheus-Remote-Write-Samples-Written': count('samples'), 'X-Prometheus-Remote-Write-Histograms-Written': count('histograms'), 'X-Prometheus-Remote-Write-Exemplars-Written': count('exemplars') }).end()
      } else { v1.push(pbDecode(raw)); res.writeHead(204).end() }
    })
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/api/v1/write`, v2, v1, close: () => { s.closeAllConnections(); s.close() } }
}

test('receive_http: a 2.0 request is written (headers say so) and forwarded intact to 2.0 and 1.0 endpoints', async () => {
  const snappy = await loadJsSnappy()
  const out2 = await receiver()
  const out1 = await receiver()
  const port = await freePort()
  const c = new Controller({ storagePath: tempDir('rh-v2'), logger: nopLogger, registry: new Registry() })
  const ep = (name: string, url: string, extra: string): string => `prometheus.remote_write "${name}" {
  endpoint {
    url = "${url}"
    send_native_histograms = true
    ${extra}
    queue_config {
      batch_send_deadline = "50ms"
    }
  }
}
`
  try {
    const res = await c.load([{
      name: 'main.alloy',
      source: `prometheus.receive_http "in" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = ${port}
  }
  forward_to = [prometheus.remote_write.v2.receiver, prometheus.remote_write.v1.receiver]
  accepted_remote_write_protobuf_messages = ["prometheus.WriteRequest", "io.prometheus.write.v2.Request"]
}
` + ep('v2', out2.url, 'protobuf_message = "io.prometheus.write.v2.Request"') + ep('v1', out1.url, ''),
    }])
    assert.equal(res.ok, true, JSON.stringify(res))
    const now = Date.now()
    // Symbols in an order shoal would not choose: the receiver must resolve, not assume.
    const symbols = ['', 'service.name', 'http.server.duration', '__name__', 'api', 'trace_id', 'abc', 'Latency.', 'seconds', 'job', 'reqs_total', 'Requests.']
    const ix = (s: string): number => symbols.indexOf(s)
    const hist = {
      countInt: 6, sum: 9.5, schema: 2, zeroThreshold: 0.001, zeroCountInt: 1,
      negativeSpans: [], negativeDeltas: [], negativeCounts: [],
      positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }], positiveDeltas: [1, 1, 1], positiveCounts: [],
      resetHint: 'RESET_HINT_UNSPECIFIED', timestamp: now, customValues: [], startTimestamp: now - 5000,
    }
    const body = encodeV2({
      symbols,
      timeseries: [
        {
          labelsRefs: [ix('__name__'), ix('reqs_total'), ix('job'), ix('api')],
          samples: [{ value: 5, timestamp: now, startTimestamp: now - 60_000 }, { value: STALE, timestamp: now + 1000 }],
          exemplars: [{ labelsRefs: [ix('trace_id'), ix('abc')], value: 5, timestamp: now - 10 }],
          metadata: { type: 'METRIC_TYPE_COUNTER', helpRef: ix('Requests.'), unitRef: 0 },
        },
        {
          labelsRefs: [ix('__name__'), ix('http.server.duration'), ix('service.name'), ix('api')],
          histograms: [hist],
          metadata: { type: 'METRIC_TYPE_HISTOGRAM', helpRef: ix('Latency.'), unitRef: ix('seconds') },
        },
      ],
    })
    let reply: Response | undefined
    await waitFor('receive_http accepts', async () => {
      reply = await fetch(`http://127.0.0.1:${port}/api/v1/metrics/write`, { method: 'POST', body: snappy.compress(body), headers: { 'Content-Encoding': 'snappy', 'Content-Type': CT_V2, 'X-Prometheus-Remote-Write-Version': '2.0.0' } }).catch(() => undefined)
      return reply?.status === 204 || undefined
    }, 10_000)
    assert.equal(reply!.headers.get('x-prometheus-remote-write-samples-written'), '2')
    assert.equal(reply!.headers.get('x-prometheus-remote-write-histograms-written'), '1')
    assert.equal(reply!.headers.get('x-prometheus-remote-write-exemplars-written'), '1')

    await waitFor('forwarded', async () => (out2.v2.length > 0 && out1.v1.length > 0) || undefined, 10_000)
    const { req, raw } = out2.v2[0]
    const byName = new Map(req.timeseries.map((t, i) => [resolve(req.symbols, t.labelsRefs).__name__, { t, i }]))
    const reqs = byName.get('reqs_total')!.t
    assert.deepEqual(resolve(req.symbols, reqs.labelsRefs), { __name__: 'reqs_total', job: 'api' })
    assert.equal(reqs.samples[0].value, 5)
    assert.equal(reqs.samples[0].startTimestamp, now - 60_000, 'the created timestamp is forwarded')
    assert.equal(reqs.samples[1].startTimestamp, 0)
    assert.equal(reqs.samples[1].timestamp, now + 1000)
    const rawMsg = Request.decode(raw) as unknown as { timeseries: Array<{ samples: Array<{ value: number }> }> }
    assert.equal(doubleBits(rawMsg.timeseries[byName.get('reqs_total')!.i].samples[1].value), '7ff0000000000002', 'the stale marker stays one')
    assert.deepEqual(reqs.exemplars.map(e => ({ labels: resolve(req.symbols, e.labelsRefs), value: e.value, timestamp: e.timestamp })), [{ labels: { trace_id: 'abc' }, value: 5, timestamp: now - 10 }])
    assert.equal(reqs.metadata!.type, 'METRIC_TYPE_COUNTER')
    assert.equal(req.symbols[reqs.metadata!.helpRef], 'Requests.')
    const h = byName.get('http.server.duration')!.t
    assert.deepEqual(resolve(req.symbols, h.labelsRefs), { __name__: 'http.server.duration', 'service.name': 'api' })
    assert.deepEqual({ ...h.histograms[0] }, hist)
    assert.equal(h.metadata!.type, 'METRIC_TYPE_HISTOGRAM')
    assert.equal(req.symbols[h.metadata!.unitRef], 'seconds')
    assert.equal(req.symbols[h.metadata!.helpRef], 'Latency.')

    const v1 = out1.v1.flatMap(r => r.timeseries)
    const r1 = v1.find(t => t.labels.some(l => l.value === 'reqs_total'))!
    assert.deepEqual(r1.labels, [{ name: '__name__', value: 'reqs_total' }, { name: 'job', value: 'api' }])
    assert.equal(r1.samples.length, 2)
    const h1 = v1.find(t => t.labels.some(l => l.value === 'http.server.duration'))!
    assert.equal(h1.histograms![0].countInt, 6)

    const bad = await fetch(`http://127.0.0.1:${port}/api/v1/metrics/write`, { method: 'POST', body: snappy.compress(body), headers: { 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' } })
    assert.equal(bad.status, 415)
  } finally {
    await c.stop()
    out2.close(); out1.close()
  }
})

test('receive_http: 2.0 not in accepted_remote_write_protobuf_messages (the default) is a 415', async () => {
  const port = await freePort()
  const c = new Controller({ storagePath: tempDir('rh-v2-415'), logger: nopLogger, registry: new Registry() })
  try {
    const res = await c.load([{ name: 'main.alloy', source: `prometheus.receive_http "in" {\n  http {\n    listen_address = "127.0.0.1"\n    listen_port    = ${port}\n  }\n  forward_to = []\n}\n` }])
    assert.equal(res.ok, true, JSON.stringify(res))
    let status = 0
    await waitFor('receive_http answers', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/metrics/write`, { method: 'POST', body: new Uint8Array(0), headers: { 'Content-Type': CT_V2 } }).catch(() => undefined)
      status = r?.status ?? 0
      return r !== undefined || undefined
    }, 10_000)
    assert.equal(status, 415)
  } finally {
    await c.stop()
  }
})
