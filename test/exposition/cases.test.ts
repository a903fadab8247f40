// A table of tricky inputs with exact expected series, labels, values, timestamps and errors.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Entry, ParseError, parserFor } from '../../src/exposition/parser.js'
import { lintExposition } from '../../src/exposition/lint.js'
import { formatOpenMetricsFloat, parseNumber } from '../../src/exposition/scan.js'
import { collect, obj } from './helpers.js'

const TEXT = 'text/plain; version=0.0.4'
const OM = 'application/openmetrics-text; version=1.0.0'

interface Good { name: string, ct?: string, body: string, series: string, labels: Record<string, string>, value: number, ts?: number }

const good: Good[] = [
  { name: 'bare name', body: 'a 1\n', series: 'a', labels: { __name__: 'a' }, value: 1 },
  { name: 'no final newline, int timestamp', body: 'a{b="c"} 1 123', series: 'a{b="c"}', labels: { __name__: 'a', b: 'c' }, value: 1, ts: 123 },
  { name: 'leading whitespace, tabs, blank lines', body: '\n\n \t a{b="c"}\t2\t 7 \n', series: 'a{b="c"}', labels: { __name__: 'a', b: 'c' }, value: 2, ts: 7 },
  { name: 'spaces in label block, trailing comma, sorted output', body: 'm {z="1" , a="2",} -Inf\n', series: 'm {z="1" , a="2",}', labels: { __name__: 'm', a: '2', z: '1' }, value: -Infinity },
  { name: 'missing comma between labels (Prometheus accepts)', body: 'm{a="1" b="2"} 3\n', series: 'm{a="1" b="2"}', labels: { __name__: 'm', a: '1', b: '2' }, value: 3 },
  { name: 'empty label set', body: 'm{} NaN\n', series: 'm{}', labels: { __name__: 'm' }, value: NaN },
  { name: 'escapes in values, unknown escape kept', body: 'm{a="x\\\\y\\"z\\nw\\t"} 0\n', series: 'm{a="x\\\\y\\"z\\nw\\t"}', labels: { __name__: 'm', a: 'x\\y"z\nw\\t' }, value: 0 },
  { name: 'raw newline inside a label value', body: 'm{a="x\ny"} 1\n', series: 'm{a="x\ny"}', labels: { __name__: 'm', a: 'x\ny' }, value: 1 },
  { name: 'quoted UTF-8 metric name', body: '{"my.metric",a="1"} 3\n', series: '{"my.metric",a="1"}', labels: { __name__: 'my.metric', a: '1' }, value: 3 },
  { name: 'value spellings', body: 'm +inf\n', series: 'm', labels: { __name__: 'm' }, value: Infinity },
  { name: 'exponent and leading dot', body: 'm .5e1\n', series: 'm', labels: { __name__: 'm' }, value: 5 },
  { name: 'long mantissa goes through Number()', body: 'm 1.7268398142239082e+09\n', series: 'm', labels: { __name__: 'm' }, value: 1.7268398142239082e+09 },
  { name: 'histogram le is normalised', body: '# TYPE h histogram\nh_bucket{le="1"} 0\n', series: 'h_bucket{le="1"}', labels: { __name__: 'h_bucket', le: '1.0' }, value: 0 },
  { name: 'le of untyped metric is kept', body: '# TYPE h histogram\nx_bucket{le="1"} 0\n', series: 'x_bucket{le="1"}', labels: { __name__: 'x_bucket', le: '1' }, value: 0 },
  { name: 'OpenMetrics timestamps are seconds', ct: OM, body: 'a 1 1.5\n# EOF\n', series: 'a', labels: { __name__: 'a' }, value: 1, ts: 1500 },
  { name: 'OpenMetrics tiny timestamp truncates', ct: OM, body: 'a 1 0.0000000001\n# EOF', series: 'a', labels: { __name__: 'a' }, value: 1, ts: 0 },
  { name: 'OpenMetrics trailing comma allowed on the scrape path', ct: OM, body: 'a{b="c",} 1\n# EOF\n', series: 'a{b="c",}', labels: { __name__: 'a', b: 'c' }, value: 1 },
  { name: 'OpenMetrics summary quantile normalised', ct: OM, body: '# TYPE s summary\ns{quantile="1e-7"} 1\n# EOF\n', series: 's{quantile="1e-7"}', labels: { __name__: 's', quantile: '1e-07' }, value: 1 }
]

