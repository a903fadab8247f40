// Fixed-seed fuzz over whole config files through the full check path (parse, graph, evaluation,
// component validation, top-level config blocks): nothing throws or hangs, and every rejection is
// a Diagnostic positioned inside its file. Then rejected mutants go to a running agent through
// POST /-/reload: each is refused and the old config keeps scraping.
// (Exposition bodies are fuzzed through the scrape parser and lintExposition in
// test/exposition/fuzz.test.ts.)
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Controller } from '../../src/runtime/controller.js'
import { decodeConfigBlocks } from '../../src/process-config.js'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import type { ConfigFuzzInput, ConfigFuzzMessage } from './config-fuzz-worker.js'
import '../../src/components/index.js'

const ROOT = join(import.meta.dirname, '../..')
const CASES = 10_000
const STALL_MS = 10_000 // no progress for this long: the current case hangs

function seeds (): string[] {
  const files = [
    ...readdirSync(join(ROOT, 'examples')).filter(f => f.endsWith('.alloy')).map(f => join(ROOT, 'examples', f)),
    ...readdirSync(join(ROOT, 'test/syntax/testdata/valid')).filter(f => f.endsWith('.alloy')).map(f => join(ROOT, 'test/syntax/testdata/valid', f)),
  ]
  const full = readFileSync(join(import.meta.dirname, 'testdata/full.alloy'), 'utf8')
  // The config that uses every component weighs three times all the others together.
  const others = files.map(f => readFileSync(f, 'utf8'))
  return [...others, ...Array<string>(3 * others.length).fill(full)]
}

test('the full seed config is clean, so mutants start from a config that evaluates', () => {
  const source = readFileSync(join(import.meta.dirname, 'testdata/full.alloy'), 'utf8')
  const ds = Controller.check([{ name: 'full.alloy', source }], (b, s) => decodeConfigBlocks(b, s).diagnostics, 'experimental')
  assert.deepEqual(ds.map(d => d.message), [])
})

test(`fuzz: ${CASES} mutated configs through Controller.check never throw, hang, or give unpositioned diagnostics`, { timeout: 300_000 }, async (t) => {
  const workerData: ConfigFuzzInput = { seeds: seeds(), cases: CASES, seed: 0xc0f19, maxMillis: 2000 }
  const worker = new Worker(new URL('./config-fuzz-worker.ts', import.meta.url), { workerData })
  const failures: string[] = []
  let current = -1
  let summary: Extract<ConfigFuzzMessage, { type: 'done' }> | undefined
  let timer: NodeJS.Timeout | undefined
  await new Promise<void>((resolve, reject) => {
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => { void worker.terminate(); reject(new Error(`case ${current} hung (seed 0xc0f19)`)) }, STALL_MS)
    }
    arm()
    worker.on('message', (m: ConfigFuzzMessage) => {
      if (m.type === 'case') { current = m.index; arm() } else if (m.type === 'fail') {
        failures.push(`case ${m.index}: ${m.reason}\n${m.files.map(f => `--- ${f.name}\n${f.source}`).join('\n')}`)
      } else summary = m
    })
    worker.on('error', err => { clearTimeout(timer); reject(err) })
    worker.on('exit', () => { clearTimeout(timer); resolve() })
  })
  assert.deepEqual(failures.slice(0, 3), [], `${failures.length} failing cases`)
  assert.ok(summary !== undefined, 'worker finished')
  t.diagnostic(JSON.stringify(summary))
  assert.equal(summary.cases, CASES)
  // The mutator must reach evaluation often, and produce both clean and broken configs.
  assert.ok(summary.evaluated > CASES / 3, `cases that reached evaluation: ${summary.evaluated}`)
  assert.ok(summary.clean > CASES / 20, `clean cases: ${summary.clean}`)
  assert.ok(summary.withErrors > CASES / 4, `cases with errors: ${summary.withErrors}`)
})

// ---- POST /-/reload with rejected configs keeps the old one running ----

