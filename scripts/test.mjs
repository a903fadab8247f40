#!/usr/bin/env node
// Runs the test suite with Node's test runner (TypeScript through tsx).
//   node scripts/test.mjs            every test under test/
//   node scripts/test.mjs --unit     only test/**/*.test.ts outside test/e2e
//   node scripts/test.mjs FILE...    the given files
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(`shoal's tests need Node >= 22 (this is ${process.version}); run them through npm (npm test), which uses the Node 22 that npm install put in node_modules/.bin.`)
  process.exit(1)
}

const args = process.argv.slice(2)
const unitOnly = args.includes('--unit')
let files = args.filter(a => !a.startsWith('--'))
if (files.length === 0) {
  const walk = (dir) => readdirSync(dir).flatMap(n => {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) return (n === 'fixtures' || (unitOnly && n === 'e2e')) ? [] : walk(p)
    return p.endsWith('.test.ts') ? [p] : []
  })
  files = walk('test').sort()
}
// Tests that load the whole machine (a five-agent chaos run) go last and alone, so their load
// does not make the timing of the others flaky, nor theirs.
const heavy = files.filter(f => /chaos\.test\.ts$/.test(f))
const normal = files.filter(f => !heavy.includes(f))
const run = (list, concurrency) => list.length === 0
  ? 0
  : (spawnSync(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`,
      '--test-timeout=600000', ...list,
    ], { stdio: 'inherit' }).status ?? 1)
const first = run(normal, process.env.TEST_CONCURRENCY ?? 2)
const second = run(heavy, 1)
process.exit(first !== 0 ? first : second)
