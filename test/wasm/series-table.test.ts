// The issue-18 spike's WebAssembly series table must see what the JS parser sees: the same
// samples, the same distinct series, the same values and timestamps.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { Entry, parserFor } from '../../src/exposition/parser.js'
import { WasmSeriesTable } from '../../src/wasm/series-table.js'

const root = new URL('../../', import.meta.url).pathname
const TEXT = 'text/plain; version=0.0.4'

async function table (): Promise<WasmSeriesTable> {
  const r = spawnSync(process.execPath, [root + 'scripts/build-wasm.mjs'], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return WasmSeriesTable.load(readFileSync(root + '.tmp/wasm/series-table.wasm'))
}

interface JsSample { series: string, value: number, timestamp: number | undefined }
function jsSamples (body: string): JsSample[] {
  const out: JsSample[] = []
  const p = parserFor(TEXT, body)
  for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
    if (k === Entry.Series) out.push({ series: p.series(), value: p.value(), timestamp: p.timestamp() })
  }
  return out
}

function check (t: WasmSeriesTable, body: Buffer, defaultTs: number, expectNew: boolean): void {
  const js = jsSamples(body.toString('utf8'))
  const r = t.scan(body, defaultTs)
  assert.equal(r.errors, 0)
  assert.equal(r.samples, js.length)
  const distinct = new Set(js.map(s => s.series)).size
  if (expectNew) assert.equal(r.newSeries, distinct)
  else assert.equal(r.newSeries, 0)
  let checked = 0
  for (const s of js) {
    const key = Buffer.from(s.series, 'utf8')
    if (key.includes(0xef)) continue // U+FFFD: the body had invalid UTF-8, not the same bytes
    const slot = t.lookup(key)
    assert.ok(slot >= 0, s.series)
    // The last sample of a series wins in both (the fixtures repeat no series).
    assert.ok(Object.is(t.value(slot), s.value), `${s.series}: ${t.value(slot)} != ${s.value}`)
    assert.equal(t.timestamp(slot), s.timestamp ?? defaultTs)
    checked++
  }
  assert.ok(checked > js.length * 0.9)
}

test('node_exporter fixture: same samples, series and values as the JS parser, cold and warm', async () => {
  const t = await table()
  const body = readFileSync(root + 'test/fixtures/exposition/node_exporter.prom.txt')
  check(t, body, 1000, true)
  assert.equal(t.series, new Set(jsSamples(body.toString('utf8')).map(s => s.series)).size)
  // Warm, with changed values: a fixed shift of every plain decimal value.
  const changed = Buffer.from(body.toString('latin1').replace(/ (\d+)(\.\d+)?(e[+-]?\d+)?\n/g, (_m, a: string, b = '', c = '') => ` ${Number(a) + 7}${b}${c}\n`), 'latin1')
  check(t, changed, 2000, false)
  assert.equal(t.stale, 0)
})

test('value forms, timestamps, quoted braces, comments; a vanished series is stale', async () => {
  const t = await table()
  const body = Buffer.from([
    '# HELP a help with { and "',
    '# TYPE a gauge',
    'a 1',
    '  b{x="}",y="a\\"b\\\\"} -2.5e-3 1700000000123',
    'c{le="+Inf"} +Inf',
    'd -Inf',
    'e NaN',
    'f 12345678901234567890',
    'g 1.7976931348623157e308',
    'h 4.9e-324',
    'i 0.1',
    '{"utf8.name"} 3 5',
    '',
    'k\t42\t',
    'm inf',
    ''
  ].join('\n'))
  check(t, body, 99, true)
  const short = Buffer.from('a 2\nd 3\n')
  assert.deepEqual(t.scan(short, 100), { samples: 2, newSeries: 0, errors: 0 })
  assert.equal(t.stale, t.series - 2)
  assert.equal(t.value(t.lookup(Buffer.from('d'))), 3)
})

test('malformed lines are counted and skipped, the rest still scanned', async () => {
  const t = await table()
  const r = t.scan(Buffer.from('a{x="1" 1\nb 2\nc\nd 1 2 3\nn 1 -5\ne 5\n'), 0)
  assert.deepEqual(r, { samples: 2, newSeries: 2, errors: 4 })
})

const GENERATED = '/tmp/bench-cache/bodies-n200-s1000-v3-i5/t0.v0.prom'
test('bench-scrape generated body', { skip: !existsSync(GENERATED) }, async () => {
  const t = await table()
  check(t, readFileSync(GENERATED), 5, true)
  check(t, readFileSync(GENERATED.replace('v0', 'v1')), 6, false)
})
