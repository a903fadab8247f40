// import.http against a real local HTTP server: the module is fetched with the client block
// (basic auth here), polled, and a changed body reloads what uses it; a failed poll keeps the
// last module; a first fetch that fails is a load error naming the URL.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import '../../src/components/index.js'
import { Controller } from '../../src/runtime/controller.js'
import { nopLogger } from '../../src/logging/logger.js'

const mathModule = (n: number): string => `declare "add" {\n  argument "a" { }\n  export "sum" { value = argument.a.value + ${n} }\n}\n`

const errors = (diags: Array<{ severity: string, file: string, span: { start: { line: number } }, message: string }>): string[] =>
  diags.filter(d => d.severity === 'error').map(d => `${d.file}:${d.span.start.line}: ${d.message}`)

test('import.http: polls a module over HTTP with the client block; changes reload, failures keep the last module', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-import-http-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let body = mathModule(1)
  let status = 200
  const seen: Array<{ method: string, url: string, headers: IncomingHttpHeaders, body: string }> = []
  const server = createServer((req, res) => {
    let got = ''
    req.on('data', (c: Buffer) => { got += c.toString() })
    req.on('end', () => answer(req, res, got))
  })
  const answer = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, got: string): void => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: got })
    if (req.headers.authorization !== 'Basic ' + Buffer.from('mod:pw').toString('base64')) { res.writeHead(401); res.end(); return }
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(status === 200 ? body : 'nope')
  }
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/modules/math.alloy`
  const main = (password: string): string => `import.http "math" {
  url            = "${url}"
  method         = "POST"
  headers        = { "X-Fleet" = "blue" }
  poll_frequency = "100ms"
  poll_timeout   = "5s"
  body           = "which=math"
  client {
    basic_auth {
      username = "mod"
      password = "${password}"
    }
  }
}
math.add "x" { a = 10 }
`
  const c = new Controller({ storagePath: join(dir, 'data'), logger: nopLogger, registry: new Registry() })
  t.after(() => c.stop())
  const r1 = await c.load([{ name: 'main.alloy', source: main('pw') }])
  assert.deepEqual(errors(r1.diagnostics), [])
  assert.equal(c.component('math.add.x')!.exports.sum, 11)
  assert.equal(seen[0].method, 'POST')
  assert.equal(seen[0].url, '/modules/math.alloy')
  assert.equal(seen[0].headers['x-fleet'], 'blue')
  assert.equal(seen[0].body, 'which=math')

  const waitFor = async (want: number): Promise<void> => {
    const end = Date.now() + 10_000
    while (c.component('math.add.x')!.exports.sum !== want && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 25))
    assert.equal(c.component('math.add.x')!.exports.sum, want)
  }
  // The served module changes: the next poll reloads the instance.
  body = mathModule(2)
  await waitFor(12)
  // A failing server: polls go on, the last module stays.
  status = 500
  const n = seen.length
  const end = Date.now() + 5000
  while (seen.length < n + 3 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 25))
  assert.ok(seen.length >= n + 3, 'still polling')
  assert.equal(c.component('math.add.x')!.exports.sum, 12)
  status = 200
  body = mathModule(3)
  await waitFor(13)

  // A wrong password: the first fetch fails, and the load says why, naming the URL.
  const bad = new Controller({ storagePath: join(dir, 'data2'), logger: nopLogger, registry: new Registry() })
  t.after(() => bad.stop())
  const r2 = await bad.load([{ name: 'main.alloy', source: main('wrong') }])
  assert.equal(r2.ok, false)
  assert.match(errors(r2.diagnostics).join('\n'), new RegExp(`failed to fetch module from ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: unexpected status code 401`))
})

test('import.http: validated as Alloy validates it', () => {
  const check = (src: string): string[] => Controller.check([{ name: 'main.alloy', source: src }]).filter(d => d.severity === 'error').map(d => d.message)
  assert.deepEqual(check('import.http "m" {\n  url = "http://127.0.0.1:9/m.alloy"\n}\nm.add "x" { a = 1 }\n'), [])
  assert.match(check('import.http "m" {\n  url = "http://127.0.0.1:9/m.alloy"\n  poll_frequency = "0s"\n}\n').join(), /poll_frequency must be greater than 0/)
  assert.match(check('import.http "m" {\n  url = "http://127.0.0.1:9/m.alloy"\n  client {\n    bearer_token = "a"\n    bearer_token_file = "/b"\n  }\n}\n').join(), /at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured/)
})
