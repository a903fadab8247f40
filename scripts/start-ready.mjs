#!/usr/bin/env node
// Start to /-/ready of one clustered agent (--cluster.enabled, a single node, one scrape and one
// remote_write), for the single-file binary and for `node dist/cli.js`: the time from spawn until
// /-/ready first answers 200, polled every 10 ms. Prints min and median of N runs for each.
//
//   node scripts/start-ready.mjs [RUNS=5] [--arm64]     (after `npm run package`)
//   --arm64 adds the arm64 binary under qemu-aarch64-static (emulated: slow, for reference)
//
// Everything binds to 127.0.0.1 on free ports; each agent is stopped by its PID.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const runs = Number(process.argv.slice(2).find(a => /^\d+$/.test(a)) ?? 5)
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version
const bin = arch => join(ROOT, 'dist/pkg', `shoal-${version}-linux-${arch}`)
const node = join(ROOT, 'node_modules/.bin/node')

const freePort = () => new Promise(resolve => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) }) })

async function once (argv) {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-start-'))
  const [http, p2p, sink] = [await freePort(), await freePort(), await freePort()]
  writeFileSync(join(dir, 'agent.alloy'), `prometheus.scrape "self" {
  targets    = [{"__address__" = "127.0.0.1:${http}"}]
  forward_to = [prometheus.remote_write.sink.receiver]
  clustering {
    enabled = true
  }
}

prometheus.remote_write "sink" {
  endpoint {
    url = "http://127.0.0.1:${sink}/api/v1/write"
  }
}
`)
  const t0 = performance.now()
  const child = spawn(argv[0], [...argv.slice(1), 'run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${http}`,
    `--storage.path=${join(dir, 'data')}`, '--cluster.enabled', `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${p2p}`], { stdio: 'ignore' })
  let exited = false
  const gone = new Promise(resolve => child.once('exit', () => { exited = true; resolve() }))
  try {
    for (;;) {
      if (exited) throw new Error(`${argv.join(' ')} exited before ready`)
      const ok = await fetch(`http://127.0.0.1:${http}/-/ready`, { signal: AbortSignal.timeout(500) }).then(r => r.status === 200, () => false)
      if (ok) return performance.now() - t0
      if (performance.now() - t0 > 180_000) throw new Error(`${argv.join(' ')}: not ready after 180 s`)
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  } finally {
    child.kill('SIGTERM')
    await gone
    rmSync(dir, { recursive: true, force: true })
  }
}

const subjects = [
  ['binary (x64)', [bin('x64')]],
  ['node dist/cli.js', [node, join(ROOT, 'dist/cli.js')]],
]
if (process.argv.includes('--arm64')) subjects.push(['binary (arm64, qemu-user)', ['/usr/bin/qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', bin('arm64')]])
for (const [name, argv] of subjects) {
  if (!existsSync(argv.at(-1))) { console.log(`${name}: ${argv.at(-1)} missing (npm run package / npm run build)`); continue }
  const ms = []
  for (let i = 0; i < runs; i++) ms.push(await once(argv))
  ms.sort((a, b) => a - b)
  console.log(`${name.padEnd(28)} start to /-/ready: min ${ms[0].toFixed(0)} ms, median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms (${runs} runs)`)
}
