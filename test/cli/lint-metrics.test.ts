// The OpenMetrics conformance suite run as its own runner does: each case's `metrics` piped into
// `shoal lint-metrics` on stdin; exit status 0 exactly when test.json says shouldParse.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const CLI = join(import.meta.dirname, '../../dist/cli.js')
const SUITE = join(import.meta.dirname, '../fixtures/openmetrics-conformance')

function run (args: string[], input: Buffer): Promise<{ code: number | null, stderr: string }> {
  return new Promise(resolve => {
    const c = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
    c.on('exit', code => resolve({ code, stderr }))
    c.stdin.end(input)
  })
}

test('every conformance case agrees with shouldParse through shoal lint-metrics', async () => {
  const cases = readdirSync(SUITE).filter(n => existsSync(join(SUITE, n, 'test.json'))).sort()
  assert.ok(cases.length > 100)
  const wrong: string[] = []
  // A few processes at a time: each is a full CLI start, as the suite's runner does it.
  let next = 0
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < cases.length) {
      const name = cases[next++]
      const spec = JSON.parse(readFileSync(join(SUITE, name, 'test.json'), 'utf8')) as { shouldParse: boolean }
      const res = await run(['lint-metrics'], readFileSync(join(SUITE, name, 'metrics')))
      if ((res.code === 0) !== spec.shouldParse) wrong.push(`${name}: shouldParse=${spec.shouldParse}, exit=${res.code} ${res.stderr.trim()}`)
      else if (!spec.shouldParse) assert.match(res.stderr, /^<stdin>:\d+:\d+: /, name)
    }
  }))
  assert.deepEqual(wrong, [])
})

test('lint-metrics --format text accepts a Prometheus text body and reports a positioned error', async () => {
  const ok = await run(['lint-metrics', '--format', 'text'], Buffer.from('# TYPE a counter\na_total{x="1"} 2\n'))
  assert.equal(ok.code, 0, ok.stderr)
  const bad = await run(['lint-metrics', '--format=text'], Buffer.from('a 1\nb{x="1" 2\n'))
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^<stdin>:2:\d+: /)
})
