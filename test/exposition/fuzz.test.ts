// Fixed-seed mutations of the fixture bodies: parsing never hangs and never throws anything
// but ParseError, in both formats, on the scrape path and in strict lint.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Entry, ParseError, parserFor } from '../../src/exposition/parser.js'
import type { Label } from '../../src/storage/series.js'
import { lintExposition } from '../../src/exposition/lint.js'
import { FIXTURES } from './helpers.js'
import { mulberry32 } from '../helpers/random.js'

const SPECIAL = ['{', '}', '"', '\\', '\n', ' ', '\t', '#', ',', '=', '\r', '\0', 'e', '.', '-', '+', 'Inf', 'NaN', '# EOF\n', '# TYPE ', '# HELP ', 'é', '\uFFFD', '_bucket', 'le="']

function mutate (body: string, rnd: () => number): string {
  // A window of about 40 lines keeps each case small; OpenMetrics windows keep their # EOF.
  const lines = body.split('\n')
  const from = Math.floor(rnd() * Math.max(1, lines.length - 40))
  let s = lines.slice(from, from + 40).join('\n') + (body.endsWith('# EOF\n') && from + 40 < lines.length ? '\n# EOF\n' : '')
  const edits = 1 + Math.floor(rnd() * 4)
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (s.length + 1))
    const op = Math.floor(rnd() * 5)
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3))
    else if (op === 1) s = s.slice(0, at) + SPECIAL[Math.floor(rnd() * SPECIAL.length)] + s.slice(at)
    else if (op === 2) s = s.slice(0, at)
    else if (op === 3) { const len = Math.floor(rnd() * 30); s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at) }
    else s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 128)) + s.slice(at + 1)
  }
  return s
}

function drain (contentType: string, body: string): number {
  const p = parserFor(contentType, body)
  const scratch: Label[] = []
  let steps = 0
  let samples = 0
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
    // Every entry consumes at least one character: more entries than characters means a loop.
    if (++steps > body.length + 1) assert.fail('parser does not advance')
    if (k === Entry.Series) {
      samples++
      p.series(); p.value(); p.timestamp(); p.exemplar(); p.isCreated(); p.createdTimestamp?.()
      scratch.length = 0
      p.labels(scratch)
    }
  }
  return samples
}

const bodies: Array<[string, string, 'text' | 'openmetrics']> = [
  ['node_exporter.prom.txt', 'text/plain', 'text'],
  ['prometheus-server.prom.txt', 'text/plain', 'text'],
  ['alltypes.om.txt', 'application/openmetrics-text', 'openmetrics']
]

for (const [file, ct, format] of bodies) {
  test(`fuzz ${file}`, () => {
    const body = readFileSync(FIXTURES + 'exposition/' + file, 'utf8')
    const rnd = mulberry32(0x5eed + file.length)
    let ok = 0
    let failed = 0
    for (let n = 0; n < 1500; n++) {
      const s = mutate(body, rnd)
      for (const parse of [() => drain(ct, s), () => drain(format === 'text' ? 'application/openmetrics-text' : 'text/plain', s)]) {
        try { parse(); ok++ } catch (e) {
          if (!(e instanceof ParseError)) assert.fail(`${String(e)} on ${JSON.stringify(s)}`)
          assert.ok(e.line >= 1 && e.column >= 1, 'position is 1-based')
          failed++
        }
      }
      const lint = lintExposition(s, format)
      assert.equal(typeof lint.ok, 'boolean')
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    assert.ok(ok > 100 && failed > 100, `ok ${ok}, failed ${failed}`)
  })
}
