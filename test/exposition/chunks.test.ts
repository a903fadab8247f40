// Buffer bodies are decoded in chunks of whole lines. Whatever the chunk size, a parser must
// report exactly what it reports for the body as one string: every entry, every accessor,
// hint hits, and errors with their body-wide line and column.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { Entry, ParseError, parserFor } from '../../src/exposition/parser.js'
import type { ExpositionParser, ParserOptions } from '../../src/exposition/parser.js'
import { BodyChunks, DEFAULT_CHUNK_BYTES } from '../../src/exposition/chunks.js'
import { OpenMetricsParser } from '../../src/exposition/openmetrics.js'
import { PromTextParser } from '../../src/exposition/prom-text.js'
import type { Label } from '../../src/storage/series.js'
import { FIXTURES } from './helpers.js'
import { mulberry32 } from '../helpers/random.js'

const TEXT = 'text/plain; version=0.0.4'
const OM = 'application/openmetrics-text; version=1.0.0'
/** 1: every line its own chunk; the others leave several lines, and line starts inside, per chunk. */
const SIZES = [1, 7, 40, 300]

type Event = unknown[]

function errorEvent (e: unknown): Event {
  if (!(e instanceof ParseError)) throw e
  return ['error', e.message, e.line, e.column]
}

/** Everything a parser reports, entry by entry; `hints` as the scrape loop gives them. */
function trace (p: ExpositionParser, hints?: readonly string[]): Event[] {
  const out: Event[] = []
  let h = 0
  if (hints !== undefined && hints.length > 0) p.hint!(hints[0])
  try {
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      switch (k) {
        case Entry.Series: {
          const labels: Label[] = []
          let decoded: unknown = labels
          try { p.labels(labels) } catch (e) { decoded = errorEvent(e) }
          out.push(['series', p.series(), p.value(), p.timestamp(), decoded, p.exemplar(), p.isCreated(), p.hinted?.()])
          if (hints !== undefined && ++h < hints.length) p.hint!(hints[h])
          break
        }
        case Entry.Type: out.push(['type', p.metricFamily(), p.type()]); break
        case Entry.Help: out.push(['help', p.metricFamily(), p.help()]); break
        case Entry.Unit: out.push(['unit', p.metricFamily(), p.unit()]); break
        case Entry.Comment: out.push(['comment', p instanceof PromTextParser ? p.comment() : undefined]); break
      }
    }
    out.push(['eof'])
  } catch (e) {
    out.push(errorEvent(e))
  }
  return out
}

type Make = (body: string | Buffer, options: ParserOptions) => ExpositionParser
const PARSERS: Array<[string, Make]> = [
  ['text', (b, o) => new PromTextParser(b, o)],
  ['openmetrics', (b, o) => new OpenMetricsParser(b, o)],
  ['openmetrics strict', (b, o) => new OpenMetricsParser(b, { ...o, strict: true })]
]

/** Series keys of the body in order, rotated by one so that hints hit, miss and resync. */
function hintsFor (body: string): string[] {
  const keys = trace(new PromTextParser(body)).filter(e => e[0] === 'series').map(e => e[1] as string)
  return keys.length < 2 ? keys : [...keys.slice(0, 3), ...keys.slice(4), keys[3]]
}

/** Compares every parser on buf as one string and as chunks of each size; returns the string traces. */
function same (buf: Buffer, what: string, sizes: readonly number[] = SIZES): Event[][] {
  const s = buf.toString('utf8')
  const traces: Event[][] = []
  for (const [name, make] of PARSERS) {
    const want = trace(make(s, {}))
    traces.push(want)
    for (const chunkSize of sizes) {
      assert.deepEqual(trace(make(buf, { chunkSize })), want, `${what}: ${name}, chunks of ${chunkSize}`)
    }
  }
  const hints = hintsFor(s)
  const want = trace(new PromTextParser(s), hints)
  for (const chunkSize of sizes) {
    assert.deepEqual(trace(new PromTextParser(buf, { chunkSize }), hints), want, `${what}: text with hints, chunks of ${chunkSize}`)
  }
  return traces
}

test('chunks are whole lines, at most the size unless a line is longer, and decode to the whole text', () => {
  // é is 2 bytes, € 3; 0xff and a truncated € are invalid UTF-8 and decode to U+FFFD.
  const buf = Buffer.concat([Buffer.from('ab\né€\n\nxxxxxxxxxx\n'), Buffer.from([0xff, 0x0a, 0xe2, 0x82, 0x0a, 0x61])])
  const chunks = (size: number): string[] => {
    const c = new BodyChunks(buf, size)
    const out = [c.next()]
    while (!c.final) out.push(c.next())
    return out
  }
  assert.deepEqual(chunks(1), ['ab\n', 'é€\n', '\n', 'xxxxxxxxxx\n', '\uFFFD\n', '\uFFFD\n', 'a'])
  // é€\n is 6 bytes; the last 6 bytes are all that is left, so they are one chunk.
  assert.deepEqual(chunks(6), ['ab\n', 'é€\n', '\n', 'xxxxxxxxxx\n', '\uFFFD\n\uFFFD\na'])
  assert.deepEqual(chunks(100), [buf.toString('utf8')])
  assert.deepEqual(new BodyChunks(Buffer.alloc(0)).next(), '')
})

