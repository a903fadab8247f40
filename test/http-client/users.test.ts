// The shared HTTP client (src/http-client/) as its three users see it: a scrape, an HTTP
// discovery refresh and a remote-write send, each against real loopback servers (plain HTTP,
// TLS, HTTP/2, a forward proxy). Every behaviour is checked through every user.
import { after, before, describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createVerify } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { HttpScraper } from '../../src/scrape/scraper.js'
import { SdHttpClient } from '../../src/discovery/http-client.js'
import { WriteClient } from '../../src/remotewrite/client.js'
import { USER_AGENT, EXPIRY_DELTA_MS, defaultHttpClientArgs, type HttpClientArgs, type OAuth2Args, type TlsArgs } from '../../src/http-client/index.js'
import { Secret } from '../../src/vm/value.js'
import { VERSION } from '../../src/version.js'
import { tempDir } from '../helpers/proc.js'
import { unavailable } from '../helpers/prereq.js'

interface Seen { method: string, url: string, host: string, headers: IncomingMessage['headers'], httpVersion: string, body: number }
type Outcome = { ok: true } | { ok: false, message: string }
/** Sends `times` requests (one after another, `pauseMs` apart) over one client; the first failure or ok. */
type User = (args: HttpClientArgs, url: string, times?: number, pauseMs?: number) => Promise<Outcome>

async function repeat (times: number, pauseMs: number, once: () => Promise<Outcome>): Promise<Outcome> {
  for (let i = 0; i < times; i++) {
    if (i > 0 && pauseMs > 0) await new Promise(resolve => setTimeout(resolve, pauseMs))
    const r = await once()
    if (!r.ok) return r
  }
  return { ok: true }
}

const USERS: Record<string, User> = {
  scrape: async (args, url, times = 1, pauseMs = 0) => {
    const s = new HttpScraper({ http_client: args })
    try {
      return await repeat(times, pauseMs, async () => {
        try { await s.scrape(url, 3000); return { ok: true } } catch (err) { return { ok: false, message: (err as Error).message } }
      })
    } finally { await s.close() }
  },
  discovery: async (args, url, times = 1, pauseMs = 0) => {
    const c = new SdHttpClient(args)
    try {
      return await repeat(times, pauseMs, async () => {
        try {
          const r = await c.get(url, { headers: {}, timeoutMs: 3000 })
          return r.status === 200 ? { ok: true } : { ok: false, message: `status ${r.status}` }
        } catch (err) { return { ok: false, message: (err as Error).message } }
      })
    } finally { await c.close() }
  },
  remote_write: async (args, url, times = 1, pauseMs = 0) => {
    const c = new WriteClient({ url, http: args, remoteTimeoutMs: 3000, retryOnHttp429: false })
    try {
      return await repeat(times, pauseMs, async () => {
        const r = await c.store(new Uint8Array([1, 2, 3]), 0)
        return r.kind === 'ok' ? { ok: true } : { ok: false, message: r.message }
      })
    } finally { await c.close() }
  },
}

const tls = (over: Partial<TlsArgs>): TlsArgs => ({
  ca_pem: '', ca_file: '', cert_pem: '', cert_file: '', key_pem: undefined, key_file: '', server_name: '', insecure_skip_verify: false, min_version: '', ...over,
})

const oauth2 = (over: Partial<OAuth2Args>): OAuth2Args => ({
  client_id: '', client_secret: undefined, client_secret_file: '', token_url: '', scopes: [], endpoint_params: {}, grant_type: 'client_credentials',
  client_certificate_key_id: '', client_certificate_key: undefined, client_certificate_key_file: '', signature_algorithm: 'RS256', iss: '', audience: '', claims: {},
  proxy_url: '', no_proxy: '', proxy_from_environment: false, proxy_connect_header: {}, tls_config: undefined, ...over,
})

