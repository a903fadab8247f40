// The shoal CLI as a user runs it: a separate process on the built dist/cli.js.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync, execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startShoal, tempDir } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'

const CLI = join(import.meta.dirname, '../../dist/cli.js')

function shoal (args: string[], input?: string): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('validate prints every error as file:line:col with the source line and a caret, exit 1', () => {
  const dir = tempDir('validate')
  const file = join(dir, 'bad.alloy')
  writeFileSync(file, [
    'prometheus.relabel "x" {',
    '  forward_to = []',
    '  max_cache_size = "lots"',
    '}',
    '',
    'discovery.relabel "y" {',
    '  targets = [{"__address__" = "a:1"}]',
    '  nosuch = 1',
    '}',
    '',
  ].join('\n'))
  const r = shoal(['validate', file])
  assert.equal(r.code, 1)
  const lines = r.stderr.split('\n')
  const i = lines.findIndex(l => l.startsWith(`${file}:3:20: `))
  assert.ok(i >= 0, r.stderr)
  assert.equal(lines[i + 1], '  max_cache_size = "lots"')
  assert.equal(lines[i + 2], ' '.repeat(19) + '^')
  assert.ok(lines.some(l => l.startsWith(`${file}:8:3: `) && l.includes('nosuch')), r.stderr)
  assert.match(r.stderr, /2 errors found/)
})

test('validate accepts a good config and exits 0', () => {
  const r = shoal(['validate', join(import.meta.dirname, '../../examples/agent.alloy')])
  assert.equal(r.stderr, '')
  assert.equal(r.code, 0)
})

test('validate reports syntax errors (several) with positions', () => {
  const dir = tempDir('validate-syntax')
  const file = join(dir, 's.alloy')
  writeFileSync(file, 'a "x" {\n  b = [1, 2\n}\nc "y" {\n  d = $\n}\n')
  const r = shoal(['validate', file])
  assert.equal(r.code, 1)
  const positions = [...r.stderr.matchAll(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:(\\d+):(\\d+): `, 'g'))].map(m => `${m[1]}:${m[2]}`)
  assert.ok(positions.length >= 2, r.stderr)
  assert.ok(positions.includes('5:7'), r.stderr)
})

test('fmt prints canonical layout, is idempotent, and accepts components shoal does not run', () => {
  const dir = tempDir('fmt')
  const file = join(dir, 'f.alloy')
  writeFileSync(file, 'loki.source.file "logs" {\ntargets=[{__path__="/var/log/*.log"}]\n  forward_to = [loki.write.default.receiver]\n}\n')
  const r1 = shoal(['fmt', file])
  assert.equal(r1.code, 0, r1.stderr)
  assert.equal(r1.stdout, 'loki.source.file "logs" {\n\ttargets    = [{__path__ = "/var/log/*.log"}]\n\tforward_to = [loki.write.default.receiver]\n}\n')
  writeFileSync(file, r1.stdout)
  const r2 = shoal(['fmt', file])
  assert.equal(r2.stdout, r1.stdout)
  // -w rewrites in place
  writeFileSync(file, 'a "b" {\nx=1\n}\n')
  assert.equal(shoal(['fmt', '-w', file]).code, 0)
  assert.equal(readFileSync(file, 'utf8'), 'a "b" {\n\tx = 1\n}\n')
  // stdin
  assert.equal(shoal(['fmt', '-'], 'x "y" {\nz = true\n}\n').stdout, 'x "y" {\n\tz = true\n}\n')
})

test('fmt reports a syntax error with its position and exits 1', () => {
  const r = shoal(['fmt', '-'], 'a {\n  b = \n}\n')
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^<stdin>:3:1: /m)
})

test('unknown flags and commands are errors that name them', () => {
  let r = shoal(['run', '--no-such-flag=1', 'x.alloy'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /unknown flag: --no-such-flag/)
  r = shoal(['validate', '--bogus', 'x'])
  assert.match(r.stderr, /unknown flag: --bogus/)
  r = shoal(['frobnicate'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /unknown command "frobnicate"/)
})

test('--help for each command', () => {
  for (const cmd of ['run', 'validate', 'fmt', 'lint-metrics', 'demo']) {
    const r = shoal([cmd, '--help'])
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`)
    assert.match(r.stdout, new RegExp(`Usage: shoal ${cmd}`))
  }
  assert.match(shoal(['run', '--help']).stdout, /--server\.http\.listen-addr/)
  assert.match(shoal(['run', '--help']).stdout, /--cluster\.join-addresses/)
})

