// The single-file binaries: the x64 one with no Node on PATH, the arm64 one under qemu-user
// emulation; each validates a config, runs an agent (ready, /metrics, the UI from inside the file)
// and stops on SIGTERM. Then the x64 .deb: installed with dpkg, started as its unit's ExecStart
// would start it, ready, purged.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'
import { start, tempDir } from '../helpers/proc.js'
import { binary, deb, ensureBinaries, haveQemu, runner, VERSION } from './binaries.js'

before(async () => { await ensureBinaries() })

const noNodePath = (): string => tempDir('nonode') // an empty directory: no node to be found

async function getText (url: string): Promise<{ status: number, body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
  return { status: res.status, body: await res.text() }
}

for (const arch of ['x64', 'arm64'] as const) {
  test(`${arch} binary: validate, run, ready, metrics, UI, SIGTERM with no Node on PATH`, async t => {
    if (unavailable(t, arch === 'arm64' && !haveQemu() ? 'no qemu-aarch64-static / arm64 libc' : undefined)) return
    const [cmd, ...pre] = runner(arch)
    const dir = tempDir(`sea-${arch}`)
    const env = { PATH: noNodePath(), HOME: dir }
    const ver = spawnSync(cmd, [...pre, '--version'], { cwd: dir, env, encoding: 'utf8' })
    assert.equal(ver.status, 0, ver.stderr)
    assert.match(ver.stdout, new RegExp(`^shoal version ${VERSION.replace(/\./g, '\\.')} \\(commit [0-9a-f]+, node v\\d+\\.\\d+\\.\\d+, linux/${arch}\\)\\n$`))

    const port = await freePort()
    writeFileSync(join(dir, 'bad.alloy'), 'prometheus.scrape "s" {\n  targets = 3\n}\n')
    const bad = spawnSync(cmd, [...pre, 'validate', 'bad.alloy'], { cwd: dir, env, encoding: 'utf8' })
    assert.notEqual(bad.status, 0)
    assert.match(bad.stderr + bad.stdout, /bad\.alloy:2:/)
    writeFileSync(join(dir, 'agent.alloy'), `prometheus.scrape "self" {\n  targets         = [{"__address__" = "127.0.0.1:${port}"}]\n  forward_to      = []\n  scrape_interval = "2s"\n  scrape_timeout  = "1s"\n}\n`)
    const ok = spawnSync(cmd, [...pre, 'validate', 'agent.alloy'], { cwd: dir, env, encoding: 'utf8' })
    assert.equal(ok.status, 0, ok.stderr + ok.stdout)

    const agent = start(cmd, [...pre, 'run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`], { cwd: '/', env })
    try {
      await waitFor('ready', async () => (await getText(`http://127.0.0.1:${port}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 60_000, 300)
      // Its own /metrics scraped: the scrape loop runs (interval histogram observed).
      await waitFor('self scraped', async () => /^prometheus_target_interval_length_seconds_count\{[^}]*\} [1-9]/m.test((await getText(`http://127.0.0.1:${port}/metrics`)).body), 30_000, 500)
      const metrics = (await getText(`http://127.0.0.1:${port}/metrics`)).body
      assert.match(metrics, /^process_resident_memory_bytes \d/m)
      // The UI's files come from inside the binary.
      const index = await getText(`http://127.0.0.1:${port}/`)
      assert.equal(index.status, 200)
      assert.match(index.body, /<base href="\/">/)
      const app = await getText(`http://127.0.0.1:${port}/assets/app.mjs`)
      assert.equal(app.status, 200)
      assert.equal(app.body, readFileSync(join(import.meta.dirname, '../../dist/http/ui/static/assets/app.mjs'), 'utf8'))
      assert.equal((await getText(`http://127.0.0.1:${port}/assets/nope.mjs`)).status, 404)
    } finally {
      const code = await agent.stop('SIGTERM')
      assert.equal(code, 0, agent.output())
    }
  })
}

test('x64 binary: `shoal demo` runs its fleet from inside the file, with no Node on PATH', async () => {
  const dir = tempDir('sea-demo')
  // runs until SIGTERM; the test waits for the table to show every target reaching the sink
  const demo = start(binary('x64'), ['demo', '--agents', '2', '--targets', '4', '--interval', '1s'], { cwd: '/', env: { PATH: noNodePath(), HOME: dir, TMPDIR: dir } })
  let table = ''
  try {
    table = await waitFor('every demo target in the sink, both agents participants', () => {
      const out = demo.output()
      const last = out.slice(out.lastIndexOf('node       process'))
      const sink = /sink: \d+ series, (\d+) samples, (\d+)\/4 targets seen/.exec(last)
      const rows = last.split('\n').filter(l => /^agent-\d\s+running\s+participant\s+2\s/.test(l))
      return sink !== null && Number(sink[1]) > 0 && Number(sink[2]) === 4 && rows.length === 2 ? last : undefined
    }, 90_000, 250)
  } finally {
    assert.equal(await demo.stop('SIGTERM'), 0, demo.output().slice(-3000))
  }
  // (duplicates are not checked here: on a loaded machine the demo's wait for the fleet can time out; test/e2e/demo.test.ts checks them)
  assert.match(table, /duplicate scrapes \d+, missing scrapes \d+/, table)
})

test('x64 binary: SHOAL_V8_FLAGS reaches node (re-executed with --node-options), none re-executes nothing', async () => {
  const dir = tempDir('sea-flags')
  const port = await freePort()
  writeFileSync(join(dir, 'agent.alloy'), 'prometheus.scrape "s" {\n  targets    = []\n  forward_to = []\n}\n')
  // --title is a node option with an effect visible from outside: the process's name
  const agent = start(binary('x64'), ['run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`],
    { cwd: dir, env: { PATH: noNodePath(), SHOAL_V8_FLAGS: '--title=shoal-v8test --max-semi-space-size=1' } })
  try {
    await waitFor('ready', async () => (await getText(`http://127.0.0.1:${port}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 60_000, 300)
    assert.equal(readFileSync(`/proc/${agent.child.pid!}/comm`, 'utf8').trim(), 'shoal-v8test')
  } finally {
    assert.equal(await agent.stop('SIGTERM'), 0, agent.output())
  }
  // without it the binary starts with its built-in flags and does not re-execute
  const plain = start(binary('x64'), ['run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`], { cwd: dir, env: { PATH: noNodePath() } })
  try {
    await waitFor('ready', async () => (await getText(`http://127.0.0.1:${port}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 60_000, 300)
    assert.doesNotMatch(readFileSync(`/proc/${plain.child.pid!}/cmdline`, 'utf8'), /--node-options/)
  } finally {
    assert.equal(await plain.stop('SIGTERM'), 0, plain.output())
  }
})

test('x64 .deb: dpkg -i, start as the unit ExecStart, ready, purge', async t => {
  if (unavailable(t, process.getuid?.() !== 0 ? 'needs root for dpkg -i' : undefined)) return
  assert.ok(existsSync(deb('amd64')))
  execFileSync('dpkg', ['-i', deb('amd64')], { stdio: 'pipe' })
  try {
    const unit = readFileSync('/lib/systemd/system/shoal.service', 'utf8')
    assert.match(unit, /^User=shoal$/m)
    assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
    assert.match(unit, /^ProtectSystem=strict$/m)
    assert.match(unit, /^NoNewPrivileges=true$/m)
    assert.deepEqual(readFileSync('/var/lib/dpkg/info/shoal.conffiles', 'utf8').trim().split('\n').sort(), ['/etc/default/shoal', '/etc/shoal/config.alloy'])
    assert.match(unit, /^Environment=MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768$/m)
    const v8 = /^SHOAL_V8_FLAGS="(.*)"$/m.exec(readFileSync('/etc/default/shoal', 'utf8'))?.[1]
    assert.ok(v8 !== undefined && v8.includes('--v8-pool-size=1'), 'the environment file carries the small-device V8 flags')
    const port = await freePort()
    // The environment file holds the flags; point it at a free port as an operator would.
    writeFileSync('/etc/default/shoal', `SHOAL_FLAGS="--server.http.listen-addr=127.0.0.1:${port}"\nSHOAL_V8_FLAGS="${v8}"\n`)
    const flags = /^SHOAL_FLAGS="(.*)"$/m.exec(readFileSync('/etc/default/shoal', 'utf8'))![1]
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1].replace('$SHOAL_FLAGS', flags).split(/\s+/)
    assert.equal(exec[0], '/usr/bin/shoal')
    assert.ok(exec.includes('--storage.path=/var/lib/shoal') && exec.includes('/etc/shoal/config.alloy'))
    const agent = start('/usr/bin/setpriv', ['--reuid=shoal', '--regid=shoal', '--init-groups', ...exec], { cwd: '/var/lib/shoal', env: { PATH: noNodePath(), MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '32768', SHOAL_V8_FLAGS: v8 } })
    try {
      await waitFor('ready', async () => (await getText(`http://127.0.0.1:${port}/-/ready`).catch(() => ({ status: 0 }))).status === 200, 60_000, 300)
      assert.match(readFileSync(`/proc/${agent.child.pid!}/cmdline`, 'utf8'), /\0--node-options=[^\0]*--v8-pool-size=1[^\0]*\0run\0/)
      // SIGHUP (the unit's reload) reloads and keeps it running.
      agent.child.kill('SIGHUP')
      await new Promise(resolve => setTimeout(resolve, 1000))
      assert.equal((await getText(`http://127.0.0.1:${port}/-/ready`)).status, 200)
    } finally {
      assert.equal(await agent.stop('SIGTERM'), 0, agent.output())
    }
  } finally {
    execFileSync('dpkg', ['--purge', 'shoal'], { stdio: 'pipe' })
  }
  assert.equal(existsSync('/usr/bin/shoal'), false)
  assert.equal(existsSync('/lib/systemd/system/shoal.service'), false)
})