// The token endpoint: each request is kept; tokens are numbered, valid for `tokenLifetimeS`.
interface TokenRequest { authorization: string | undefined, form: URLSearchParams }
const tokenRequests: TokenRequest[] = []
let tokenLifetimeS = 3600
/** When true, a Basic header is refused (401) and only credentials in the form are accepted. */
let tokenWantsBody = false
function tokenHandler (req: IncomingMessage, res: { writeHead: (s: number, h?: Record<string, string>) => void, end: (b?: string) => void }): void {
  let body = ''
  req.on('data', (c: Buffer) => { body += c.toString() })
  req.on('end', () => {
    const form = new URLSearchParams(body)
    tokenRequests.push({ authorization: req.headers.authorization, form })
    if (tokenWantsBody && req.headers.authorization !== undefined) { res.writeHead(401, { 'content-type': 'application/json' }); res.end('{"error":"invalid_client"}'); return }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ access_token: `tok-${tokenRequests.length}`, token_type: 'bearer', expires_in: tokenLifetimeS }))
  })
}

// CONNECT requests the proxy tunnelled: target and headers.
const tunnels: Array<{ target: string, headers: IncomingMessage['headers'] }> = []

const seen: Seen[] = []
function handler (req: IncomingMessage, res: { writeHead: (s: number, h?: Record<string, string>) => void, end: (b?: string) => void }): void {
  let body = 0
  req.on('data', (c: Buffer) => { body += c.length })
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', headers: req.headers, httpVersion: req.httpVersion, body })
    const path = new URL(req.url ?? '/', 'http://x').pathname
    // The proxy answers token requests for any host (oauth2 through its proxy_url).
    if (path === '/proxied-token') {
      tokenRequests.push({ authorization: req.headers.authorization, form: new URLSearchParams() })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ access_token: 'via-proxy', token_type: 'Bearer', expires_in: 3600 }))
      return
    }
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
let tokenServer: Server
let tokenPort = 0
let cert: { cert: string, key: string } | undefined
let tls12: Server | undefined
/** Asks for a client certificate signed by `cert`; its own certificate names only shoal.test. */
let mtls: Server | undefined
let serverCert: { cert: string, key: string } | undefined
let certDir = ''
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
  // CONNECT (https through the proxy) is tunnelled to the loopback address asked for.
  proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push({ target: req.url ?? '', headers: req.headers })
    const [, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  proxyPort = await listen(proxy)
  tokenServer = createServer(tokenHandler)
  tokenPort = await listen(tokenServer)
  try {
    const dir = tempDir('http-client-tls')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' })
    cert = { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') }
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=shoal.test',
      '-addext', 'subjectAltName=DNS:shoal.test', '-keyout', join(dir, 'sk.pem'), '-out', join(dir, 'sc.pem')], { stdio: 'ignore' })
    serverCert = { cert: readFileSync(join(dir, 'sc.pem'), 'utf8'), key: readFileSync(join(dir, 'sk.pem'), 'utf8') }
    certDir = dir
    mtls = createHttpsServer({ ...serverCert, ca: [cert.cert], requestCert: true, rejectUnauthorized: true }, handler)
    tls12 = createHttpsServer({ ...cert, maxVersion: 'TLSv1.2' }, handler)
    h2 = createSecureServer({ ...cert, allowHTTP1: true }, handler as never)
  } catch { cert = undefined }
})

