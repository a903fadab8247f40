// prometheus.scrape's metric_name_validation_scheme and metric_name_escaping_scheme: every value
// and combination accepted or refused as Alloy's Arguments.Validate does (in its words, naming
// the key, at the block's file:line:col), and what an accepted one resolves to.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Controller } from '../../src/runtime/controller.js'
import { escapingScheme } from '../../src/components/prometheus/scrape.js'
import '../../src/components/index.js'

const SCRAPE = (inner: string): string => `prometheus.scrape "s" {\n  targets    = []\n  forward_to = []\n  ${inner}\n}\n`

const check = (source: string): string[] =>
  Controller.check([{ name: 'c.alloy', source }]).filter(d => d.severity === 'error')
    .map(d => `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.message}`)

const ALLOW_WITH_LEGACY = "c.alloy:1:1: metric_name_escaping_scheme cannot be set to 'allow-utf-8' while metric_name_validation_scheme is not set to 'utf8'"

// [validation, escaping, the escaping it resolves to or the error]
const table: Array<[string | undefined, string | undefined, string]> = [
  [undefined, undefined, 'underscores'],
  ['legacy', undefined, 'underscores'],
  ['utf8', undefined, 'allow-utf-8'],
  ['utf8', 'allow-utf-8', 'allow-utf-8'],
  ['utf8', 'underscores', 'underscores'],
  ['utf8', 'dots', 'dots'],
  ['utf8', 'values', 'values'],
  ['legacy', 'underscores', 'underscores'],
  ['legacy', 'dots', 'dots'],
  ['legacy', 'values', 'values'],
  [undefined, 'dots', 'dots'],
  ['legacy', 'allow-utf-8', ALLOW_WITH_LEGACY],
  [undefined, 'allow-utf-8', ALLOW_WITH_LEGACY],
  ['UTF8', undefined, 'c.alloy:1:1: invalid metric_name_validation_scheme "UTF8": must be either "utf8" or "legacy"'],
  ['', undefined, 'c.alloy:1:1: invalid metric_name_validation_scheme "": must be either "utf8" or "legacy"'],
  ['utf8', 'utf8', 'c.alloy:1:1: invalid metric_name_escaping_scheme: "utf8", supported values: [allow-utf-8 underscores dots values]'],
  ['legacy', 'Underscores', 'c.alloy:1:1: invalid metric_name_escaping_scheme: "Underscores", supported values: [allow-utf-8 underscores dots values]'],
]

for (const [v, e, want] of table) {
  test(`validation ${v ?? '(unset)'}, escaping ${e ?? '(unset)'} -> ${want.includes(':') ? 'refused' : want}`, () => {
    const lines = [v === undefined ? '' : `metric_name_validation_scheme = ${JSON.stringify(v)}`, e === undefined ? '' : `metric_name_escaping_scheme = ${JSON.stringify(e)}`]
    const errs = check(SCRAPE(lines.filter(x => x !== '').join('\n  ')))
    if (want.includes(':')) {
      assert.deepEqual(errs, [want])
    } else {
      assert.deepEqual(errs, [])
      const args = { metric_name_validation_scheme: v ?? 'legacy', metric_name_escaping_scheme: e ?? '' }
      assert.equal(escapingScheme(args), want)
    }
  })
}
