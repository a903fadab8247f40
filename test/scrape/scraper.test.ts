import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync, gzipSync } from 'node:zlib'
import { acceptHeader, gunzipOptions, HttpScraper, ScrapeError } from '../../src/scrape/scraper.js'
import { defaultHttpClientArgs } from '../../src/http-client/index.js'
import { Secret } from '../../src/vm/value.js'

const BODY = 'a_metric{x="1"} 1\nb_metric 2\n'
let server: Server
let base: string
let lastReq: IncomingMessage | undefined
const sockets = new Set<import('node:net').Socket>()

function handler (req: IncomingMessage, res: ServerResponse): void {
  lastReq = req
  const u = new URL(req.url ?? '/', 'http://x')
  switch (u.pathname) {
    case '/metrics':
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.end(BODY)
      return
    case '/gzip':
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.setHeader('content-encoding', 'gzip')
      res.end(gzipSync(BODY.repeat(Number(u.searchParams.get('n') ?? '1'))))
      return
    case '/gzip2':
      // Two gzip members: the trailer's size covers only the second.
      res.setHeader('content-encoding', 'gzip')
      res.end(Buffer.concat([gzipSync(BODY.repeat(200)), gzipSync(BODY)]))
      return
    case '/big':
      res.end('x'.repeat(100_000))
      return
    case '/slow':
      setTimeout(() => { if (!res.destroyed) res.end(BODY) }, 2000).unref()
      return
    case '/slowbody':
      res.write('a 1\n')
      setTimeout(() => { if (!res.destroyed) res.end('b 2\n') }, 2000).unref()
      return
    case '/loop':
      res.statusCode = 302
      res.setHeader('location', '/loop')
      res.end()
      return
    case '/moved':
      res.statusCode = 301
      res.setHeader('location', '/metrics')
      res.end()
      return
    default:
      res.statusCode = 404
      res.end('nope')
  }
}

