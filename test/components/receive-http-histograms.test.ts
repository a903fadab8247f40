// prometheus.receive_http forwards native histograms intact: a remote-write 1.0 request encoded
// with protobufjs (prompb Histogram) goes in, prometheus.remote_write sends it on, and what a
// receiver gets, decoded with protobufjs again, holds the same histograms and stale marker. An
// endpoint without send_native_histograms gets the float samples only, as Prometheus does.
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
import { doubleBits, pbDecode, pbEncode, type PbWriteRequest } from '../remotewrite/proto.js'

async function rawReceiver (): Promise<{ url: string, got: PbWriteRequest[], close: () => void }> {
  const snappy = await loadJsSnappy()
  const got: PbWriteRequest[] = []
  const s = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => { got.push(pbDecode(snappy.uncompress(Buffer.concat(chunks)))); res.writeHead(204).end() })
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/api/v1/write`, got, close: () => { s.closeAllConnections(); s.close() } }
}

const STALE = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0) // Prometheus's StaleNaN bits

test('receive_http → remote_write: native histograms arrive as they were sent; without send_native_histograms they are dropped', async () => {
  const snappy = await loadJsSnappy()
  const withH = await rawReceiver()
  const without = await rawReceiver()
  const port = await freePort()
  const c = new Controller({ storagePath: tempDir('rh-hist'), logger: nopLogger, registry: new Registry() })
  try {
    const res = await c.load([{
      name: 'main.alloy',
      source: `
prometheus.receive_http "in" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = ${port}
  }
  forward_to = [prometheus.remote_write.out.receiver, prometheus.remote_write.plain.receiver]
}
prometheus.remote_write "out" {
  endpoint {
    url                    = "${withH.url}"
    send_native_histograms = true
    metadata_config {
      send = false
    }
    queue_config {
      batch_send_deadline = "100ms"
    }
  }
}
prometheus.remote_write "plain" {
  endpoint {
    url = "${without.url}"
    metadata_config {
      send = false
    }
    queue_config {
      batch_send_deadline = "100ms"
    }
  }
}
`,
    }])
    assert.equal(res.ok, true, JSON.stringify(res))
    const now = Date.now()
    const hist = {
      countInt: 19, sum: 12.5, schema: 3, zeroThreshold: 0.001, zeroCountInt: 2,
      negativeSpans: [{ offset: 0, length: 2 }], negativeDeltas: [2, -1], negativeCounts: [],
      positiveSpans: [{ offset: -2, length: 3 }, { offset: 4, length: 2 }], positiveDeltas: [1, 2, -1, 3, -2], positiveCounts: [],
      resetHint: 'UNKNOWN', timestamp: now, customValues: [],
    }
    const fhist = {
      countFloat: 7.75, sum: -3, schema: -53, zeroThreshold: 0, zeroCountFloat: 0,
      negativeSpans: [], negativeDeltas: [], negativeCounts: [], positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [], positiveCounts: [3, 4.75],
      resetHint: 'GAUGE', timestamp: now, customValues: [0.5],
    }
    const body = pbEncode({
      timeseries: [
        { labels: [{ name: '__name__', value: 'rpc' }, { name: 'm', value: 'get' }], samples: [], exemplars: [], histograms: [hist, { ...hist, countInt: 0, sum: STALE, schema: 0, zeroThreshold: 0, zeroCountInt: 0, negativeSpans: [], negativeDeltas: [], positiveSpans: [], positiveDeltas: [], timestamp: now + 1000 }] },
        { labels: [{ name: '__name__', value: 'fill' }], samples: [], exemplars: [], histograms: [fhist] },
        { labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: now }], exemplars: [] },
      ],
      metadata: [],
    })
    // The receiver may need a moment to bind.
    await waitFor('receive_http accepts', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/metrics/write`, { method: 'POST', body: snappy.compress(body), headers: { 'Content-Encoding': 'snappy' } }).catch(() => undefined)
      return r?.status === 204 || undefined
    }, 10_000)
    await waitFor('forwarded', async () => (withH.got.length > 0 && without.got.length > 0) || undefined, 10_000)
    const series = withH.got.flatMap(r => r.timeseries)
    const rpc = series.find(s => s.labels.some(l => l.value === 'rpc'))!
    assert.deepEqual({ ...rpc.histograms![0] }, hist)
    assert.equal(rpc.histograms![1].timestamp, now + 1000)
    assert.equal(rpc.histograms!.length, 2)
    assert.equal(doubleBits(rpc.histograms![1].sum), '7ff0000000000002', 'the stale marker stays a stale marker')
    const fill = series.find(s => s.labels.some(l => l.value === 'fill'))!
    assert.deepEqual({ ...fill.histograms![0] }, fhist)
    const plain = without.got.flatMap(r => r.timeseries)
    assert.deepEqual(plain.map(s => s.labels[0].value), ['up'])
    assert.ok(plain.every(s => (s.histograms ?? []).length === 0))
  } finally {
    await c.stop()
    withH.close(); without.close()
  }
})
