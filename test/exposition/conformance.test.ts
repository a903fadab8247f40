// Every case of the OpenMetrics parser conformance suite: lint must accept exactly the
// cases whose test.json says shouldParse. Beside it, shoal's UTF-8 cases in the same layout
// (quoted metric and label names as Prometheus 3 reads them; `"format": "prometheus-text"`
// marks a text-format case).

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

const utf8Dir = FIXTURES + 'utf8-conformance/'
const utf8Cases = readdirSync(utf8Dir).filter(c => !c.startsWith('.')).sort()

test('the UTF-8 cases are present, good and bad', () => {
  assert.equal(utf8Cases.length, 23)
  assert.ok(utf8Cases.some(c => c.startsWith('bad_')) && utf8Cases.some(c => !c.startsWith('bad_')))
})

for (const name of utf8Cases) {
  test(`UTF-8 conformance ${name}`, () => {
    const spec = JSON.parse(readFileSync(utf8Dir + name + '/test.json', 'utf8')) as { shouldParse: boolean, format?: string }
    assert.equal(spec.shouldParse, !name.startsWith('bad_'), 'a case is named for what it should do')
    const body = readFileSync(utf8Dir + name + '/metrics', 'utf8')
    const r = lintExposition(body, spec.format === 'prometheus-text' ? 'text' : 'openmetrics')
    assert.equal(r.ok, spec.shouldParse, JSON.stringify(r))
  })
}
