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
      else if (!spec.shouldParse) assert.match(res.stderr, /^<stdin>:\d+:\d+: /, `${name}: stderr ${JSON.stringify(res.stderr)}`)
    }
  }))
  assert.deepEqual(wrong, [])
})

test('the UTF-8 cases agree with shouldParse through shoal lint-metrics, with a positioned error', async () => {
  const dir = join(import.meta.dirname, '../fixtures/utf8-conformance')
  const wrong: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const spec = JSON.parse(readFileSync(join(dir, name, 'test.json'), 'utf8')) as { shouldParse: boolean, format?: string }
    const args = spec.format === 'prometheus-text' ? ['lint-metrics', '--format', 'text'] : ['lint-metrics']
    const res = await run(args, readFileSync(join(dir, name, 'metrics')))
    if ((res.code === 0) !== spec.shouldParse) wrong.push(`${name}: shouldParse=${spec.shouldParse}, exit=${res.code} ${res.stderr.trim()}`)
    else if (!spec.shouldParse) assert.match(res.stderr, /^<stdin>:\d+:\d+: /, name)
  }
  assert.deepEqual(wrong, [])
})

test('lint-metrics --format text accepts a Prometheus text body and reports a positioned error', async () => {
  const ok = await run(['lint-metrics', '--format', 'text'], Buffer.from('# TYPE a counter\na_total{x="1"} 2\n'))
  assert.equal(ok.code, 0, ok.stderr)
  const bad = await run(['lint-metrics', '--format=text'], Buffer.from('a 1\nb{x="1" 2\n'))
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^<stdin>:2:\d+: /)
})

test('lint-metrics --format protobuf reads delimited MetricFamily messages, native histograms included; a truncated body fails at its byte', async () => {
  const protobuf = (await import('protobufjs')).default
  const root = protobuf.loadSync(join(import.meta.dirname, '../fixtures/proto/io/prometheus/client/metrics.proto'))
  const MF = root.lookupType('io.prometheus.client.MetricFamily')
  const w = protobuf.Writer.create()
  MF.encodeDelimited(MF.fromObject({ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 3, sampleSum: 1, schema: 2, positiveSpan: [{ offset: 0, length: 2 }], positiveDelta: [1, 1] } }] }), w)
  MF.encodeDelimited(MF.fromObject({ name: 'c_total', type: 0, metric: [{ counter: { value: 1 } }] }), w)
  const body = Buffer.from(w.finish())
  const ok = await run(['lint-metrics', '--format', 'protobuf'], body)
  assert.equal(ok.code, 0, ok.stderr)
  const bad = await run(['lint-metrics', '--format', 'protobuf'], body.subarray(0, body.length - 2))
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^<stdin>:1:\d+: protobuf: /)
  // Spans that announce more buckets than there are: refused like Prometheus's storage refuses it.
  const w2 = protobuf.Writer.create()
  MF.encodeDelimited(MF.fromObject({ name: 'h', type: 4, metric: [{ histogram: { sampleCount: 3, positiveSpan: [{ offset: 0, length: 3 }], positiveDelta: [1, 1] } }] }), w2)
  const spans = await run(['lint-metrics', '--format', 'protobuf'], Buffer.from(w2.finish()))
  assert.equal(spans.code, 1)
  assert.match(spans.stderr, /spans need 3 buckets, have 2/)
  // The same reader behind all three formats.
  const om = await run(['lint-metrics', '--format', 'openmetrics'], Buffer.from('# TYPE a counter\na_total 1\n# EOF\n'))
  assert.equal(om.code, 0, om.stderr)
  const wrong = await run(['lint-metrics', '--format', 'json'], Buffer.from(''))
  assert.notEqual(wrong.code, 0)
})