let farm: Farm | undefined
let agent: Proc | undefined
after(async () => {
  await agent?.stop('SIGKILL')
  await farm?.close()
})

const good = (target: string, interval: string): string => `
prometheus.scrape "s" {
  targets         = [{"__address__" = "${target}"}]
  forward_to      = [prometheus.relabel.r.receiver]
  scrape_interval = "${interval}"
  scrape_timeout  = "500ms"
}

prometheus.relabel "r" {
  forward_to = []
  rule {
    action = "keep"
    regex  = ".*"
  }
}
`

test('rejected reloads (syntax, evaluation, validation, missing file) leave the running config scraping', { timeout: 60_000 }, async () => {
  farm = await startFarm(1, 1)
  const target = farm.addresses[0]
  const dir = tempDir('reload-fuzz')
  const cfg = join(dir, 'agent.alloy')
  const ok = good(target, '1s')
  writeFileSync(cfg, ok)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  agent = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  await waitFor('ready', async () => (await fetch(`${base}/-/ready`)).ok, 20_000).catch(err => { throw new Error(`${err.message}\n${agent?.output()}`) })
  await waitFor('first scrape', () => (farm!.scrapes.get(target) ?? 0) > 0 || undefined, 10_000)

  const broken: Array<[string, string | undefined, RegExp]> = [
    ['syntax', ok.replace('forward_to      =', 'forward_to      = ='), /agent\.alloy:4:\d+: /],
    ['unknown reference', ok.replace('prometheus.relabel.r.receiver', 'prometheus.relabel.nope.receiver'), /agent\.alloy:4:\d+: .*does not exist/],
    ['type', ok.replace('scrape_interval = "1s"', 'scrape_interval = 5'), /agent\.alloy:5:\d+: /],
    ['validation', ok.replace('scrape_timeout  = "500ms"', 'scrape_timeout  = "5s"'), /agent\.alloy:\d+:\d+: .*scrape_timeout/],
    ['bad regex', ok.replace('regex  = ".*"', 'regex  = "(unclosed"'), /agent\.alloy:\d+:\d+: /],
    ['unknown component', ok + '\nprometheus.nope "x" { }\n', /agent\.alloy:\d+:1: /],
    ['duplicate component', ok + good(target, '2s').split('prometheus.relabel')[0], /agent\.alloy:\d+:\d+: /],
    ['missing file', undefined, /no such file/],
  ]
  const metric = async (name: string): Promise<number> => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())
    return m === null ? NaN : Number(m[1])
  }
  for (const [what, text, re] of broken) {
    if (text === undefined) rmSync(cfg); else writeFileSync(cfg, text)
    const before = farm.scrapes.get(target) ?? 0
    const res = await fetch(`${base}/-/reload`, { method: 'POST' })
    const body = await res.text()
    assert.equal(res.status, 400, `${what}: ${body}`)
    assert.match(body, re, what)
    assert.equal(await metric('alloy_config_last_load_successful'), 0, what)
    // The old scrape keeps its 1 s interval.
    await new Promise(resolve => setTimeout(resolve, 2100))
    const n = (farm.scrapes.get(target) ?? 0) - before
    assert.ok(n >= 2 && n <= 3, `${what}: ${n} scrapes in 2.1 s after the rejected reload`)
    const c = await (await fetch(`${base}/api/v0/web/components/prometheus.scrape.s`)).json() as { arguments: Array<{ name: string, value: { value: unknown } }> }
    assert.equal(c.arguments.find(a => a.name === 'scrape_interval')?.value.value, '1s', what)
  }
  // A good config after all that applies.
  writeFileSync(cfg, good(target, '2s'))
  const res = await fetch(`${base}/-/reload`, { method: 'POST' })
  assert.equal(res.status, 200, await res.text())
  assert.equal(await metric('alloy_config_last_load_successful'), 1)
  assert.equal(agent.child.exitCode, null)
})
