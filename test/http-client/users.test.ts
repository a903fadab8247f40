// The shared HTTP client (src/http-client/) as its three users see it: a scrape, an HTTP
// discovery refresh and a remote-write send, each against real loopback servers (plain HTTP,
// TLS, HTTP/2, a forward proxy). Every behaviour is checked through every user.
import { after, before, describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { HttpScraper } from '../../src/scrape/scraper.js'
import { SdHttpClient } from '../../src/discovery/http-client.js'
import { WriteClient } from '../../src/remotewrite/client.js'
import { USER_AGENT, defaultHttpClientArgs, type HttpClientArgs, type TlsArgs } from '../../src/http-client/index.js'
import { Secret } from '../../src/vm/value.js'
import { VERSION } from '../../src/version.js'
import { tempDir } from '../helpers/proc.js'
import { unavailable } from '../helpers/prereq.js'

interface Seen { method: string, url: string, host: string, headers: IncomingMessage['headers'], httpVersion: string, body: number }
type Outcome = { ok: true } | { ok: false, message: string }
type User = (args: HttpClientArgs, url: string) => Promise<Outcome>

const USERS: Record<string, User> = {
  scrape: async (args, url) => {
    const s = new HttpScraper({ http_client: args })
    try { await s.scrape(url, 3000); return { ok: true } } catch (err) { return { ok: false, message: (err as Error).message } } finally { await s.close() }
  },
  discovery: async (args, url) => {
    const c = new SdHttpClient(args)
    try {
      const r = await c.get(url, { headers: {}, timeoutMs: 3000 })
      return r.status === 200 ? { ok: true } : { ok: false, message: `status ${r.status}` }
    } catch (err) { return { ok: false, message: (err as Error).message } } finally { await c.close() }
  },
  remote_write: async (args, url) => {
    const c = new WriteClient({ url, http: args, remoteTimeoutMs: 3000, retryOnHttp429: false })
    try {
      const r = await c.store(new Uint8Array([1, 2, 3]), 0)
      return r.kind === 'ok' ? { ok: true } : { ok: false, message: r.message }
    } finally { await c.close() }
  },
}

const tls = (over: Partial<TlsArgs>): TlsArgs => ({
  ca_pem: '', ca_file: '', cert_pem: '', cert_file: '', key_pem: undefined, key_file: '', server_name: '', insecure_skip_verify: false, min_version: '', ...over,
})

const seen: Seen[] = []
function handler (req: IncomingMessage, res: { writeHead: (s: number, h?: Record<string, string>) => void, end: (b?: string) => void }): void {
  let body = 0
  req.on('data', (c: Buffer) => { body += c.length })
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', headers: req.headers, httpVersion: req.httpVersion, body })
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/redirect') { res.writeHead(307, { location: '/final' }); res.end(); return }
    if (path === '/elsewhere') { res.writeHead(307, { location: `http://localhost:${plainPort}/final` }); res.end(); return }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end('up 1\n')
  })
}

let plain: Server
let plainPort = 0
let proxy: Server
let proxyPort = 0
let cert: { cert: string, key: string } | undefined
let tls12: Server | undefined
let h2: Http2SecureServer | undefined
const listen = async (s: Server | Http2SecureServer): Promise<number> => {
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  return (s.address() as AddressInfo).port
}

