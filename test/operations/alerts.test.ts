// operations/alerts.yaml with the real promtool: the rules parse, every alert fires and stays quiet
// on the series in operations/alerts.test.yaml, and every alert has a runbook section in docs/alerts.md.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const root = new URL('../../', import.meta.url).pathname

function promtool (...args: string[]): string {
  return execFileSync('promtool', args, { cwd: `${root}operations`, encoding: 'utf8' })
}

const rules = parse(readFileSync(`${root}operations/alerts.yaml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }
const alerts = rules.groups.flatMap(g => g.rules.map(r => r.alert))

test('promtool check rules accepts operations/alerts.yaml', () => {
  assert.match(promtool('check', 'rules', 'alerts.yaml'), new RegExp(`SUCCESS: ${alerts.length} rules found`))
})

test('promtool test rules passes operations/alerts.test.yaml', () => {
  assert.match(promtool('test', 'rules', 'alerts.test.yaml'), /SUCCESS/)
})

test('every alert is tested firing and quiet, and has a runbook', () => {
  const t = parse(readFileSync(`${root}operations/alerts.test.yaml`, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string, exp_alerts: unknown[] }> }> }
  const cases = t.tests.flatMap(x => x.alert_rule_test)
  const doc = readFileSync(`${root}docs/alerts.md`, 'utf8')
  assert.ok(alerts.length >= 9)
  for (const a of alerts) {
    assert.ok(cases.some(c => c.alertname === a && c.exp_alerts.length > 0), `${a} never fires in a test`)
    assert.ok(cases.some(c => c.alertname === a && c.exp_alerts.length === 0), `${a} has no quiet case`)
    assert.ok(doc.includes(`\n## ${a}\n`), `${a} has no runbook section`)
  }
})