for (const c of good) {
  test(`parses: ${c.name}`, () => {
    const { samples } = collect(parserFor(c.ct ?? TEXT, c.body))
    assert.equal(samples.length, 1)
    const s = samples[0]
    assert.equal(s.series, c.series)
    assert.deepEqual(obj(s.labels), c.labels)
    assert.deepEqual(s.labels.map(l => l.name), Object.keys(c.labels).sort())
    assert.equal(s.value, c.value)
    assert.equal(s.timestamp, c.ts)
  })
}

const bad: Array<{ name: string, ct?: string, body: string, line: number, column: number, message: RegExp }> = [
  { name: 'CRLF line endings (Prometheus rejects them too)', body: 'a 1\r\n', line: 1, column: 3, message: /invalid value "1\\r"/ },
  { name: 'float timestamp in text format', body: 'a 1 1.5\n', line: 1, column: 6, message: /expected next entry after timestamp/ },
  { name: 'unquoted label value', body: 'ok 1\na{b=c} 1\n', line: 2, column: 5, message: /expected label value/ },
  { name: 'missing value', body: 'a{b="c"}\n', line: 1, column: 9, message: /expected value after metric/ },
  { name: 'three fields', body: 'a 1 2 3\n', line: 1, column: 7, message: /expected next entry after timestamp/ },
  { name: 'hex value', body: 'a 0x1\n', line: 1, column: 3, message: /invalid value "0x1"/ },
  { name: 'underscore in value', body: 'a 1_0\n', line: 1, column: 3, message: /invalid value/ },
  { name: 'overflowing value', body: 'a 1e999\n', line: 1, column: 3, message: /invalid value/ },
  { name: 'signed NaN', body: 'a -NaN\n', line: 1, column: 3, message: /invalid value/ },
  { name: 'unknown type', body: '# TYPE a foo\n', line: 1, column: 10, message: /invalid metric type "foo"/ },
  { name: 'HELP without a name', body: '# HELP \n', line: 1, column: 8, message: /expected metric name after HELP/ },
  { name: 'bad metric name start', body: '1a 1\n', line: 1, column: 1, message: /expected a valid start token/ },
  { name: 'unterminated label value', body: 'a{b="c} 1', line: 1, column: 10, message: /unterminated label value/ },
  { name: 'no metric name', body: '{a="b"} 1\n', line: 1, column: 7, message: /metric name not set/ },
  { name: 'OpenMetrics without # EOF', ct: OM, body: 'a 1\n', line: 2, column: 1, message: /does not end with # EOF/ },
  { name: 'OpenMetrics data after # EOF', ct: OM, body: 'a 1\n# EOF\n\n', line: 3, column: 1, message: /unexpected data after # EOF/ },
  { name: 'OpenMetrics double space', ct: OM, body: 'a  1\n# EOF\n', line: 1, column: 3, message: /expected value after metric/ },
  { name: 'OpenMetrics blank line', ct: OM, body: 'a 1\n\n# EOF\n', line: 2, column: 1, message: /expected a valid start token/ },
  { name: 'OpenMetrics comment line', ct: OM, body: '# hello\n# EOF\n', line: 1, column: 2, message: /expected "# HELP"/ },
  { name: 'OpenMetrics NaN timestamp', ct: OM, body: 'a 1 NaN\n# EOF\n', line: 1, column: 5, message: /invalid timestamp "NaN"/ },
  { name: 'OpenMetrics unit not a suffix', ct: OM, body: '# UNIT a_bytes seconds\n# EOF\n', line: 1, column: 16, message: /unit "seconds" not a suffix/ }
]

for (const c of bad) {
  test(`rejects: ${c.name}`, () => {
    assert.throws(() => collect(parserFor(c.ct ?? TEXT, c.body)), (e: unknown) => {
      assert.ok(e instanceof ParseError, String(e))
      assert.match(e.message, c.message)
      assert.deepEqual([e.line, e.column], [c.line, c.column])
      return true
    })
  })
}

test('duplicate label names fail in labels(), after series() worked', () => {
  const p = parserFor(TEXT, 'a{b="1",b="2"} 1\n')
  assert.equal(p.next(), Entry.Series)
  assert.equal(p.series(), 'a{b="1",b="2"}')
  assert.throws(() => p.labels([]), /label name "b" is not unique/)
})

test('labels() appends after what out already holds', () => {
  const p = parserFor(TEXT, 'a{z="1",b="2"} 1\n')
  p.next()
  const out = [{ name: 'zz', value: 'keep' }]
  p.labels(out)
  assert.deepEqual(out.map(l => l.name), ['zz', '__name__', 'b', 'z'])
})

test('metadata and comments in the text format', () => {
  const body = '# HELP a some\\\\help\\nmore \\"q\\"\n# TYPE a untyped\n#comment\n# other comment\n# HELP  b\na 1\n'
  const p = parserFor(undefined, body)
  assert.equal(p.next(), Entry.Help)
  assert.equal(p.metricFamily(), 'a')
  assert.equal(p.help(), 'some\\help\nmore \\"q\\"')
  assert.equal(p.next(), Entry.Type)
  assert.equal(p.type(), 'unknown')
  assert.equal(p.next(), Entry.Comment)
  assert.equal(p.next(), Entry.Comment)
  assert.equal(p.next(), Entry.Help)
  assert.equal(p.metricFamily(), 'b')
  assert.equal(p.help(), '')
  assert.equal(p.next(), Entry.Series)
  assert.equal(p.next(), Entry.EOF)
  assert.equal(p.next(), Entry.EOF)
})

test('OpenMetrics metadata, exemplar and _created', () => {
  const body = '# TYPE a counter\n# UNIT a \n# HELP a he\\"lp\\n\na_total 3 10 # {id="x",y="\\n"} 2.5 3.25\na_created 1.5\n# EOF'
  const p = parserFor(OM, body)
  assert.equal(p.next(), Entry.Type)
  assert.equal(p.type(), 'counter')
  assert.equal(p.next(), Entry.Unit)
  assert.equal(p.unit(), '')
  assert.equal(p.next(), Entry.Help)
  assert.equal(p.help(), 'he"lp\n')
  assert.equal(p.next(), Entry.Series)
  assert.equal(p.series(), 'a_total')
  assert.equal(p.timestamp(), 10000)
  assert.equal(p.isCreated(), false)
  assert.deepEqual(p.exemplar(), { labels: [{ name: 'id', value: 'x' }, { name: 'y', value: '\n' }], value: 2.5, timestamp: 3250 })
  assert.equal(p.next(), Entry.Series)
  assert.equal(p.isCreated(), true)
  assert.equal(p.exemplar(), undefined)
  assert.equal(p.value(), 1.5)
  assert.equal(p.next(), Entry.EOF)
})

test('content type selection', () => {
  assert.equal(parserFor('Application/OpenMetrics-Text;version=1.0.0', 'a 1\n# EOF\n').constructor.name, 'OpenMetricsParser')
  assert.equal(parserFor('text/html', 'a 1\n').constructor.name, 'PromTextParser')
  assert.equal(parserFor(undefined, 'a 1\n').constructor.name, 'PromTextParser')
})

test('strict lint refuses what the scrape path tolerates', () => {
  assert.equal(lintExposition('a{b="c",} 1\n# EOF\n', 'openmetrics').ok, false)
  assert.equal(lintExposition('{"a.b",} 1\n# EOF\n', 'openmetrics').ok, false)
  // Quoted UTF-8 names are read as Prometheus 3 reads them, strict or not.
  assert.deepEqual(lintExposition('{"a.b"} 1\n# EOF\n', 'openmetrics'), { ok: true, samples: 1 })
  assert.deepEqual(lintExposition('a{b="\uFFFD"} 1\n# EOF\n', 'openmetrics'), { ok: false, error: 'invalid UTF-8 (line 1, column 6)', line: 1, column: 6 })
  assert.deepEqual(lintExposition('# TYPE a gauge\na 1\n# EOF\n', 'openmetrics'), { ok: true, samples: 1 })
  assert.deepEqual(lintExposition('a{b="1",b="2"} 1\n', 'text'), { ok: false, error: 'label name "b" is not unique (line 1, column 1)', line: 1, column: 1 })
})

test('number grammar and OpenMetrics float formatting', () => {
  const n = (x: string): number => parseNumber(x, 0, x.length)
  assert.equal(n('0000000000000000000000000000000000000000001.2e-1'), 0.12)
  assert.equal(n('5.'), 5)
  assert.equal(n('-Infinity'), -Infinity)
  assert.equal(n('123456789012345678'), Number('123456789012345678'))
  assert.equal(n('0.1'), 0.1)
  assert.equal(n('1e-400'), 0)
  for (const x of ['', '+', '.', 'e5', '1e', '1e+', '0x1p-3', 'inf1', '1.2.3', '--1']) assert.ok(Number.isNaN(n(x)), x)
  assert.deepEqual([1, 0, 0.5, 1e6, 123456, 1e-5, 0.0001, 2.5e21, -8.999999999999979e-05, 100].map(formatOpenMetricsFloat),
    ['1.0', '0.0', '0.5', '1e+06', '123456.0', '1e-05', '0.0001', '2.5e+21', '-8.999999999999979e-05', '100.0'])
})
