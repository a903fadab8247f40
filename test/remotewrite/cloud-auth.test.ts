// remote_write's cloud authentication: AWS SigV4 (the signer against AWS's published SigV4
// test suite, then real requests checked by a verifier written here), Azure AD (managed
// identity through an IMDS-style endpoint and OAuth client credentials, both run by the test),
// and metadata_config.max_samples_per_send.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { signV4, sigV4Authorizer, resolveAwsCredentials, azureAdAuthorizer, type AzureAdArgs } from '../../src/http-client/index.js'
import { WriteClient } from '../../src/remotewrite/client.js'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import { Controller } from '../../src/runtime/controller.js'
import { Secret } from '../../src/vm/value.js'
import '../../src/components/index.js'
import { nopLogger } from '../../src/logging/logger.js'
import { Series, type Appendable } from '../../src/storage/series.js'
import type { Capsule } from '../../src/vm/value.js'
import { tempDir } from '../helpers/proc.js'
import { silentLog, startReceiver, until } from './helpers.js'

// AWS's SigV4 test suite (aws-sig-v4-test-suite): its credentials, time, region and service,
// and per case the request and the Authorization header AWS publishes for it.
const SUITE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', now: new Date('2015-08-30T12:36:00Z'), region: 'us-east-1', service: 'service' }
const STS_TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=='
interface Vector { name: string, method: string, path: string, headers?: Record<string, string>, body?: string, token?: string, signedHeaders: string, signature: string }
const VECTORS: Vector[] = [
  { name: 'get-vanilla', method: 'GET', path: '/', signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'post-vanilla', method: 'POST', path: '/', signedHeaders: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'get-vanilla-query-order-key-case', method: 'GET', path: '/?Param2=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  { name: 'get-vanilla-query-order-key', method: 'GET', path: '/?Param1=value2&Param1=Value1', signedHeaders: 'host;x-amz-date', signature: 'eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1' },
  { name: 'get-vanilla-query-order-value', method: 'GET', path: '/?Param1=value2&Param1=value1', signedHeaders: 'host;x-amz-date', signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694' },
  { name: 'get-vanilla-query-unreserved', method: 'GET', path: '/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signedHeaders: 'host;x-amz-date', signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197' },
  { name: 'get-vanilla-utf8-query', method: 'GET', path: '/?ሴ=bar', signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  { name: 'get-unreserved', method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signedHeaders: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  { name: 'get-utf8', method: 'GET', path: '/ሴ', signedHeaders: 'host;x-amz-date', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'normalize-path/get-space', method: 'GET', path: '/example space/', signedHeaders: 'host;x-amz-date', signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741' },
  { name: 'normalize-path/get-relative', method: 'GET', path: '/example/..', signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'get-header-value-trim', method: 'GET', path: '/', headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' }, signedHeaders: 'host;my-header1;my-header2;x-amz-date', signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736' },
  { name: 'get-header-key-duplicate', method: 'GET', path: '/', headers: { 'My-Header1': 'value2,value2,value1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea' },
  { name: 'post-header-key-sort', method: 'POST', path: '/', headers: { 'My-Header1': 'value1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
  { name: 'post-header-value-case', method: 'POST', path: '/', headers: { 'My-Header1': 'VALUE1' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  { name: 'post-x-www-form-urlencoded', method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1', signedHeaders: 'content-type;host;x-amz-date', signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a' },
  { name: 'post-x-www-form-urlencoded-parameters', method: 'POST', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf8' }, body: 'Param1=value1', signedHeaders: 'content-type;host;x-amz-date', signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe' },
  { name: 'post-sts-token/post-sts-header-before', method: 'POST', path: '/', token: STS_TOKEN, signedHeaders: 'host;x-amz-date;x-amz-security-token', signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead' },
]

describe('sigv4: AWS SigV4 test suite', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const signed = signV4({
        method: v.method,
        url: 'https://example.amazonaws.com' + v.path,
        headers: { Host: 'example.amazonaws.com', ...v.headers },
        body: v.body,
        region: SUITE.region,
        service: SUITE.service,
        credentials: { accessKeyId: SUITE.accessKeyId, secretAccessKey: SUITE.secretAccessKey, ...(v.token !== undefined ? { sessionToken: v.token } : {}) },
        now: SUITE.now,
        escapePathTwice: false,
      })
      assert.equal(signed.headers.authorization,
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`)
      assert.equal(signed.headers['x-amz-date'], '20150830T123600Z')
    })
  }
})

// --- A receiver that keeps each request whole, and a SigV4 verifier independent of src/. ---

interface Raw { method: string, url: string, headers: IncomingHttpHeaders, body: Buffer }
let server: Server
let base = ''
const raws: Raw[] = []
// Token endpoints: requests seen, and what they answer.
interface TokenSeen { method: string, url: string, headers: IncomingHttpHeaders, body: string }
const tokenSeen: TokenSeen[] = []
let tokenExpiresInS = 3600
const stsSeen: Array<{ raw: Raw, form: URLSearchParams }> = []
const metaSeen: Array<{ method: string, url: string, headers: IncomingHttpHeaders }> = []

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const path = req.url ?? ''
      const creds = (id: string): string => JSON.stringify({ Code: 'Success', AccessKeyId: id, SecretAccessKey: `${id}-secret`, Token: `${id}-token`, Expiration: new Date(Date.now() + 3600_000).toISOString() })
      // ECS container credentials (with its authorization token) and EC2 IMDSv2.
      if (path === '/ecs-creds') {
        metaSeen.push({ method: req.method ?? '', url: path, headers: req.headers })
        if (req.headers.authorization !== 'ecs-auth') { res.writeHead(401); res.end(); return }
        res.writeHead(200, { 'content-type': 'application/json' }); res.end(creds('ASIAECS')); return
      }
      if (path.startsWith('/latest/')) {
        metaSeen.push({ method: req.method ?? '', url: path, headers: req.headers })
        if (path === '/latest/api/token' && req.method === 'PUT') { res.writeHead(200); res.end('imds-token'); return }
        if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') { res.writeHead(401); res.end(); return }
        if (path === '/latest/meta-data/iam/security-credentials/') { res.writeHead(200); res.end('node-role\n'); return }
        if (path === '/latest/meta-data/iam/security-credentials/node-role') { res.writeHead(200); res.end(creds('ASIAEC2')); return }
        res.writeHead(404); res.end(); return
      }
      if (path.startsWith('/sts') && new URLSearchParams(body.toString()).get('Action') === 'AssumeRoleWithWebIdentity') {
        const form = new URLSearchParams(body.toString())
        stsSeen.push({ raw: { method: req.method ?? '', url: path, headers: req.headers, body }, form })
        const ok = form.get('WebIdentityToken') === 'eks-jwt' && req.headers.authorization === undefined
        res.writeHead(ok ? 200 : 400, { 'content-type': 'text/xml' })
        res.end(ok ? `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><SessionToken>web-token</SessionToken><SecretAccessKey>web-secret</SecretAccessKey><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration><AccessKeyId>ASIAWEB</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>` : '<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>no</Message></Error></ErrorResponse>')
        return
      }
      if ((req.url ?? '').startsWith('/sts')) {
        // STS AssumeRole: the request must be signed (service sts) with the base credentials.
        const raw = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
        stsSeen.push({ raw, form: new URLSearchParams(body.toString()) })
        let ok = true
        try { verifySigV4(raw, 'base-secret') } catch { ok = false }
        if (!ok) { res.writeHead(403, { 'content-type': 'text/xml' }); res.end('<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad &amp; wrong</Message></Error></ErrorResponse>'); return }
        res.writeHead(200, { 'content-type': 'text/xml' })
        res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE${stsSeen.length}</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken><Expiration>${new Date(Date.now() + 900_000).toISOString()}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`)
        return
      }
      if ((req.url ?? '').includes('/oauth2/')) {
        tokenSeen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString() })
        const n = tokenSeen.length
        res.writeHead(200, { 'content-type': 'application/json' })
        // IMDS answers expires_on (epoch seconds, as a string); Entra ID answers expires_in.
        const imds = (req.url ?? '').startsWith('/metadata/')
        res.end(JSON.stringify(imds
          ? { access_token: `az-${n}`, token_type: 'Bearer', expires_on: String(Math.floor(Date.now() / 1000) + tokenExpiresInS), resource: 'x' }
          : { access_token: `az-${n}`, token_type: 'Bearer', expires_in: tokenExpiresInS }))
        return
      }
      raws.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      res.writeHead(204)
      res.end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })

/** Recomputes the signature of a received request from what arrived (path here needs no escaping). */
function verifySigV4 (r: Raw, secret: string): { region: string, service: string, accessKey: string, signed: string[] } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(r.headers.authorization))
  assert.ok(m, `authorization header: ${String(r.headers.authorization)}`)
  const [, accessKey, day, region, service, signedHeaders, signature] = m
  const names = signedHeaders.split(';')
  const canonHeaders = names.map(n => `${n}:${String(r.headers[n]).trim()}\n`).join('')
  const [path, query = ''] = r.url.split('?')
  const canon = [r.method, path, query, canonHeaders, signedHeaders, createHash('sha256').update(r.body).digest('hex')].join('\n')
  const date = String(r.headers['x-amz-date'])
  const sts = ['AWS4-HMAC-SHA256', date, `${day}/${region}/${service}/aws4_request`, createHash('sha256').update(canon).digest('hex')].join('\n')
  let key: Buffer = createHmac('sha256', 'AWS4' + secret).update(day).digest()
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest()
  assert.equal(createHmac('sha256', key).update(sts).digest('hex'), signature, 'signature verifies')
  assert.ok(Math.abs(Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) < 60_000, 'x-amz-date is now')
  return { region, service, accessKey, signed: names }
}

const sigv4 = (over: Partial<{ region: string, access_key: string, secret_key: Secret, profile: string, role_arn: string }>) => ({ region: '', access_key: '', secret_key: undefined, profile: '', role_arn: '', ...over })

describe('sigv4 on remote-write requests', () => {
  it('signs a remote-write POST (service aps) with the block\'s keys; the verifier accepts it', async () => {
    const c = new WriteClient({ url: `${base}/workspaces/ws-1/api/v1/remote_write`, remoteTimeoutMs: 3000, retryOnHttp429: false, headers: { 'X-Scope': 'a' }, authorize: sigV4Authorizer(sigv4({ region: 'eu-west-1', access_key: 'AKIDSHOAL', secret_key: new Secret('shoal-secret') })) })
    try {
      assert.deepEqual(await c.store(new Uint8Array([1, 2, 3, 4]), 0), { kind: 'ok', status: 204 })
    } finally { await c.close() }
    const r = raws[raws.length - 1]
    const v = verifySigV4(r, 'shoal-secret')
    assert.deepEqual([v.accessKey, v.region, v.service], ['AKIDSHOAL', 'eu-west-1', 'aps'])
    for (const h of ['host', 'content-length', 'content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'x-scope', 'x-amz-date']) assert.ok(v.signed.includes(h), `${h} signed`)
    assert.equal(v.signed.includes('user-agent'), false)
  })

  it('a wrong secret does not verify (the verifier can fail)', async () => {
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: sigV4Authorizer(sigv4({ region: 'eu-west-1', access_key: 'A', secret_key: new Secret('right') })) })
    try { await c.store(new Uint8Array([9]), 0) } finally { await c.close() }
    assert.throws(() => verifySigV4(raws[raws.length - 1], 'wrong'), /signature verifies/)
  })

  it('credentials and region from the AWS environment variables, with a session token', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'session-tok', AWS_REGION: 'ap-south-1', HOME: tempDir('aws-home') }
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: sigV4Authorizer(sigv4({}), { env }) })
    try { assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok') } finally { await c.close() }
    const r = raws[raws.length - 1]
    const v = verifySigV4(r, 'env-secret')
    assert.deepEqual([v.accessKey, v.region], ['AKIDENV', 'ap-south-1'])
    assert.equal(r.headers['x-amz-security-token'], 'session-tok')
    assert.ok(v.signed.includes('x-amz-security-token'))
  })

  it('role_arn: temporary credentials from STS AssumeRole (signed with the base keys), kept for the next requests', async () => {
    const n = stsSeen.length
    const env = { AWS_ENDPOINT_URL_STS: `${base}/sts`, HOME: tempDir('aws-home') }
    const args = sigv4({ region: 'eu-west-1', access_key: 'AKIDBASE', secret_key: new Secret('base-secret'), role_arn: 'arn:aws:iam::123456789012:role/writer' })
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: sigV4Authorizer(args, { env }) })
    try {
      for (let i = 0; i < 2; i++) assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok')
    } finally { await c.close() }
    assert.equal(stsSeen.length, n + 1, 'one AssumeRole for two requests')
    const sts = stsSeen[n]
    assert.equal(sts.form.get('Action'), 'AssumeRole')
    assert.equal(sts.form.get('RoleArn'), 'arn:aws:iam::123456789012:role/writer')
    assert.equal(sts.form.get('DurationSeconds'), '900')
    const sv = verifySigV4(sts.raw, 'base-secret')
    assert.deepEqual([sv.accessKey, sv.region, sv.service], ['AKIDBASE', 'eu-west-1', 'sts'])
    const r = raws[raws.length - 1]
    const v = verifySigV4(r, 'role-secret')
    assert.equal(v.accessKey, `ASIAROLE${n + 1}`)
    assert.equal(r.headers['x-amz-security-token'], 'role-token')
    // STS refusing the base keys: the send fails with STS's code and message.
    const bad = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: sigV4Authorizer({ ...args, secret_key: new Secret('wrong') }, { env }) })
    try {
      const out = await bad.store(new Uint8Array([1]), 0)
      assert.equal(out.kind, 'recoverable')
      assert.match((out as { message: string }).message, /AssumeRole arn:aws:iam::123456789012:role\/writer: SignatureDoesNotMatch: bad & wrong/)
    } finally { await bad.close() }
  })

  it('without keys: web identity (AssumeRoleWithWebIdentity), then the ECS container endpoint, then the EC2 instance role (IMDSv2)', async () => {
    const home = tempDir('aws-home')
    const tokenFile = join(home, 'token')
    writeFileSync(tokenFile, 'eks-jwt\n')
    const common = { HOME: home, AWS_REGION: 'us-east-2', AWS_ENDPOINT_URL_STS: `${base}/sts`, AWS_EC2_METADATA_SERVICE_ENDPOINT: base }
    const web = await resolveAwsCredentials(sigv4({}), { env: { ...common, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::1:role/irsa' } })
    assert.deepEqual(web.credentials, { accessKeyId: 'ASIAWEB', secretAccessKey: 'web-secret', sessionToken: 'web-token' })
    assert.ok(web.expiresAt !== undefined && web.expiresAt > Date.now())
    assert.equal(stsSeen[stsSeen.length - 1].form.get('RoleArn'), 'arn:aws:iam::1:role/irsa')
    const ecs = await resolveAwsCredentials(sigv4({}), { env: { ...common, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/ecs-creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ecs-auth' } })
    assert.deepEqual(ecs.credentials, { accessKeyId: 'ASIAECS', secretAccessKey: 'ASIAECS-secret', sessionToken: 'ASIAECS-token' })
    const n = metaSeen.length
    const ec2 = await resolveAwsCredentials(sigv4({}), { env: common })
    assert.deepEqual(ec2.credentials, { accessKeyId: 'ASIAEC2', secretAccessKey: 'ASIAEC2-secret', sessionToken: 'ASIAEC2-token' })
    assert.deepEqual(metaSeen.slice(n).map(m => `${m.method} ${m.url}`), ['PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/', 'GET /latest/meta-data/iam/security-credentials/node-role'])
    assert.equal(metaSeen[n].headers['x-aws-ec2-metadata-token-ttl-seconds'], '21600')
    // And a request signed with the instance role's credentials carries its session token.
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: sigV4Authorizer(sigv4({}), { env: common }) })
    try { assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok') } finally { await c.close() }
    const v = verifySigV4(raws[raws.length - 1], 'ASIAEC2-secret')
    assert.equal(v.accessKey, 'ASIAEC2')
    assert.equal(raws[raws.length - 1].headers['x-amz-security-token'], 'ASIAEC2-token')
  })

  it('a named profile from the shared credentials and config files; no credentials is a clear error', async () => {
    const home = tempDir('aws-home')
    const creds = join(home, 'credentials')
    const conf = join(home, 'config')
    writeFileSync(creds, '[default]\naws_access_key_id = D\naws_secret_access_key = d\n\n[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n')
    writeFileSync(conf, '[profile team]\nregion = us-west-2\n')
    const env = { AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: conf, AWS_ACCESS_KEY_ID: 'IGNORED', AWS_SECRET_ACCESS_KEY: 'ignored', HOME: home }
    const got = await resolveAwsCredentials(sigv4({ profile: 'team' }), { env })
    assert.deepEqual(got, { credentials: { accessKeyId: 'AKIDTEAM', secretAccessKey: 'team-secret' }, region: 'us-west-2' })
    await assert.rejects(resolveAwsCredentials(sigv4({ region: 'x' }), { env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true' } }), /no AWS credentials/)
    await assert.rejects(resolveAwsCredentials(sigv4({ access_key: 'a', secret_key: new Secret('b') }), { env: { HOME: home } }), /region not configured/)
  })
})

describe('azuread on remote-write requests', () => {
  const MI = '00000000-0000-0000-0000-0000000000a1'
  const az = (over: Partial<AzureAdArgs>): AzureAdArgs => ({ cloud: 'AzurePublic', ...over })

  it('managed_identity: a token from the IMDS endpoint (Metadata header, resource, client_id), cached, fetched again near expiry', async () => {
    const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: base }
    const n = tokenSeen.length
    tokenExpiresInS = 3600
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: azureAdAuthorizer(az({ managed_identity: { client_id: MI } }), { env }) })
    try {
      for (let i = 0; i < 3; i++) assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok')
      assert.equal(tokenSeen.length, n + 1, 'one token for three requests')
      const t = tokenSeen[n]
      assert.equal(t.method, 'GET')
      assert.equal(t.headers.metadata, 'true')
      const q = new URL(t.url, base).searchParams
      assert.equal(new URL(t.url, base).pathname, '/metadata/identity/oauth2/token')
      assert.equal(q.get('resource'), 'https://monitor.azure.com')
      assert.equal(q.get('client_id'), MI)
      assert.equal(raws[raws.length - 1].headers.authorization, `Bearer az-${n + 1}`)
    } finally { await c.close() }
    // A token within the 5-minute refresh margin is fetched again at the next request.
    tokenExpiresInS = 5 * 60 + 1
    const c2 = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: azureAdAuthorizer(az({ managed_identity: { client_id: MI } }), { env }) })
    try {
      assert.equal((await c2.store(new Uint8Array([1]), 0)).kind, 'ok')
      await new Promise(resolve => setTimeout(resolve, 1100))
      assert.equal((await c2.store(new Uint8Array([1]), 0)).kind, 'ok')
      assert.equal(tokenSeen.length, n + 3)
      assert.equal(raws[raws.length - 1].headers.authorization, `Bearer az-${n + 3}`)
    } finally { await c2.close(); tokenExpiresInS = 3600 }
  })

  it('oauth: client credentials at {authority}/{tenant}/oauth2/v2.0/token with the cloud\'s scope', async () => {
    const n = tokenSeen.length
    const env = { AZURE_AUTHORITY_HOST: base + '/' }
    const args = az({ cloud: 'AzureChina', oauth: { client_id: '00000000-0000-0000-0000-0000000000b2', client_secret: new Secret('az-secret'), tenant_id: 'contoso.onmicrosoft.com' } })
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: azureAdAuthorizer(args, { env }) })
    try { assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok') } finally { await c.close() }
    const t = tokenSeen[n]
    assert.equal(t.method, 'POST')
    assert.equal(t.url, '/contoso.onmicrosoft.com/oauth2/v2.0/token')
    const form = new URLSearchParams(t.body)
    assert.deepEqual(Object.fromEntries(form), { grant_type: 'client_credentials', client_id: '00000000-0000-0000-0000-0000000000b2', client_secret: 'az-secret', scope: 'https://monitor.azure.cn//.default' })
    assert.equal(raws[raws.length - 1].headers.authorization, `Bearer az-${n + 1}`)
  })

  it('sdk: the environment credential (AZURE_CLIENT_ID/SECRET/TENANT_ID), tenant_id winning', async () => {
    const n = tokenSeen.length
    const env = { AZURE_AUTHORITY_HOST: base, AZURE_CLIENT_ID: 'cid', AZURE_CLIENT_SECRET: 'cs', AZURE_TENANT_ID: 'env-tenant' }
    const c = new WriteClient({ url: `${base}/w`, remoteTimeoutMs: 3000, retryOnHttp429: false, authorize: azureAdAuthorizer(az({ cloud: 'AzureGovernment', sdk: { tenant_id: 'block-tenant' } }), { env }) })
    try { assert.equal((await c.store(new Uint8Array([1]), 0)).kind, 'ok') } finally { await c.close() }
    assert.equal(tokenSeen[n].url, '/block-tenant/oauth2/v2.0/token')
    assert.equal(new URLSearchParams(tokenSeen[n].body).get('scope'), 'https://monitor.azure.us//.default')
  })
})

