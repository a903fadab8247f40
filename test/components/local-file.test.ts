import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { kind, type Args } from '../../src/components/local/file.js'
import '../../src/components/index.js'
import type { Component } from '../../src/runtime/component.js'
import { Controller } from '../../src/runtime/controller.js'
import { nopLogger } from '../../src/logging/logger.js'
import { encodeExports } from '../../src/http/alloyjson.js'
import { toSecret } from '../../src/vm/convert.js'
import { Secret } from '../../src/vm/value.js'
import { fakeGlobals as globalsFor } from '../helpers/globals.js'

const ROOT = join(import.meta.dirname, '../..')

function tempDir (t: { after (fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-local-file-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function args (filename: string, over: Partial<Args> = {}): Args {
  return { filename, detector: 'fsnotify', poll_frequency: 60_000, is_secret: false, ...over }
}

const fakeGlobals = (registry = new Registry()): ReturnType<typeof globalsFor> => globalsFor('local.file.test', registry)

/** Builds and runs an instance; stopped when the test ends. */
function start (t: { after (fn: () => Promise<void>): void }, a: Args, g = fakeGlobals()): { c: Component<Args>, g: typeof g } {
  const c = kind.build(g, a)
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  return { c, g }
}

async function until (cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))

test('kind: name, stability, defaults and the content export', () => {
  assert.equal(kind.name, 'local.file')
  assert.equal(kind.stability, 'generally-available')
  assert.deepEqual(kind.exports, { content: { type: 'string' } })
  assert.deepEqual(Object.fromEntries(Object.entries(kind.args).map(([k, s]) => [k, s.kind === 'attr' ? [s.type.kind, s.default, s.required ?? false] : null])), {
    filename: ['string', undefined, true],
    detector: ['enum', 'fsnotify', false],
    poll_frequency: ['duration', 60_000, false],
    is_secret: ['bool', false, false],
  })
  assert.deepEqual(kind.validate!(args('/x', { poll_frequency: 0 })), ['poll_frequency must be greater than 0'])
  assert.deepEqual(kind.validate!(args('/x')), [])
})

test('build exports the file content as a string, unchanged (no trimming)', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'target')
  writeFileSync(path, 'localhost:9100\n')
  const registry = new Registry()
  const { c, g } = start(t, args(path), fakeGlobals(registry))
  assert.deepEqual(g.exports, [{ content: 'localhost:9100\n' }])
  assert.equal(c.currentHealth!().state, 'healthy')
  assert.equal(c.currentHealth!().message, 'read file')
  const dbg = c.debugInfo!() as Record<string, unknown>
  assert.equal(dbg.filename, path)
  assert.equal(dbg.detector, 'fsnotify')
  assert.match(await registry.getSingleMetricAsString('agent_local_file_timestamp_last_accessed_unix_seconds'),
    /^agent_local_file_timestamp_last_accessed_unix_seconds\{component_id="local.file.test"\} \d+(\.\d+)?$/m)
})

test('is_secret exports a Secret that never prints and that secret arguments accept', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'password')
  writeFileSync(path, 's3cr3t')
  const { g } = start(t, args(path, { is_secret: true }))
  assert.equal(g.exports.length, 1)
  const content = g.exports[0].content
  assert.ok(content instanceof Secret)
  assert.equal(content.reveal(), 's3cr3t')
  assert.equal(String(content), '(secret)')
  assert.equal(JSON.stringify(g.exports[0]), '{"content":"(secret)"}')
  assert.deepEqual(encodeExports(g.exports[0]), [{ name: 'content', type: 'attr', value: { type: 'capsule', value: '(secret)' } }])
  assert.equal(toSecret(content), content)
})

test('changing is_secret on update republishes the same content with the new type', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'token')
  writeFileSync(path, 'abc')
  const { c, g } = start(t, args(path))
  await c.update(args(path, { is_secret: true }))
  assert.equal(g.exports.length, 2)
  assert.ok(g.exports[1].content instanceof Secret)
  assert.equal((g.exports[1].content).reveal(), 'abc')
  await c.update(args(path, { is_secret: true }))
  assert.equal(g.exports.length, 2, 'same args and content publish nothing new')
})

