import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { WriteClient } from '../../src/remotewrite/client.js'
import { defaultHttpClientArgs, type TlsArgs } from '../../src/http-client/index.js'

const tls = (over: Partial<TlsArgs>): TlsArgs => ({
  ca_pem: '', ca_file: '', cert_pem: '', cert_file: '', key_pem: undefined, key_file: '', server_name: '', insecure_skip_verify: false, min_version: '', ...over,
})
import { unavailable } from '../helpers/prereq.js'

function selfSigned (): { cert: string, key: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-rw-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' })
    return { cert: readFileSync(join(dir, 'c.pem'), 'utf8'), key: readFileSync(join(dir, 'k.pem'), 'utf8') }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('WriteClient TLS', () => {
  const pair = selfSigned()
  it('verifies with ca_pem + server_name, skips with insecure_skip_verify, fails without a CA', async (t) => {
    if (unavailable(t, pair === undefined ? 'no openssl' : undefined)) return
    const { cert, key } = pair as { cert: string, key: string }
    const server = createServer({ cert, key }, (req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end() }) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/push`
    const common = { url, remoteTimeoutMs: 3000, retryOnHttp429: true }
    const verified = new WriteClient({ ...common, http: defaultHttpClientArgs({ tls_config: tls({ ca_pem: cert, server_name: 'localhost' }) }) })
    const insecure = new WriteClient({ ...common, http: defaultHttpClientArgs({ tls_config: tls({ insecure_skip_verify: true }) }) })
    const untrusted = new WriteClient(common)
    try {
      assert.deepEqual(await verified.store(new Uint8Array([0]), 0), { kind: 'ok', status: 200 })
      assert.deepEqual(await insecure.store(new Uint8Array([0]), 0), { kind: 'ok', status: 200 })
      const out = await untrusted.store(new Uint8Array([0]), 0)
      assert.equal(out.kind, 'recoverable')
      assert.match((out as { message: string }).message, /certificate/i)
    } finally {
      await verified.close(); await insecure.close(); await untrusted.close()
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  })
})