describe('prometheus.remote_write: the sigv4, azuread and metadata_config blocks in a config', () => {
  const check = (inner: string): string[] => Controller.check([{ name: 'c.alloy', source: `prometheus.remote_write "rw" {\n  endpoint {\n    url = "http://127.0.0.1:9/api/v1/write"\n    ${inner}\n  }\n}\n` }])
    .filter(d => d.severity === 'error').map(d => d.message)

  it('accepts what Alloy accepts and refuses what it refuses, in its words', () => {
    assert.deepEqual(check('sigv4 {\n      region = "eu-west-1"\n      access_key = "a"\n      secret_key = "b"\n    }'), [])
    assert.deepEqual(check('sigv4 {\n      profile = "team"\n    }'), [])
    assert.deepEqual(check('azuread {\n      managed_identity {\n        client_id = "00000000-0000-0000-0000-0000000000a1"\n      }\n    }'), [])
    assert.deepEqual(check('azuread {\n      cloud = "AzureChina"\n      oauth {\n        client_id = "00000000-0000-0000-0000-0000000000b2"\n        client_secret = "s"\n        tenant_id = "t"\n      }\n    }'), [])
    assert.deepEqual(check('metadata_config {\n      send_interval = "30s"\n      max_samples_per_send = 500\n    }'), [])
    assert.match(check('sigv4 {\n      access_key = "a"\n    }').join(), /must provide an AWS SigV4 access key and secret key/)
    assert.deepEqual(check('sigv4 {\n      region = "us-east-1"\n      access_key = "a"\n      secret_key = "b"\n      profile = "p"\n      role_arn = "arn:aws:iam::1:role/x"\n    }'), [])
    assert.match(check('sigv4 {}\n    bearer_token = "x"').join(), /at most one of sigv4, azuread, basic_auth, oauth2, bearer_token & bearer_token_file must be configured/)
    assert.match(check('azuread {\n    }').join(), /must provide an Azure Managed Identity, Azure OAuth or Azure SDK in the Azure AD config/)
    assert.match(check('azuread {\n      managed_identity {\n        client_id = "nope"\n      }\n    }').join(), /the provided Azure Managed Identity client_id is invalid/)
  })
})

