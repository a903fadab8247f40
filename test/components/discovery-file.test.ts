import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import '../../src/components/index.js'
import { Controller } from '../../src/runtime/controller.js'
import { nopLogger } from '../../src/logging/logger.js'

const check = (source: string): string[] =>
  Controller.check([{ name: 'main.alloy', source }]).filter(d => d.severity === 'error').map(d => `${d.span.start.line}: ${d.message}`)

test('discovery.file: files is list(string), as in Alloy (converter output validates)', () => {
  assert.deepEqual(check('discovery.file "x" {\n  files = ["/tmp/example_*.yaml", "/tmp/example.json"]\n}\n'), [])
  // The pre-Alloy object form is rejected with Alloy's type message.
  const errs = check('discovery.file "x" {\n  files = [{"__path__" = "/tmp/a.json"}]\n}\n')
  assert.equal(errs.length, 1)
  assert.match(errs[0], /should be string, got object/)
})

test('discovery.file: reads the files and globs it is given, each target with __meta_filepath', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-file-sd-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'a_1.json'), JSON.stringify([{ targets: ['h1:9100'], labels: { env: 'a' } }]))
  writeFileSync(join(dir, 'a_2.json'), JSON.stringify([{ targets: ['h2:9100'] }]))
  writeFileSync(join(dir, 'b.yaml'), '- targets: ["h3:9100", "h4:9100"]\n')
  const c = new Controller({ storagePath: dir, logger: nopLogger, registry: new Registry() })
  t.after(() => c.stop())
  const res = await c.load([{ name: 'main.alloy', source: `discovery.file "x" {\n  files = ["${dir}/a_*.json", "${dir}/b.yaml"]\n}\n` }])
  assert.ok(res.ok, JSON.stringify(res.diagnostics))
  const targets = c.component('discovery.file.x')!.exports.targets as Array<Record<string, string>>
  assert.deepEqual(targets.map(x => `${x.__address__} ${x.__meta_filepath.slice(dir.length + 1)} ${x.env ?? '-'}`).sort(),
    ['h1:9100 a_1.json a', 'h2:9100 a_2.json -', 'h3:9100 b.yaml -', 'h4:9100 b.yaml -'])
})
