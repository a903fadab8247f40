// `npm test` runs eslint on the whole tree before the suite; this proves the configuration it
// runs catches the mistakes it was chosen for, by linting a probe file full of them with the
// project's own eslint.config.js (type-aware, so the probe lives in test/'s tsconfig project).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

const PROBE = `
async function fetchThing (): Promise<number> { return 1 }
export function caller (): void {
  fetchThing()
}
export function unused (): void {
  const leftOver = 2
}
export function thenable (): void {
  [1, 2].forEach(async () => { await fetchThing() })
  setTimeout(fetchThing, 10)
}
export async function awaitsNothing (): Promise<void> {
  await 3
}
`

test('the eslint configuration reports floating promises, unused code and misused promises', async () => {
  const file = join(root, 'test', 'codebase', `lint-probe-${process.pid}.ts`)
  writeFileSync(file, PROBE)
  try {
    const eslint = new ESLint({ cwd: root })
    const [result] = await eslint.lintFiles([file])
    const rules = result.messages.map(m => `${m.line}:${m.ruleId ?? m.message}`).sort()
    assert.ok(rules.includes('4:@typescript-eslint/no-floating-promises'), rules.join(', '))
    assert.ok(rules.includes('7:@typescript-eslint/no-unused-vars'), rules.join(', '))
    assert.ok(rules.includes('10:@typescript-eslint/no-misused-promises'), rules.join(', '))
    assert.ok(rules.includes('11:@typescript-eslint/no-misused-promises'), rules.join(', '))
    assert.ok(rules.includes('14:@typescript-eslint/await-thenable'), rules.join(', '))
    // And nothing is a parse error: the probe was linted with type information.
    assert.equal(result.messages.filter(m => m.fatal === true).length, 0, rules.join(', '))
  } finally {
    rmSync(file, { force: true })
  }
})

test('a clean file gets no findings', async () => {
  const file = join(root, 'test', 'codebase', `lint-clean-${process.pid}.ts`)
  writeFileSync(file, 'export async function ok (): Promise<number> { return await Promise.resolve(1) }\nexport function caller (): void { void ok() }\n')
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file])
    assert.deepEqual(result.messages.map(m => m.message), [])
  } finally {
    rmSync(file, { force: true })
  }
})