describe('prometheus.remote_write running with sigv4 and azuread', () => {
  const run = async (t: { after (fn: () => Promise<void> | void): void }, auth: string): Promise<void> => {
    const c = new Controller({ storagePath: join(tempDir('rw-cloud-auth'), 'data'), logger: nopLogger, registry: new Registry() })
    t.after(() => c.stop())
    const r = await c.load([{ name: 'main.alloy', source: `prometheus.remote_write "rw" {\n  endpoint {\n    url = "${base}/api/v1/write"\n    queue_config {\n      batch_send_deadline = "20ms"\n    }\n    ${auth}\n  }\n}\n` }])
    assert.deepEqual(r.diagnostics.filter(d => d.severity === 'error'), [])
    const receiver = (c.component('prometheus.remote_write.rw')!.exports.receiver as Capsule<Appendable>).value
    const app = receiver.appender()
    app.append(new Series([{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }]), Date.now(), 1)
    app.commit()
  }

  it('a config\'s sigv4 block signs what the endpoint sends', async t => {
    const n = raws.length
    await run(t, 'sigv4 {\n      region = "eu-central-1"\n      access_key = "AKIDCONF"\n      secret_key = "conf-secret"\n    }')
    await until(() => raws.slice(n).some(r => r.url === '/api/v1/write'))
    const v = verifySigV4(raws.slice(n).find(r => r.url === '/api/v1/write')!, 'conf-secret')
    assert.deepEqual([v.accessKey, v.region, v.service], ['AKIDCONF', 'eu-central-1', 'aps'])
  })

  it('a config\'s azuread block (managed identity, IMDS host from the environment) authorises what the endpoint sends', async t => {
    const saved = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST
    process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = base
    t.after(() => { if (saved === undefined) delete process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST; else process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = saved })
    const n = raws.length
    const tn = tokenSeen.length
    await run(t, 'azuread {\n      cloud = "AzureGovernment"\n      managed_identity {\n        client_id = "00000000-0000-0000-0000-0000000000c3"\n      }\n    }')
    await until(() => raws.slice(n).some(r => r.url === '/api/v1/write'))
    assert.equal(raws.slice(n).find(r => r.url === '/api/v1/write')!.headers.authorization, `Bearer az-${tn + 1}`)
    assert.equal(new URL(tokenSeen[tn].url, base).searchParams.get('resource'), 'https://monitor.azure.us')
  })
})

describe('metadata_config', () => {
  it('max_samples_per_send bounds the metadata entries of one request', async () => {
    const rx = await startReceiver()
    const ep = new RemoteWriteEndpoint({ url: rx.url, remoteTimeoutMs: 3000, sendExemplars: true, sendMetadata: true, metadataMaxPerSend: 2, queue: { batchSendDeadlineMs: 5 } }, { registry: new Registry(), log: silentLog })
    ep.start()
    try {
      const app = ep.appender()
      for (const f of ['a', 'b', 'c', 'd', 'e']) app.appendMetadata(f, { type: 'gauge', help: `help ${f}`, unit: f === 'c' ? 'seconds' : '' })
      app.commit()
      await ep.sendMetadata()
      await until(() => rx.requests.filter(r => r.req.metadata.length > 0).length === 3)
      const md = rx.requests.filter(r => r.req.metadata.length > 0).map(r => r.req.metadata.map(m => m.metricFamilyName))
      assert.deepEqual(md, [['a', 'b'], ['c', 'd'], ['e']])
      assert.equal(rx.requests.flatMap(r => r.req.metadata).find(m => m.metricFamilyName === 'c')?.unit, 'seconds')
    } finally { await ep.stop(1000); await rx.close() }
  })
})
