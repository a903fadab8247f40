import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { FuzzInput, FuzzMessage } from './fuzz-worker.js'

const testdata = join(import.meta.dirname, 'testdata')
const CASES = 4000
const STALL_MS = 5000 // no progress for this long means a case hangs

function seeds (): string[] {
  const out: string[] = []
  for (const sub of ['valid', 'printer', 'errors']) {
    const dir = join(testdata, sub)
    for (const f of readdirSync(dir)) if (/\.(alloy|in)$/.test(f)) out.push(readFileSync(join(dir, f), 'utf8'))
  }
  return out
}

it(`fuzz: ${CASES} mutated files never throw, hang, or give unpositioned diagnostics`, async () => {
  const workerData: FuzzInput = { seeds: seeds(), cases: CASES, seed: 3, maxMillis: 500 }
  const worker = new Worker(new URL('./fuzz-worker.ts', import.meta.url), { workerData })
  const failures: string[] = []
  let current: { index: number, src: string } | undefined
  let summary: Extract<FuzzMessage, { type: 'done' }> | undefined
  let timer: NodeJS.Timeout | undefined
  await new Promise<void>((resolve, reject) => {
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        void worker.terminate()
        reject(new Error(`case ${current?.index} hung; input: ${JSON.stringify(current?.src)}`))
      }, STALL_MS)
    }
    arm()
    worker.on('message', (m: FuzzMessage) => {
      if (m.type === 'case') { current = m; if (m.index % 100 === 0) arm() } else if (m.type === 'fail') {
        failures.push(`case ${m.index}: ${m.reason}\ninput: ${JSON.stringify(m.src)}`)
      } else { summary = m }
    })
    worker.on('error', reject)
    worker.on('exit', () => { clearTimeout(timer); resolve() })
  })
  assert.deepEqual(failures.slice(0, 5), [])
  assert.ok(summary !== undefined, 'worker finished')
  assert.equal(summary.cases, CASES)
  // The mutator must exercise both paths.
  assert.ok(summary.clean > CASES / 20, `clean cases: ${summary.clean}`)
  assert.ok(summary.withErrors > CASES / 4, `cases with errors: ${summary.withErrors}`)
})