test('extend() re-decodes from a line start past the current chunk', () => {
  const buf = Buffer.from('a\n\u00ff\nb\nc\nd\ne\nf\n')
  const c = new BodyChunks(buf, 6)
  assert.equal(c.next(), 'a\nÿ\n') // 5 bytes: ÿ is 2
  // From byte 2 (after 'a\n'), a window of twice the 3 bytes left, cut after its last '\n'.
  assert.equal(c.extend('a\nÿ\n', 2), 'ÿ\nb\n')
  assert.equal(c.final, false)
  assert.equal(c.linesBefore(), 1)
  assert.equal(c.extend('ÿ\nb\n', 2), 'b\nc\nd\n') // the size stays the minimum
  assert.equal(c.linesBefore(), 2)
  assert.equal(c.extend('b\nc\nd\n', 0), 'b\nc\nd\ne\nf\n') // 12 bytes reach the end
  assert.equal(c.final, true)
  assert.equal(c.linesBefore(), 2)
})

test('the default chunk size keeps even a two-byte string under V8\'s 128 KiB regular-object limit', () => {
  assert.ok(DEFAULT_CHUNK_BYTES * 2 + 64 < 128 * 1024)
})

test('fixture bodies: chunked Buffer input reports exactly what string input does', () => {
  for (const f of ['node_exporter.prom.txt', 'prometheus-server.prom.txt', 'alltypes.om.txt']) {
    const buf = readFileSync(FIXTURES + 'exposition/' + f)
    const [text, om] = same(buf, f, [1, 40, 4096])
    // The comparison must be about real content: the right format parses to the end.
    assert.deepEqual((f.endsWith('.om.txt') ? om : text).at(-1), ['eof'], f)
  }
  // node_exporter's body holds invalid UTF-8: more than one default-sized chunk, some not ASCII.
  const big = readFileSync(FIXTURES + 'exposition/node_exporter.prom.txt')
  assert.ok(big.length > 3 * DEFAULT_CHUNK_BYTES)
  const want = trace(parserFor(TEXT, big.toString('utf8')))
  assert.equal(want.filter(e => e[0] === 'series').length, 3027)
  assert.deepEqual(trace(parserFor(TEXT, big)), want)
})

test('the OpenMetrics conformance suite: chunked Buffer input reports exactly what string input does', () => {
  const dir = FIXTURES + 'openmetrics-conformance/'
  const cases = readdirSync(dir).filter(c => !c.startsWith('.'))
  assert.equal(cases.length, 141)
  let errors = 0
  for (const name of cases) {
    const traces = same(readFileSync(dir + name + '/metrics'), name)
    if (traces[2].at(-1)![0] === 'error') errors++
  }
  // Strict errors are compared too, not just successes (the suite has many bad cases).
  assert.ok(errors > 50, String(errors))
})

