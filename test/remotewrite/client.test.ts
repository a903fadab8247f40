import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRetryAfter, WriteClient } from '../../src/remotewrite/client.js'
import { USER_AGENT, defaultHttpClientArgs } from '../../src/http-client/index.js'
import { SampleBatch } from '../../src/remotewrite/batch.js'
import { WriteRequestEncoder } from '../../src/remotewrite/codec.js'
import { loadJsSnappy } from '../../src/remotewrite/snappy.js'
import { Secret } from '../../src/vm/value.js'
import { makeSeries, startReceiver, type Reply } from './helpers.js'

async function body (): Promise<Uint8Array> {
  const batch = new SampleBatch()
  batch.push(makeSeries(1)[0], 1000, 42, 0)
  return (await loadJsSnappy()).compress(new WriteRequestEncoder().encode(batch))
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')
  for (const [header, want] of [
    [undefined, 0], ['3', 3000], [' 0 ', 0], ['Wed, 01 Jan 2025 00:00:02 GMT', 2000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0], ['soon', 0], ['-5', 0]
  ] as const) {
    it(`${String(header)} -> ${want}ms`, () => assert.equal(parseRetryAfter(header, now), want))
  }
})

describe('WriteClient', () => {
  it('sends the remote-write 1.0 headers, custom headers and basic auth', async () => {
    const rx = await startReceiver()
    const c = new WriteClient({
      url: rx.url + '?tenant=a', remoteTimeoutMs: 2000, retryOnHttp429: true,
      headers: { 'X-Scope-OrgID': 'team-a' }, http: defaultHttpClientArgs({ basic_auth: { username: 'u', password: new Secret('p'), password_file: '' } })
    })
    try {
      assert.deepEqual(await c.store(await body(), 0), { kind: 'ok', status: 204 })
      assert.deepEqual(await c.store(await body(), 2), { kind: 'ok', status: 204 })
      const h = rx.requests[0].headers
      assert.equal(h['content-encoding'], 'snappy')
      assert.equal(h['content-type'], 'application/x-protobuf')
      assert.equal(h['x-prometheus-remote-write-version'], '0.1.0')
      assert.equal(h['user-agent'], USER_AGENT)
      assert.match(USER_AGENT, /^shoal\/\d+\.\d+\.\d+/)
      assert.equal(h['x-scope-orgid'], 'team-a')
      assert.equal(h.authorization, 'Basic ' + Buffer.from('u:p').toString('base64'))
      assert.equal(h['retry-attempt'], undefined)
      assert.equal(rx.requests[1].headers['retry-attempt'], '2')
      assert.deepEqual(rx.requests[0].req.timeseries[0].samples, [{ value: 42, timestamp: 1000, stale: false }])
    } finally {
      await c.close(); await rx.close()
    }
  })

  it('sends bearer tokens and custom authorization types', async () => {
    const rx = await startReceiver()
    const a = new WriteClient({ url: rx.url, remoteTimeoutMs: 2000, retryOnHttp429: true, http: defaultHttpClientArgs({ bearer_token: new Secret('tok') }) })
    const b = new WriteClient({ url: rx.url, remoteTimeoutMs: 2000, retryOnHttp429: true, http: defaultHttpClientArgs({ authorization: { type: 'Token', credentials: new Secret('xyz'), credentials_file: '' } }) })
    try {
      await a.store(await body(), 0)
      await b.store(await body(), 0)
      assert.equal(rx.requests[0].headers.authorization, 'Bearer tok')
      assert.equal(rx.requests[1].headers.authorization, 'Token xyz')
    } finally {
      await a.close(); await b.close(); await rx.close()
    }
  })

  it('classifies responses like Prometheus', async () => {
    const replies: Reply[] = [
      { status: 503, body: 'overloaded\nmore' },
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429 },
      { status: 400, body: 'out of order sample\nsecond line' },
      { status: 200 }
    ]
    const rx = await startReceiver(n => replies[n])
    const retrying = new WriteClient({ url: rx.url, remoteTimeoutMs: 2000, retryOnHttp429: true })
    const strict = new WriteClient({ url: rx.url, remoteTimeoutMs: 2000, retryOnHttp429: false })
    try {
      const b = await body()
      assert.deepEqual(await retrying.store(b, 0), { kind: 'recoverable', status: 503, retryAfterMs: 0, message: 'server returned HTTP status 503: overloaded' })
      assert.deepEqual(await retrying.store(b, 0), { kind: 'recoverable', status: 429, retryAfterMs: 7000, message: 'server returned HTTP status 429: ' })
      assert.deepEqual(await strict.store(b, 0), { kind: 'fatal', status: 429, message: 'server returned HTTP status 429: ' })
      assert.deepEqual(await retrying.store(b, 0), { kind: 'fatal', status: 400, message: 'server returned HTTP status 400: out of order sample' })
      assert.deepEqual(await retrying.store(b, 0), { kind: 'ok', status: 200 })
    } finally {
      await retrying.close(); await strict.close(); await rx.close()
    }
  })

  it('treats network errors and timeouts as recoverable', async () => {
    const rx = await startReceiver(() => new Promise(resolve => setTimeout(() => resolve({ status: 200 }), 500)))
    const slow = new WriteClient({ url: rx.url, remoteTimeoutMs: 50, retryOnHttp429: true })
    const url = rx.url
    try {
      const out = await slow.store(await body(), 0)
      assert.equal(out.kind, 'recoverable')
      assert.match((out as { message: string }).message, /timed out after 50ms/)
    } finally {
      await slow.close(); await rx.close()
    }
    const gone = new WriteClient({ url, remoteTimeoutMs: 1000, retryOnHttp429: true })
    try {
      const out = await gone.store(await body(), 0)
      assert.equal(out.kind, 'recoverable')
      assert.equal((out as { status: unknown }).status, undefined)
    } finally {
      await gone.close()
    }
  })
})