before(async () => {
  plain = createServer(handler)
  plainPort = await listen(plain)
  // A forward proxy that answers itself: the target behind it does not exist, so a success
  // proves the request went through the proxy (as an absolute-URI request, as Go sends it).
  proxy = createServer(handler)
  proxyPort = await listen(proxy)
  try {
    const dir = tempDir('http-client-tls')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' })
    cert = { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') }
    tls12 = createHttpsServer({ ...cert, maxVersion: 'TLSv1.2' }, handler)
    h2 = createSecureServer({ ...cert, allowHTTP1: true }, handler as never)
  } catch { cert = undefined }
})

after(async () => {
  for (const s of [plain, proxy, tls12, h2]) if (s?.listening === true) await new Promise(resolve => s.close(resolve))
})

const needTls = (t: TestContext): boolean => unavailable(t, cert === undefined ? 'openssl not installed' : undefined)
const last = (): Seen => seen[seen.length - 1]

for (const [name, use] of Object.entries(USERS)) {
  describe(`shared HTTP client, used by ${name}`, () => {
    it('sends the one User-Agent, http_headers and basic auth read from its file at each request', async () => {
      const dir = tempDir('http-client-auth')
      const pw = join(dir, 'pw')
      writeFileSync(pw, 'first\n')
      const args = defaultHttpClientArgs({
        basic_auth: { username: 'u', password: undefined, password_file: pw },
        http_headers: { 'X-Team': [new Secret('a'), new Secret('b')] },
      })
      assert.deepEqual(await use(args, `http://127.0.0.1:${plainPort}/metrics`), { ok: true })
      assert.equal(last().headers['user-agent'], `shoal/${VERSION}`)
      assert.equal(USER_AGENT, `shoal/${VERSION}`)
      assert.equal(last().headers['x-team'], 'a, b')
      assert.equal(last().headers.authorization, 'Basic ' + Buffer.from('u:first').toString('base64'))
      writeFileSync(pw, 'rotated\n')
      assert.deepEqual(await use(args, `http://127.0.0.1:${plainPort}/metrics`), { ok: true })
      assert.equal(last().headers.authorization, 'Basic ' + Buffer.from('u:rotated').toString('base64'))
    })

    it('an unreadable credential file fails the request with its name, and nothing is sent', async () => {
      const n = seen.length
      const r = await use(defaultHttpClientArgs({ bearer_token_file: '/nonexistent/token' }), `http://127.0.0.1:${plainPort}/metrics`)
      assert.equal(r.ok, false)
      assert.match((r as { message: string }).message, /unable to read bearer_token_file \/nonexistent\/token/)
      assert.equal(seen.length, n)
    })

    it('follows redirects (keeping method and body on 307) unless follow_redirects = false', async () => {
      assert.deepEqual(await use(defaultHttpClientArgs(), `http://127.0.0.1:${plainPort}/redirect`), { ok: true })
      assert.equal(last().url, '/final')
      assert.equal(last().method, name === 'remote_write' ? 'POST' : 'GET')
      if (name === 'remote_write') assert.equal(last().body, 3)
      const r = await use(defaultHttpClientArgs({ follow_redirects: false }), `http://127.0.0.1:${plainPort}/redirect`)
      assert.equal(r.ok, false)
      assert.equal(last().url, '/redirect')
    })

    it('does not send credentials along a redirect to another host', async () => {
      assert.deepEqual(await use(defaultHttpClientArgs({ bearer_token: new Secret('tok') }), `http://127.0.0.1:${plainPort}/elsewhere`), { ok: true })
      const [first, second] = seen.slice(-2)
      assert.equal(first.headers.authorization, 'Bearer tok')
      assert.equal(second.host, `localhost:${plainPort}`)
      assert.equal(second.headers.authorization, undefined)
    })

    it('goes through proxy_url, and not for a host in no_proxy', async () => {
      const target = 'http://192.0.2.1:9/metrics' // TEST-NET-1: never dialled, the proxy answers
      assert.deepEqual(await use(defaultHttpClientArgs({ proxy_url: `http://127.0.0.1:${proxyPort}` }), target), { ok: true })
      assert.equal(last().url, target)
      assert.equal(last().host, '192.0.2.1:9')
      const direct = await use(defaultHttpClientArgs({ proxy_url: `http://127.0.0.1:${proxyPort}`, no_proxy: '127.0.0.1' }), `http://127.0.0.1:${plainPort}/metrics`)
      assert.deepEqual(direct, { ok: true })
      assert.equal(last().url, '/metrics')
    })

    it('tls_config: verifies with ca_pem, and min_version TLS13 refuses a TLS 1.2 server', async (t) => {
      if (needTls(t)) return
      const port = await listen(tls12!)
      try {
        const url = `https://127.0.0.1:${port}/metrics`
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: tls({ ca_pem: cert!.cert }) }), url), { ok: true })
        const untrusted = await use(defaultHttpClientArgs(), url)
        assert.equal(untrusted.ok, false)
        const tooOld = await use(defaultHttpClientArgs({ tls_config: tls({ ca_pem: cert!.cert, min_version: 'TLS13' }) }), url)
        assert.equal(tooOld.ok, false)
        assert.match((tooOld as { message: string }).message, /version|protocol/i)
      } finally { await new Promise(resolve => tls12!.close(resolve)) }
    })

    it('enable_http2: HTTP/2 where the server offers it, HTTP/1.1 when false', async (t) => {
      if (needTls(t)) return
      const port = await listen(h2!)
      try {
        const url = `https://127.0.0.1:${port}/metrics`
        const tlsArgs = tls({ ca_pem: cert!.cert })
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: tlsArgs }), url), { ok: true })
        assert.equal(last().httpVersion, '2.0')
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: tlsArgs, enable_http2: false }), url), { ok: true })
        assert.equal(last().httpVersion, '1.1')
      } finally { await new Promise(resolve => h2!.close(resolve)) }
    })
  })
}