test('poll detector: a change is exported at the next poll, and only then', async (t) => {
  const dir = tempDir(t)
  const fast = join(dir, 'fast')
  const slow = join(dir, 'slow')
  writeFileSync(fast, 'one')
  writeFileSync(slow, 'one')
  const f = start(t, args(fast, { detector: 'poll', poll_frequency: 50 }))
  const s = start(t, args(slow, { detector: 'poll', poll_frequency: 60_000 }))
  writeFileSync(fast, 'two')
  writeFileSync(slow, 'two')
  await until(() => f.g.exports.length === 2, 'the polled change')
  assert.deepEqual(f.g.exports, [{ content: 'one' }, { content: 'two' }])
  await sleep(200)
  assert.deepEqual(s.g.exports, [{ content: 'one' }], 'poll detector does not watch events')
  assert.equal(f.g.exports.length, 2, 'unchanged content is not republished')
})

test('fsnotify detector: writes in place, replacement by rename, deletion and re-creation', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'secret')
  writeFileSync(path, 'v1')
  const { c, g } = start(t, args(path)) // poll fallback is 1m: only events can be seen here
  const latest = (): unknown => g.exports.at(-1)?.content

  writeFileSync(path, 'v2')
  await until(() => latest() === 'v2', 'in-place write')

  writeFileSync(join(dir, 'secret.tmp'), 'v3')
  renameSync(join(dir, 'secret.tmp'), path)
  await until(() => latest() === 'v3', 'atomic replacement')

  // The watch follows the new file after a rename.
  writeFileSync(path, 'v4')
  await until(() => latest() === 'v4', 'write after replacement')

  rmSync(path)
  await until(() => c.currentHealth!().state === 'unhealthy', 'unhealthy after deletion')
  assert.equal(c.currentHealth!().message, `failed to read file: open ${path}: no such file or directory`)
  assert.equal(latest(), 'v4', 'last good content is kept')

  writeFileSync(path, 'v5')
  await until(() => latest() === 'v5', 're-created file')
  assert.equal(c.currentHealth!().state, 'healthy')
  assert.deepEqual(g.exports.map(e => e.content), ['v1', 'v2', 'v3', 'v4', 'v5'])
})

test('a missing file fails the build with the path and the OS error', (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'missing')
  const g = fakeGlobals()
  assert.throws(() => kind.build(g, args(path)), { message: `failed to read file: open ${path}: no such file or directory` })
  assert.throws(() => kind.build(g, args(dir)), { message: `failed to read file: read ${dir}: illegal operation on a directory` })
  assert.deepEqual(g.exports, [])
})

test('an update to a missing file throws, then recovers when the file appears', async (t) => {
  const dir = tempDir(t)
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  writeFileSync(a, 'A')
  const { c, g } = start(t, args(a))
  assert.throws(() => c.update(args(b)), { message: `failed to read file: open ${b}: no such file or directory` })
  assert.equal(c.currentHealth!().state, 'unhealthy')
  writeFileSync(b, 'B')
  await until(() => g.exports.at(-1)?.content === 'B', 'new file seen')
  assert.equal(c.currentHealth!().state, 'healthy')
})