after(async () => {
  for (const s of [plain, proxy, tokenServer, tls12, mtls, h2]) if (s?.listening === true) await new Promise(resolve => s.close(resolve))
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

    it('authorization: its type with credentials, or with credentials_file read at each request; bearer_token', async () => {
      const dir = tempDir('http-client-authz')
      const file = join(dir, 'cred')
      writeFileSync(file, 'c1\n')
      const url = `http://127.0.0.1:${plainPort}/metrics`
      assert.deepEqual(await use(defaultHttpClientArgs({ authorization: { type: 'Token', credentials: new Secret('abc'), credentials_file: '' } }), url), { ok: true })
      assert.equal(last().headers.authorization, 'Token abc')
      const fromFile = defaultHttpClientArgs({ authorization: { type: 'Bearer', credentials: undefined, credentials_file: file } })
      assert.deepEqual(await use(fromFile, url), { ok: true })
      assert.equal(last().headers.authorization, 'Bearer c1')
      writeFileSync(file, 'c2\n')
      assert.deepEqual(await use(fromFile, url), { ok: true })
      assert.equal(last().headers.authorization, 'Bearer c2')
      assert.deepEqual(await use(defaultHttpClientArgs({ bearer_token: new Secret('bt') }), url), { ok: true })
      assert.equal(last().headers.authorization, 'Bearer bt')
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

    it('tls_config: client certificate (files or PEM), server_name, insecure_skip_verify', async (t) => {
      if (needTls(t)) return
      const port = await listen(mtls!)
      try {
        const url = `https://127.0.0.1:${port}/metrics`
        const ca = serverCert!.cert
        const files = tls({ ca_pem: ca, cert_file: join(certDir, 'c.pem'), key_file: join(certDir, 'k.pem'), server_name: 'shoal.test' })
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: files }), url), { ok: true })
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: tls({ ca_pem: ca, cert_pem: cert!.cert, key_pem: new Secret(cert!.key), server_name: 'shoal.test' }) }), url), { ok: true })
        // No client certificate: the server refuses the handshake.
        assert.equal((await use(defaultHttpClientArgs({ tls_config: tls({ ca_pem: ca, server_name: 'shoal.test' }) }), url)).ok, false)
        // The certificate names shoal.test, not 127.0.0.1: verification fails without server_name...
        const mismatch = await use(defaultHttpClientArgs({ tls_config: { ...files, server_name: '' } }), url)
        assert.equal(mismatch.ok, false)
        assert.match((mismatch as { message: string }).message, /altnames|hostname|IP/i)
        // ...and is skipped with insecure_skip_verify (the client certificate is still sent).
        assert.deepEqual(await use(defaultHttpClientArgs({ tls_config: { ...files, server_name: '', ca_pem: '', insecure_skip_verify: true } }), url), { ok: true })
      } finally { await new Promise(resolve => mtls!.close(resolve)) }
    })

    it('oauth2 jwt-bearer: an RS256 assertion signed with client_certificate_key_file (RFC 7523), as prometheus/common builds it', async (t) => {
      if (needTls(t)) return
      const n = tokenRequests.length
      const tokenUrl = `http://127.0.0.1:${tokenPort}/token`
      const args = defaultHttpClientArgs({
        oauth2: oauth2({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: 'svc', client_certificate_key_file: join(certDir, 'k.pem'),
          client_certificate_key_id: 'key-1', scopes: ['metrics:write'], token_url: tokenUrl, claims: { tenant: 'blue' },
        }),
      })
      assert.deepEqual(await use(args, `http://127.0.0.1:${plainPort}/metrics`), { ok: true })
      assert.equal(last().headers.authorization, `Bearer tok-${n + 1}`)
      const tr = tokenRequests[n]
      assert.equal(tr.authorization, undefined, 'no client credentials beside the assertion')
      assert.equal(tr.form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      const [h, c, sig] = (tr.form.get('assertion') ?? '').split('.')
      // Verified here with the certificate's public key, not with the code under test.
      assert.ok(createVerify('SHA256').update(`${h}.${c}`).verify(cert!.cert, Buffer.from(sig, 'base64url')), 'signature verifies')
      assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256', typ: 'JWT', kid: 'key-1' })
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString())
      assert.deepEqual({ iss: claims.iss, sub: claims.sub, aud: claims.aud, scope: claims.scope, tenant: claims.tenant }, { iss: 'svc', sub: 'svc', aud: tokenUrl, scope: 'metrics:write', tenant: 'blue' })
      assert.equal(claims.exp - claims.iat, 600)
      assert.match(claims.jti, /^[0-9a-f-]{36}$/)
    })

    it('oauth2: the token endpoint is verified with the block\'s own tls_config', async (t) => {
      if (needTls(t)) return
      const port = await listen(tls12!)
      try {
        const o = { client_id: 'c', client_secret: new Secret('s'), token_url: `https://127.0.0.1:${port}/proxied-token` }
        const url = `http://127.0.0.1:${plainPort}/metrics`
        assert.deepEqual(await use(defaultHttpClientArgs({ oauth2: oauth2({ ...o, tls_config: tls({ ca_pem: cert!.cert }) }) }), url), { ok: true })
        assert.equal(last().headers.authorization, 'Bearer via-proxy')
        // The client block's tls_config is not the token endpoint's.
        const untrusted = await use(defaultHttpClientArgs({ oauth2: oauth2(o), tls_config: tls({ ca_pem: cert!.cert }) }), url)
        assert.equal(untrusted.ok, false)
        assert.match((untrusted as { message: string }).message, /oauth2: cannot fetch token/)
      } finally { await new Promise(resolve => tls12!.close(resolve)) }
    })

    it('oauth2: the token request goes through the block\'s own proxy_url', async () => {
      const n = tokenRequests.length
      const args = defaultHttpClientArgs({ oauth2: oauth2({ client_id: 'c', client_secret: new Secret('s'), token_url: 'http://192.0.2.1:9/proxied-token', proxy_url: `http://127.0.0.1:${proxyPort}` }) })
      assert.deepEqual(await use(args, `http://127.0.0.1:${plainPort}/metrics`), { ok: true })
      assert.equal(tokenRequests.length, n + 1)
      assert.equal(last().headers.authorization, 'Bearer via-proxy')
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

    it('oauth2: a client-credentials token from token_url, cached until it expires, then fetched again', async () => {
      const n = tokenRequests.length
      tokenLifetimeS = 3600
      const args = defaultHttpClientArgs({
        oauth2: oauth2({
          client_id: 'id:1', client_secret: new Secret('s&cret'), scopes: ['read', 'write'],
          token_url: `http://127.0.0.1:${tokenPort}/token`, endpoint_params: { audience: 'metrics' },
        }),
      })
      const url = `http://127.0.0.1:${plainPort}/metrics`
      assert.deepEqual(await use(args, url, 3), { ok: true })
      assert.equal(tokenRequests.length, n + 1, 'one token for three requests')
      const tr = tokenRequests[n]
      assert.equal(tr.authorization, 'Basic ' + Buffer.from('id%3A1:s%26cret').toString('base64'))
      assert.equal(tr.form.get('grant_type'), 'client_credentials')
      assert.equal(tr.form.get('scope'), 'read write')
      assert.equal(tr.form.get('audience'), 'metrics')
      assert.equal(last().headers.authorization, `Bearer tok-${n + 1}`)
      // A token valid for 11 s is used for 1 s (Go's 10 s expiry delta): a pause of 1.1 s
      // between two requests needs a second token.
      tokenLifetimeS = EXPIRY_DELTA_MS / 1000 + 1
      assert.deepEqual(await use(args, url, 2, 1100), { ok: true })
      assert.equal(tokenRequests.length, n + 1 + 2)
      assert.equal(last().headers.authorization, `Bearer tok-${n + 3}`)
      assert.equal(seen[seen.length - 2].headers.authorization, `Bearer tok-${n + 2}`)
      tokenLifetimeS = 3600
    })

    it('oauth2: client_secret_file re-read; credentials in the form when the endpoint refuses a Basic header; a failing endpoint fails the request', async () => {
      const dir = tempDir('http-client-oauth2')
      const file = join(dir, 'secret')
      writeFileSync(file, 'one\n')
      const n = tokenRequests.length
      tokenWantsBody = true
      try {
        const args = defaultHttpClientArgs({ oauth2: oauth2({ client_id: 'c', client_secret_file: file, token_url: `http://127.0.0.1:${tokenPort}/token` }) })
        const url = `http://127.0.0.1:${plainPort}/metrics`
        assert.deepEqual(await use(args, url), { ok: true })
        const form = tokenRequests[tokenRequests.length - 1].form
        assert.equal(form.get('client_id'), 'c')
        assert.equal(form.get('client_secret'), 'one')
        assert.equal(tokenRequests.length, n + 2, 'header refused, then form accepted')
      } finally { tokenWantsBody = false }
      const dead = await use(defaultHttpClientArgs({ oauth2: oauth2({ client_id: 'c', client_secret: new Secret('x'), token_url: `http://127.0.0.1:${plainPort}/nothing-json` }) }), `http://127.0.0.1:${plainPort}/metrics`)
      assert.equal(dead.ok, false)
      assert.match((dead as { message: string }).message, /oauth2/)
    })

    it('proxy_connect_header: an https target is reached through a CONNECT tunnel carrying the headers', async (t) => {
      if (needTls(t)) return
      const port = await listen(tls12!)
      try {
        const n = tunnels.length
        const args = defaultHttpClientArgs({
          proxy_url: `http://127.0.0.1:${proxyPort}`,
          proxy_connect_header: { 'Proxy-Authorization': [new Secret('Basic cHJveHk6cHc=')] },
          tls_config: tls({ ca_pem: cert!.cert }),
        })
        assert.deepEqual(await use(args, `https://127.0.0.1:${port}/metrics`), { ok: true })
        assert.equal(tunnels.length, n + 1)
        assert.equal(tunnels[n].target, `127.0.0.1:${port}`)
        assert.equal(tunnels[n].headers['proxy-authorization'], 'Basic cHJveHk6cHc=')
      } finally { await new Promise(resolve => tls12!.close(resolve)) }
    })

    it('a proxy_url scheme that is neither http nor https fails each request, naming it (Alloy accepts the config too)', async () => {
      const n = seen.length
      const r = await use(defaultHttpClientArgs({ proxy_url: 'localhost:1000' }), `http://127.0.0.1:${plainPort}/metrics`)
      assert.equal(r.ok, false)
      assert.match((r as { message: string }).message, /proxy_url "localhost:1000": unsupported proxy scheme "localhost"/)
      assert.equal(seen.length, n)
    })

    it('proxy_from_environment: HTTP_PROXY and HTTPS_PROXY are used, NO_PROXY is honoured', async () => {
      const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, http_proxy: process.env.http_proxy, https_proxy: process.env.https_proxy, no_proxy: process.env.no_proxy }
      process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`
      process.env.HTTPS_PROXY = `http://127.0.0.1:${proxyPort}`
      process.env.NO_PROXY = 'localhost'
      delete process.env.http_proxy
      delete process.env.https_proxy
      delete process.env.no_proxy
      try {
        const args = defaultHttpClientArgs({ proxy_from_environment: true })
        const target = 'http://192.0.2.1:9/metrics'
        assert.deepEqual(await use(args, target), { ok: true })
        assert.equal(last().url, target)
        assert.deepEqual(await use(args, `http://localhost:${plainPort}/metrics`), { ok: true })
        assert.equal(last().url, '/metrics')
        // https: a CONNECT tunnel through HTTPS_PROXY.
        if (cert !== undefined) {
          const port = await listen(tls12!)
          try {
            const n = tunnels.length
            assert.deepEqual(await use(defaultHttpClientArgs({ proxy_from_environment: true, tls_config: tls({ ca_pem: cert.cert }) }), `https://127.0.0.1:${port}/metrics`), { ok: true })
            assert.equal(tunnels[n]?.target, `127.0.0.1:${port}`)
          } finally { await new Promise(resolve => tls12!.close(resolve)) }
        }
        // Without the option the environment is not looked at (as Alloy): the target is dialled.
        const ignored = await use(defaultHttpClientArgs(), `http://127.0.0.1:1/metrics`)
        assert.equal(ignored.ok, false)
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v
      }
    })
  })
}
