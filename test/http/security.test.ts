// Alloy's `http` block on shoal's own server: basic auth with a path filter, and TLS.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:https'
import { Agent } from '../../src/agent.js'
import { createSink } from '../../src/logging/logger.js'
import { tempDir } from '../helpers/proc.js'
import { unavailable } from '../helpers/prereq.js'

function agentFor (config: string): { agent: Agent, dir: string } {
  const dir = tempDir('http-sec')
  writeFileSync(join(dir, 'c.alloy'), config)
  const agent = new Agent({
    configPath: join(dir, 'c.alloy'), listenHost: '127.0.0.1', listenPort: 0, storagePath: join(dir, 'data'),
    stabilityLevel: 'generally-available', uiPathPrefix: '/', sink: createSink('error', 'logfmt', () => {}),
  })
  return { agent, dir }
}

test('basic auth protects the paths the filter names; the password never shows in the API', async () => {
  const { agent } = agentFor(`
http {
  auth {
    basic {
      username = "ops"
      password = "s3cret-pw"
    }
    filter {
      paths                       = ["/metrics"]
      authenticate_matching_paths = false
    }
  }
}
prometheus.exporter.self "me" {}
`)
  await agent.start()
  try {
    const base = `http://127.0.0.1:${agent.http.address!.port}`
    assert.equal((await fetch(`${base}/metrics`)).status, 200, '/metrics is excluded from auth')
    const denied = await fetch(`${base}/api/v0/web/components`)
    assert.equal(denied.status, 401)
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic /)
    const wrong = await fetch(`${base}/api/v0/web/components`, { headers: { Authorization: 'Basic ' + Buffer.from('ops:nope').toString('base64') } })
    assert.equal(wrong.status, 401)
    const ok = await fetch(`${base}/api/v0/web/components`, { headers: { Authorization: 'Basic ' + Buffer.from('ops:s3cret-pw').toString('base64') } })
    assert.equal(ok.status, 200)
    assert.ok(!(await ok.text()).includes('s3cret-pw'))
  } finally {
    await agent.stop()
  }
})

test("validate reports http tls mistakes in the user's keys", async () => {
  const { agent } = agentFor('http {\n  tls {\n    cert_file = "/nonexistent.pem"\n  }\n}\n')
  await assert.rejects(agent.start(), /key_pem or key_file is required/)
  await agent.stop()
})

test('tls serves the configured certificate', async (t) => {
  if (unavailable(t, existsSync('/usr/bin/openssl') ? undefined : 'openssl not installed')) return
  const dir = tempDir('tls')
  execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  const { agent } = agentFor(`http {\n  tls {\n    cert_file = "${join(dir, 'cert.pem')}"\n    key_file  = "${join(dir, 'key.pem')}"\n  }\n}\n`)
  await agent.start()
  try {
    const ca = readFileSync(join(dir, 'cert.pem'))
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: agent.http.address!.port, path: '/-/ready', ca }, res => {
        let b = ''
        res.on('data', (c: Buffer) => { b += c.toString() })
        res.on('end', () => resolve(b))
      }).on('error', reject).end()
    })
    assert.equal(body, 'shoal is ready.\n')
    // Plain HTTP to the TLS port does not get the API.
    await assert.rejects(fetch(`http://127.0.0.1:${agent.http.address!.port}/-/ready`).then(r => { if (r.status < 400) throw new Error('plain http served') ; throw new Error('rejected') }))
  } finally {
    await agent.stop()
  }
})
