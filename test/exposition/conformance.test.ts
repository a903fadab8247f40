// Every case of the OpenMetrics parser conformance suite: lint must accept exactly the
// cases whose test.json says shouldParse.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { lintExposition } from '../../src/exposition/lint.js'
import { FIXTURES } from './helpers.js'

const dir = FIXTURES + 'openmetrics-conformance/'
const cases = readdirSync(dir).filter(c => !c.startsWith('.')).sort()

test('the conformance suite is present', () => {
  assert.equal(cases.length, 141)
})

for (const name of cases) {
  test(`conformance ${name}`, () => {
    const spec = JSON.parse(readFileSync(dir + name + '/test.json', 'utf8')) as { shouldParse: boolean }
    const body = readFileSync(dir + name + '/metrics', 'utf8')
    const r = lintExposition(body, 'openmetrics')
    assert.equal(r.ok, spec.shouldParse, JSON.stringify(r))
  })
}
