// prometheus.receive_http: accepts remote-write requests (encoded here from the upstream proto
// with protobufjs), keeps idle keep-alive connections for server_idle_timeout, and on stop lets
// an in-flight request finish within graceful_shutdown_timeout.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import snappy from 'snappyjs'
import '../../src/components/index.js'
import { lookupKind } from '../../src/runtime/registry.js'
import type { ComponentKind } from '../../src/runtime/component.js'
import { fakeGlobals } from '../helpers/globals.js'
import { freePort, waitFor } from '../helpers/net.js'
import { pbEncode } from '../remotewrite/proto.js'
import { Recorder } from '../scrape/recorder.js'

const body = Buffer.from(snappy.compress(pbEncode({
  timeseries: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 1000 }], exemplars: [] }],
  metadata: [],
})))

async function start (idle: number, graceful: number): Promise<{ port: number, rec: Recorder, stop: () => Promise<void> }> {
  const kind = lookupKind('prometheus.receive_http') as ComponentKind
  const port = await freePort()
  const rec = new Recorder()
  const http = { listen_address: '127.0.0.1', listen_port: port, server_read_timeout: 30_000, server_write_timeout: 30_000, server_idle_timeout: idle, conn_limit: 0, graceful_shutdown_timeout: graceful }
  const c = kind.build(fakeGlobals('prometheus.receive_http.t'), { http, forward_to: [rec], max_request_size: 1 << 20 })
  const ctl = new AbortController()
  const running = c.run(ctl.signal)
  await waitFor('listening', () => (c.currentHealth?.().state === 'healthy') || undefined, 5000, 20)
  return { port, rec, stop: async () => { ctl.abort(); await running } }
}

function post (port: number, parts: Buffer[], gapMs = 0): Promise<{ status: number, keepAlive: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/metrics/write', headers: { 'Content-Length': String(parts.reduce((n, p) => n + p.length, 0)), 'Content-Encoding': 'snappy' } }, res => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, keepAlive: String(res.headers['keep-alive']) }))
    })
    req.on('error', reject)
    req.write(parts[0])
    setTimeout(() => { for (const p of parts.slice(1)) req.write(p); req.end() }, gapMs)
  })
}

test('a remote-write request is forwarded; idle connections are kept for server_idle_timeout', async () => {
  const r = await start(7000, 1000)
  try {
    const res = await post(r.port, [body])
    assert.equal(res.status, 204)
    assert.equal(res.keepAlive, 'timeout=7')
    const samples = r.rec.batches.flat().filter(o => o.kind === 'sample')
    assert.deepEqual(samples.map(o => [o.series.get('__name__'), o.t, o.v]), [['up', 1000, 1]])
  } finally { await r.stop() }
})

test('stop lets a request in flight finish within graceful_shutdown_timeout', async () => {
  const r = await start(7000, 5000)
  // Half the body now, the rest after the component was told to stop.
  const half = body.length >> 1
  const pending = post(r.port, [body.subarray(0, half), body.subarray(half)], 300)
  await new Promise(resolve => setTimeout(resolve, 100))
  const stopped = r.stop()
  const res = await pending
  await stopped
  assert.equal(res.status, 204)
  assert.equal(r.rec.batches.flat().filter(o => o.kind === 'sample').length, 1)
})