test('controller: a missing file fails the load; content feeds dependants and changes reach them', async (t) => {
  const dir = tempDir(t)
  const storagePath = join(dir, 'data')
  const missing = join(dir, 'nope')
  const bad = new Controller({ storagePath, logger: nopLogger, registry: new Registry() })
  t.after(() => bad.stop())
  const res0 = await bad.load([{ name: 'main.alloy', source: `local.file "x" { filename = ${JSON.stringify(missing)} }\n` }])
  assert.equal(res0.ok, false)
  assert.deepEqual(res0.diagnostics.map(d => d.message), [`local.file.x: failed to read file: open ${missing}: no such file or directory`])
  assert.equal(bad.component('local.file.x')!.health.state, 'unhealthy')

  const target = join(dir, 'target')
  const password = join(dir, 'password')
  writeFileSync(target, 'a:1')
  writeFileSync(password, 'hunter2')
  const ctl = new Controller({ storagePath, logger: nopLogger, registry: new Registry() })
  t.after(() => ctl.stop())
  const res = await ctl.load([{ name: 'main.alloy', source: `
local.file "target" {
  filename       = ${JSON.stringify(target)}
  detector       = "poll"
  poll_frequency = "50ms"
}
local.file "password" {
  filename  = ${JSON.stringify(password)}
  is_secret = true
}
discovery.relabel "r" {
  targets = [{ "__address__" = string.trim_space(local.file.target.content) }]
}
prometheus.remote_write "rw" {
  endpoint {
    url = "http://127.0.0.1:1/api/v1/write"
    basic_auth {
      username = "u"
      password = local.file.password.content
    }
  }
}
` }])
  assert.deepEqual(res.diagnostics, [])
  assert.equal(res.ok, true)
  const pw = (ctl.component('prometheus.remote_write.rw')!.args as { endpoint: Array<{ basic_auth: { password: Secret } }> }).endpoint[0].basic_auth.password
  assert.ok(pw instanceof Secret)
  assert.equal(pw.reveal(), 'hunter2')
  assert.equal(JSON.stringify(ctl.component('local.file.password')!.exports), '{"content":"(secret)"}')

  const output = (): string => JSON.stringify(ctl.component('discovery.relabel.r')!.exports.output)
  assert.equal(output(), '[{"__address__":"a:1"}]')
  writeFileSync(target, 'b:2\n')
  await until(() => output() === '[{"__address__":"b:2"}]', 'dependant re-evaluated')
  await ctl.stop()
})

test('controller: a secret content given to a string argument is rejected', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'addr')
  writeFileSync(path, 'a:1')
  const ctl = new Controller({ storagePath: join(dir, 'data'), logger: nopLogger, registry: new Registry() })
  t.after(() => ctl.stop())
  const res = await ctl.load([{ name: 'main.alloy', source: `
local.file "addr" {
  filename  = ${JSON.stringify(path)}
  is_secret = true
}
discovery.relabel "r" {
  targets = [{ "__address__" = local.file.addr.content }]
}
` }])
  assert.equal(res.ok, false)
  assert.equal(res.diagnostics.length, 1)
  assert.equal(res.diagnostics[0].message, 'local.file.addr.content secrets may not be converted into strings')
})

function validate (file: string): Promise<{ code: number | null, stderr: string }> {
  return new Promise(resolve => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    c.on('exit', code => resolve({ code, stderr }))
  })
}

test('shoal validate: local.file feeding a remote_write password; bad detector and poll_frequency', async (t) => {
  const dir = tempDir(t)
  const good = join(dir, 'good.alloy')
  // validate does not read the file: a path that does not exist yet still validates.
  writeFileSync(good, `
local.file "api_key" {
  filename  = "/etc/shoal/does-not-exist"
  is_secret = true
}
prometheus.remote_write "default" {
  endpoint {
    url = "http://127.0.0.1:9009/api/v1/push"
    basic_auth {
      username = "12345"
      password = local.file.api_key.content
    }
  }
}
`)
  const bad = join(dir, 'bad.alloy')
  writeFileSync(bad, `
local.file "a" {
  filename = "/x"
  detector = "inotify"
}
local.file "b" {
  filename       = "/y"
  poll_frequency = "0s"
}
`)
  const [ok, ko] = await Promise.all([validate(good), validate(bad)])
  assert.equal(ok.stderr, '')
  assert.equal(ok.code, 0)
  assert.equal(ko.code, 1)
  assert.match(ko.stderr, /inotify/)
  assert.match(ko.stderr, /poll_frequency must be greater than 0/)
  assert.match(ko.stderr, /2 errors found/)
})