test('entries across chunk boundaries and errors after them', () => {
  const cases: Array<[string, string, Event[]]> = [
    // Raw newlines in label values: the series spans three lines, so three 1-byte chunks.
    [TEXT, 'a 1\nm{a="x\ny", b="z\n"} 2\nc 3 4\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['series', 'm{a="x\ny", b="z\n"}', 2, undefined, [{ name: '__name__', value: 'm' }, { name: 'a', value: 'x\ny' }, { name: 'b', value: 'z\n' }], undefined, false, undefined],
      ['series', 'c', 3, 4, [{ name: '__name__', value: 'c' }], undefined, false, undefined],
      ['eof']]],
    // Line numbers count the lines of earlier chunks and of a multi-line entry.
    [TEXT, 'a 1\nm{a="x\ny"} 2\nc{d=e} 3\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['series', 'm{a="x\ny"}', 2, undefined, [{ name: '__name__', value: 'm' }, { name: 'a', value: 'x\ny' }], undefined, false, undefined],
      ['error', 'expected label value, got "e" while parsing: "c{d=e" (line 4, column 5)', 4, 5]]],
    // A genuine error in a multi-line entry is reported where the string parse reports it.
    [TEXT, 'a 1\nm{a="x\ny" 2\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['error', 'expected label name, got "2" while parsing: "m{a=\\"x\\ny\\" 2" (line 3, column 4)', 3, 4]]],
    // labels() errors after a chunk change.
    [TEXT, '# TYPE a gauge\n\na 1\nb{x="1",x="2"} 1\n', [
      ['type', 'a', 'gauge'],
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['series', 'b{x="1",x="2"}', 1, undefined, ['error', 'label name "x" is not unique (line 4, column 1)', 4, 1], undefined, false, undefined],
      ['eof']]],
    // Histogram le normalisation needs the TYPE line of an earlier chunk.
    [TEXT, '# TYPE h histogram\n# HELP h x\\ny\nh_bucket{le="1"} 1\n', [
      ['type', 'h', 'histogram'],
      ['help', 'h', 'x\ny'],
      ['series', 'h_bucket{le="1"}', 1, undefined, [{ name: '__name__', value: 'h_bucket' }, { name: 'le', value: '1.0' }], undefined, false, undefined],
      ['eof']]],
    // `# EOF` ends a chunk but not the body.
    [OM, 'a 1\n# EOF\nb 2\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['error', 'unexpected data after # EOF (line 3, column 1)', 3, 1]]],
    [OM, 'a 1\n# EOF\n\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['error', 'unexpected data after # EOF (line 3, column 1)', 3, 1]]],
    [OM, '# TYPE a counter\na_total 1 # {id="x"} 2 3\na_created 1\n# EOF\n', [
      ['type', 'a', 'counter'],
      ['series', 'a_total', 1, undefined, [{ name: '__name__', value: 'a_total' }], { labels: [{ name: 'id', value: 'x' }], value: 2, timestamp: 3000 }, false, undefined],
      ['series', 'a_created', 1, undefined, [{ name: '__name__', value: 'a_created' }], undefined, true, undefined],
      ['eof']]],
    [OM, 'a 1\nb 2\n', [
      ['series', 'a', 1, undefined, [{ name: '__name__', value: 'a' }], undefined, false, undefined],
      ['series', 'b', 2, undefined, [{ name: '__name__', value: 'b' }], undefined, false, undefined],
      ['error', 'data does not end with # EOF (line 3, column 1)', 3, 1]]],
  ]
  for (const [ct, body, events] of cases) {
    // Text parsers answer hinted() (false without a hint); OpenMetrics has no hint().
    const want = ct === TEXT ? events.map(e => e[0] === 'series' ? [...e.slice(0, 7), false] : e) : events
    assert.deepEqual(trace(parserFor(ct, body)), want, body)
    for (const chunkSize of SIZES) assert.deepEqual(trace(parserFor(ct, Buffer.from(body), { chunkSize })), want, `${body} in chunks of ${chunkSize}`)
  }
})

test('hints: a key that does not fit in the chunk misses there, and hits once the entry is re-scanned whole', () => {
  const body = 'a 1\nm{a="x\ny"} 2\nb 3\n'
  const hints = ['a', 'm{a="x\ny"}', 'b']
  const want = [true, true, true]
  const hinted = (p: ExpositionParser): unknown[] => trace(p, hints).filter(e => e[0] === 'series').map(e => e[7])
  assert.deepEqual(hinted(new PromTextParser(body)), want)
  for (const chunkSize of SIZES) assert.deepEqual(hinted(new PromTextParser(Buffer.from(body), { chunkSize })), want)
})

test('invalid and multi-byte UTF-8 decode per chunk exactly as for the whole body', () => {
  const buf = Buffer.concat([
    Buffer.from('# HELP m caf\u00e9 \u20ac\n# weird \u00ff'), Buffer.from([0xe2, 0x82, 0x0a]),
    Buffer.from('m{a="\u00e9\n'), Buffer.from([0xf0, 0x9f]), Buffer.from('",b="\u{1f600}"} 1\n'),
    Buffer.from('n{a="'), Buffer.from([0xc3]), Buffer.from('"} 2\n\u00e9 3\n')
  ])
  const [text] = same(buf, 'utf-8 body')
  // The error column counts UTF-16 units of the line, as in the string parse.
  assert.deepEqual(text.at(-1), ['error', 'expected a valid start token, got "é" while parsing: "é" (line 6, column 1)', 6, 1])
  assert.deepEqual(text[2][4], [{ name: '__name__', value: 'm' }, { name: 'a', value: '\u00e9\n\uFFFD' }, { name: 'b', value: '\u{1f600}' }])
})

const SPECIAL = ['{', '}', '"', '\\', '\n', '\n', '"\n', ' ', '\t', '#', ',', '=', 'Inf', '# EOF\n', '# TYPE ', '# HELP ', 'é', '\uFFFD', '_bucket', 'le="']

test('mutated fixture windows: chunked Buffer input reports exactly what string input does', () => {
  const rnd = mulberry32(0xc0ffee)
  let errors = 0
  let total = 0
  for (const f of ['node_exporter.prom.txt', 'prometheus-server.prom.txt', 'alltypes.om.txt']) {
    const lines = readFileSync(FIXTURES + 'exposition/' + f, 'utf8').split('\n')
    for (let n = 0; n < 150; n++) {
      const from = Math.floor(rnd() * Math.max(1, lines.length - 25))
      let s = lines.slice(from, from + 25).join('\n') + (f.endsWith('.om.txt') ? '\n# EOF\n' : '\n')
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
        const at = Math.floor(rnd() * (s.length + 1))
        s = rnd() < 0.5
          ? s.slice(0, at) + SPECIAL[Math.floor(rnd() * SPECIAL.length)] + s.slice(at)
          : s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3))
      }
      const traces = same(Buffer.from(s), JSON.stringify(s), [1, 13, 200])
      total++
      if (traces[f.endsWith('.om.txt') ? 1 : 0].at(-1)![0] === 'error') errors++
    }
  }
  // Both outcomes must be common, or the comparison is not exercising anything.
  assert.ok(errors > total / 5 && errors < total * 4 / 5, `${errors} errors of ${total}`)
})