before(async () => {
  server = createServer(handler)
  server.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(async () => {
  for (const s of sockets) s.destroy()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

async function scrapeErr (p: Promise<unknown>): Promise<ScrapeError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof ScrapeError, String(err))
    return err
  }
  assert.fail('expected the scrape to fail')
}

test('accept header: Alloy defaults and q-values as Prometheus 3 builds them', () => {
  assert.equal(acceptHeader(),
    'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2')
  assert.equal(acceptHeader(['PrometheusText0.0.4']), 'text/plain;version=0.0.4;q=0.6,*/*;q=0.5')
  assert.throws(() => acceptHeader(['PrometheusText2.0.0']), /invalid scrape protocol "PrometheusText2.0.0"/)
  assert.equal(acceptHeader(['PrometheusProto']), 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,*/*;q=0.5')
  // All five, proto first (scrape_native_histograms / enable_protobuf_negotiation).
  assert.equal(acceptHeader(['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']),
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,' +
    'application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1')
})

test('plain scrape sends the Prometheus request headers', async () => {
  const s = new HttpScraper({})
  try {
    const r = await s.scrape(base + '/metrics', 1500)
    assert.equal(r.body.toString(), BODY)
    assert.equal(r.contentType, 'text/plain; version=0.0.4')
    assert.equal(r.bytes, BODY.length)
    assert.equal(lastReq?.headers.accept, acceptHeader())
    assert.equal(lastReq?.headers['accept-encoding'], 'gzip')
    assert.equal(lastReq?.headers['x-prometheus-scrape-timeout-seconds'], '1.5')
    assert.match(lastReq?.headers['user-agent'] ?? '', /^shoal\//)
    assert.equal(lastReq?.headers.authorization, undefined)
  } finally { await s.close() }
})

test('gzip body is decompressed; compression off sends identity', async () => {
  const s = new HttpScraper({})
  const off = new HttpScraper({ enable_compression: false })
  try {
    const r = await s.scrape(base + '/gzip?n=3', 1000)
    assert.equal(r.body.toString(), BODY.repeat(3))
    assert.equal(r.bytes, BODY.length * 3)
    await off.scrape(base + '/metrics', 1000)
    assert.equal(lastReq?.headers['accept-encoding'], 'identity')
  } finally { await s.close(); await off.close() }
})

test('gunzip output chunk is sized from the gzip trailer, capped', () => {
  const text = BODY.repeat(500)
  const gz = gzipSync(text)
  assert.deepEqual(gunzipOptions(gz, 0), { chunkSize: text.length + 1 })
  assert.deepEqual(gunzipOptions(gz, 1000), { maxOutputLength: 1000, chunkSize: 1001 })
  // A trailer claiming 4 GiB from 30 bytes of input: capped by what deflate could produce.
  const lie = Buffer.concat([gzipSync('x').subarray(0, -4), Buffer.from([0xff, 0xff, 0xff, 0xff])])
  assert.deepEqual(gunzipOptions(lie, 0), { chunkSize: lie.length * 1032 + 64 })
  assert.deepEqual(gunzipOptions(Buffer.from('short'), 0), {})
  // Exactly sized output comes back whole and equal.
  assert.equal(gunzipSync(gz, gunzipOptions(gz, 0)).toString('latin1'), text)
  assert.equal(gunzipSync(gz, gunzipOptions(gz, text.length)).length, text.length)
  assert.throws(() => gunzipSync(gz, gunzipOptions(gz, text.length - 1)), { code: 'ERR_BUFFER_TOO_LARGE' })
})

test('multi-member gzip bodies inflate whole although the trailer sizes only the last member', async () => {
  const s = new HttpScraper({})
  try {
    const r = await s.scrape(base + '/gzip2', 1000)
    assert.equal(r.body.toString(), BODY.repeat(201))
    assert.equal(r.bytes, BODY.length * 201)
  } finally { await s.close() }
})

test('body_size_limit applies to the uncompressed stream', async () => {
  const s = new HttpScraper({ body_size_limit: 1000 })
  try {
    const e1 = await scrapeErr(s.scrape(base + '/big', 1000))
    assert.equal(e1.message, 'body size limit exceeded')
    assert.equal(e1.reason, 'body_size_limit')
    // 100 copies compress far below 1000 bytes but expand beyond it.
    const e2 = await scrapeErr(s.scrape(base + '/gzip?n=100', 1000))
    assert.equal(e2.message, 'body size limit exceeded')
    // Under the limit still works.
    assert.equal((await s.scrape(base + '/gzip?n=2', 1000)).body.toString(), BODY.repeat(2))
  } finally { await s.close() }
})

test('timeout covers headers and body', async () => {
  const s = new HttpScraper({})
  try {
    const t0 = Date.now()
    const e = await scrapeErr(s.scrape(base + '/slow', 200))
    assert.ok(Date.now() - t0 < 1500)
    assert.equal(e.reason, 'timeout')
    assert.equal(e.message, `Get "${base}/slow": context deadline exceeded (no complete response within the 200ms scrape timeout)`)
    const e2 = await scrapeErr(s.scrape(base + '/slowbody', 200))
    assert.equal(e2.reason, 'timeout')
  } finally { await s.close() }
})

test('non-200 status', async () => {
  const s = new HttpScraper({})
  try {
    const e = await scrapeErr(s.scrape(base + '/missing', 1000))
    assert.equal(e.message, 'server returned HTTP status 404 Not Found')
  } finally { await s.close() }
})

test('refused port', async () => {
  // Grab a free port and close it again so nothing listens there.
  const tmp = createServer()
  await new Promise<void>(resolve => tmp.listen(0, '127.0.0.1', resolve))
  const port = (tmp.address() as AddressInfo).port
  await new Promise<void>(resolve => tmp.close(() => resolve()))
  const s = new HttpScraper({})
  try {
    const e = await scrapeErr(s.scrape(`http://127.0.0.1:${port}/metrics`, 1000))
    assert.equal(e.message, `Get "http://127.0.0.1:${port}/metrics": dial tcp 127.0.0.1:${port}: connect: connection refused`)
  } finally { await s.close() }
})

test('redirects: followed, loop stops after 10, or not followed', async () => {
  const s = new HttpScraper({})
  const noFollow = new HttpScraper({ http_client: defaultHttpClientArgs({ follow_redirects: false }) })
  try {
    assert.equal((await s.scrape(base + '/moved', 1000)).body.toString(), BODY)
    const e = await scrapeErr(s.scrape(base + '/loop', 1000))
    assert.equal(e.message, `Get "${base}/loop": stopped after 10 redirects`)
    const e2 = await scrapeErr(noFollow.scrape(base + '/moved', 1000))
    assert.equal(e2.message, 'server returned HTTP status 301 Moved Permanently')
  } finally { await s.close(); await noFollow.close() }
})

test('auth headers', async () => {
  const basic = new HttpScraper({ http_client: defaultHttpClientArgs({ basic_auth: { username: 'u', password: new Secret('p'), password_file: '' } }) })
  const bearer = new HttpScraper({ http_client: defaultHttpClientArgs({ bearer_token: new Secret('tok') }) })
  const authz = new HttpScraper({ http_client: defaultHttpClientArgs({ authorization: { type: 'Token', credentials: new Secret('c'), credentials_file: '' } }) })
  try {
    await basic.scrape(base + '/metrics', 1000)
    assert.equal(lastReq?.headers.authorization, 'Basic ' + Buffer.from('u:p').toString('base64'))
    await bearer.scrape(base + '/metrics', 1000)
    assert.equal(lastReq?.headers.authorization, 'Bearer tok')
    await authz.scrape(base + '/metrics', 1000)
    assert.equal(lastReq?.headers.authorization, 'Token c')
  } finally { await basic.close(); await bearer.close(); await authz.close() }
})