test('an older Node gets a clear message', (t) => {
  let version: string
  try { version = execFileSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).trim() } catch { t.skip('no system node'); return }
  if (Number(version.slice(1).split('.')[0]) >= 22) { t.skip(`system node is ${version}`); return }
  const r = spawnSync('/usr/bin/node', [CLI, 'version'], { encoding: 'utf8' })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /shoal needs Node\.js >= 22; this is v\d+/)
  assert.match(r.stderr, /npm install/)
})

test('cluster keygen writes a pre-shared key file', () => {
  const file = join(tempDir('keygen'), 'fleet.key')
  assert.equal(shoal(['cluster', 'keygen', file]).code, 0)
  const text = readFileSync(file, 'utf8')
  assert.match(text, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}/)
  assert.equal(shoal(['cluster', 'keygen', file]).code, 1, 'refuses to overwrite')
})

test('run: ready, metrics, API, reload (bad keeps old, good applies), SIGTERM', async () => {
  const dir = tempDir('run')
  const cfg = join(dir, 'config.alloy')
  writeFileSync(cfg, 'prometheus.exporter.self "me" {}\n\ndiscovery.relabel "r" {\n  targets = prometheus.exporter.self.me.targets\n}\n')
  const port = await freePort()
  const p = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  const base = `http://127.0.0.1:${port}`
  try {
    await waitFor('ready', async () => (await fetch(`${base}/-/ready`)).ok, 20_000)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    assert.match(metrics, /^process_resident_memory_bytes \d+/m)
    assert.match(metrics, /^shoal_build_info\{/m)
    const list = await (await fetch(`${base}/api/v0/web/components`)).json() as Array<{ id: string }>
    assert.deepEqual(list.map(c => c.id).sort(), ['discovery.relabel.r', 'prometheus.exporter.self.me'])
    const r = await (await fetch(`${base}/api/v0/web/components/discovery.relabel.r`)).json() as any
    assert.equal(r.exports[0].name, 'output')
    assert.equal(r.exports[0].value.value[0].value.find((kv: any) => kv.key === '__address__').value.value, `127.0.0.1:${port}`)

    writeFileSync(cfg, 'prometheus.exporter.self "me" {}\n\ndiscovery.relabel "r" {\n  targets = prometheus.exporter.self.nope.targets\n}\n')
    const bad = await fetch(`${base}/-/reload`, { method: 'POST' })
    assert.equal(bad.status, 400)
    const text = await bad.text()
    assert.match(text, /config\.alloy:4:13: component "prometheus\.exporter\.self\.nope\.targets" does not exist/)
    assert.equal((await (await fetch(`${base}/api/v0/web/components`)).json() as unknown[]).length, 2)

    writeFileSync(cfg, 'prometheus.exporter.self "me" {}\n\ndiscovery.relabel "r" {\n  targets = prometheus.exporter.self.me.targets\n}\n\ndiscovery.relabel "s" {\n  targets = discovery.relabel.r.output\n}\n')
    p.child.kill('SIGHUP')
    await waitFor('SIGHUP reload', async () => ((await (await fetch(`${base}/api/v0/web/components`)).json()) as unknown[]).length === 3, 10_000)
    assert.equal(await p.stop('SIGTERM'), 0)
    assert.match(p.output(), /config reloaded/)
  } finally {
    await p.stop('SIGKILL')
  }
})

test('run: a broken initial config exits 1 with positioned diagnostics', () => {
  const dir = tempDir('run-bad')
  const cfg = join(dir, 'c.alloy')
  writeFileSync(cfg, 'discovery.relabel "r" {\n  targets = 5\n}\n')
  const r = spawnSync(process.execPath, [CLI, 'run', cfg, '--server.http.listen-addr=127.0.0.1:0', `--storage.path=${join(dir, 'd')}`], { encoding: 'utf8', timeout: 20_000 })
  assert.equal(r.status, 1)
  assert.match(r.stderr, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:13: `))
})
