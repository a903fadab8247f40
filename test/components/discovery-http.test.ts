import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { kind, type Args } from '../../src/components/discovery/http.js'
import { Controller } from '../../src/runtime/controller.js'
import { nopLogger } from '../../src/logging/logger.js'
import { Secret } from '../../src/vm/value.js'
import { fakeGlobals as globalsFor } from '../helpers/globals.js'

interface Reply { status?: number, type?: string, body: string }

/** A target-group server whose reply the test changes; records each request's path and headers. */
async function sdServer (reply: Reply): Promise<{ url: string, set (r: Reply): void, requests: Array<{ path: string, headers: IncomingHttpHeaders }>, close (): Promise<void>, server: Server }> {
  let current = reply
  const requests: Array<{ path: string, headers: IncomingHttpHeaders }> = []
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers })
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/sd' }).end()
      return
    }
    res.writeHead(current.status ?? 200, { 'content-type': current.type ?? 'application/json' }).end(current.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/sd`,
    set (r) { current = r },
    requests,
    server,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

function defaults (url: string, over: Partial<Args> = {}): Args {
  return {
    url,
    refresh_interval: 60_000,
    basic_auth: undefined,
    bearer_token: undefined,
    bearer_token_file: '',
    authorization: undefined,
    oauth2: undefined,
    tls_config: undefined,
    proxy_url: '',
    no_proxy: '',
    proxy_from_environment: false,
    proxy_connect_header: {},
    follow_redirects: true,
    enable_http2: true,
    http_headers: {},
    ...over,
  }
}

const fakeGlobals = (registry = new Registry()): ReturnType<typeof globalsFor> => globalsFor('discovery.http.test', registry)

async function until (cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

const groups = JSON.stringify([
  { targets: ['10.0.0.1:9100', '10.0.0.2:9100'], labels: { env: 'prod', __meta_url: 'overridden' } },
  { targets: ['10.0.0.3:9100'] },
  { targets: [], labels: { empty: 'yes' } },
])

test('exports the served target groups with __meta_url and sends the Prometheus headers', async (t) => {
  const srv = await sdServer({ body: groups })
  t.after(() => srv.close())
  const g = fakeGlobals()
  const c = kind.build(g, defaults(srv.url, {
    refresh_interval: 30_000,
    bearer_token: new Secret('s3cret'),
    http_headers: { 'X-Team': [new Secret('a'), new Secret('b')] },
  }))
  assert.deepEqual(g.exports, [{ targets: [] }], 'initial exports before the first refresh')
  assert.equal(c.currentHealth!().state, 'unknown')
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  await until(() => g.exports.length === 2, 'first refresh')
  assert.deepEqual(JSON.parse(JSON.stringify(g.exports[1].targets)), [
    { __address__: '10.0.0.1:9100', env: 'prod', __meta_url: srv.url },
    { __address__: '10.0.0.2:9100', env: 'prod', __meta_url: srv.url },
    { __address__: '10.0.0.3:9100', __meta_url: srv.url },
  ])
  assert.deepEqual(c.currentHealth!().state, 'healthy')
  const h = srv.requests[0].headers
  assert.equal(h['x-prometheus-refresh-interval-seconds'], '30')
  assert.equal(h.accept, 'application/json')
  assert.equal(h.authorization, 'Bearer s3cret')
  assert.equal(h['x-team'], 'a, b')
  assert.match(h['user-agent'] ?? '', /^shoal\//)
  ac.abort()
  await done
  await srv.close()
})

test('a change on the server shows up after the refresh interval; failures keep the last good targets', async (t) => {
  const srv = await sdServer({ body: JSON.stringify([{ targets: ['a:1'] }]) })
  t.after(() => srv.close())
  const registry = new Registry()
  const g = fakeGlobals(registry)
  const c = kind.build(g, defaults(srv.url, { refresh_interval: 200 }))
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  const latest = (): unknown => JSON.parse(JSON.stringify(g.exports.at(-1)!.targets))
  await until(() => g.exports.length === 2, 'first refresh')
  assert.deepEqual(latest(), [{ __address__: 'a:1', __meta_url: srv.url }])
  assert.equal(srv.requests[0].headers['x-prometheus-refresh-interval-seconds'], '0.2')

  srv.set({ body: JSON.stringify([{ targets: ['b:2'], labels: { job: 'x' } }]) })
  const t0 = Date.now()
  await until(() => g.exports.length === 3, 'second refresh')
  assert.ok(Date.now() - t0 >= 100, 'the change waits for the refresh interval')
  assert.deepEqual(latest(), [{ __address__: 'b:2', job: 'x', __meta_url: srv.url }])

  const failureCases: Array<[Reply, string | RegExp]> = [
    [{ status: 500, body: 'boom' }, `refresh of ${srv.url} failed: server returned HTTP status 500 Internal Server Error`],
    [{ type: 'text/plain', body: '[]' }, `refresh of ${srv.url} failed: unsupported content type "text/plain"`],
    [{ body: '[{"targets": ["c:3"]' }, new RegExp(`^refresh of ${srv.url.replace(/[.?]/g, '\\$&')} failed: invalid JSON: `)],
    [{ body: '[null]' }, `refresh of ${srv.url} failed: nil target group item found`],
    [{ body: '[{"targets": ["c:3"], "extra": 1}]' }, `refresh of ${srv.url} failed: target group 0: unknown field "extra"`],
  ]
  for (const [reply, message] of failureCases) {
    srv.set(reply)
    await until(() => c.currentHealth!().state === 'unhealthy', `unhealthy after ${JSON.stringify(reply)}`)
    const m = c.currentHealth!().message
    if (typeof message === 'string') assert.equal(m, message)
    else assert.match(m, message)
    assert.equal(g.exports.length, 3, 'no new exports on failure')
    assert.deepEqual(latest(), [{ __address__: 'b:2', job: 'x', __meta_url: srv.url }])
    // Recover before the next case so each failure is seen on its own.
    srv.set({ body: JSON.stringify([{ targets: ['b:2'], labels: { job: 'x' } }]) })
    await until(() => c.currentHealth!().state === 'healthy', 'recovery')
  }
  const metrics = await registry.getSingleMetricAsString('prometheus_sd_http_failures_total')
  assert.match(metrics, /^prometheus_sd_http_failures_total 5$/m)
  const refreshFailures = await registry.getSingleMetricAsString('prometheus_sd_refresh_failures_total')
  assert.match(refreshFailures, /^prometheus_sd_refresh_failures_total\{mechanism="http",config="discovery.http.test"\} 5$/m)
  assert.equal(g.exports.length, 3, 'recovering with the same list publishes nothing new')

  ac.abort()
  await done
  // Stopped: no more requests after abort.
  const n = srv.requests.length
  await new Promise(r => setTimeout(r, 300))
  assert.equal(srv.requests.length, n)
  await srv.close()
})

test('an unreachable server is unhealthy with a Go-style message', async (t) => {
  const srv = await sdServer({ body: '[]' })
  const url = srv.url
  await srv.close()
  const g = fakeGlobals()
  const c = kind.build(g, defaults(url))
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  await until(() => c.currentHealth!().state === 'unhealthy', 'unhealthy')
  assert.equal(c.currentHealth!().message, `refresh of ${url} failed: Get "${url}": dial tcp ${new URL(url).host}: connect: connection refused`)
  assert.deepEqual(g.exports, [{ targets: [] }])
  ac.abort()
  await done
})

test('update() applies the new url at once; redirects follow unless follow_redirects = false', async (t) => {
  const srv = await sdServer({ body: JSON.stringify([{ targets: ['r:1'] }]) })
  t.after(() => srv.close())
  const g = fakeGlobals()
  const c = kind.build(g, defaults(srv.url))
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  await until(() => g.exports.length === 2, 'first refresh')
  const redirect = srv.url.replace('/sd', '/redirect')
  await c.update(defaults(redirect))
  await until(() => g.exports.length === 3, 'refresh after update')
  assert.deepEqual(JSON.parse(JSON.stringify(g.exports[2].targets)), [{ __address__: 'r:1', __meta_url: redirect }])
  await c.update(defaults(redirect, { follow_redirects: false }))
  await until(() => c.currentHealth!().state === 'unhealthy', 'unhealthy on a redirect')
  assert.equal(c.currentHealth!().message, `refresh of ${redirect} failed: server returned HTTP status 302 Found`)
  assert.deepEqual(srv.requests.map(r => r.path), ['/sd', '/redirect', '/sd', '/redirect'])
  ac.abort()
  await done
  await srv.close()
})

test('validate reports Alloy argument errors', () => {
  assert.deepEqual(kind.validate!(defaults('ftp://x/y')), ["URL scheme must be 'http' or 'https'"])
  assert.deepEqual(kind.validate!(defaults('http://127.0.0.1/sd', { bearer_token: new Secret('a'), bearer_token_file: '/tmp/t' })),
    ['at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured'])
  assert.deepEqual(kind.validate!(defaults('http://127.0.0.1/sd', { http_headers: { Authorization: [new Secret('x')] } })),
    ['setting header "Authorization" is not allowed'])
  assert.deepEqual(kind.validate!(defaults('http://127.0.0.1/sd', { no_proxy: 'localhost' })),
    ['if no_proxy is configured, proxy_url must also be configured'])
  assert.deepEqual(kind.validate!(defaults('http://127.0.0.1/sd')), [])
})

test('runs from config text through the controller', async (t) => {
  // Importing the component module registered the kind.
  const srv = await sdServer({ body: JSON.stringify([{ targets: ['c:9'], labels: { team: 'obs' } }]) })
  t.after(() => srv.close())
  const ctl = new Controller({ storagePath: '/tmp/shoal-test-discovery-http', logger: nopLogger, registry: new Registry() })
  t.after(() => ctl.stop())
  const res = await ctl.load([{ name: 'main.alloy', source: `
discovery.http "sd" {
  url              = "${srv.url}"
  refresh_interval = "250ms"
  basic_auth {
    username = "u"
    password = "p"
  }
}
` }])
  assert.deepEqual(res.diagnostics.filter(d => d.severity === 'error'), [])
  await until(() => (ctl.component('discovery.http.sd')!.exports.targets as unknown[]).length === 1, 'targets through the controller')
  assert.deepEqual(JSON.parse(JSON.stringify(ctl.component('discovery.http.sd')!.exports.targets)), [{ __address__: 'c:9', team: 'obs', __meta_url: srv.url }])
  assert.equal(srv.requests[0].headers.authorization, 'Basic ' + Buffer.from('u:p').toString('base64'))
  assert.equal(srv.requests[0].headers['x-prometheus-refresh-interval-seconds'], '0.25')
  await ctl.stop()
  await srv.close()
})
