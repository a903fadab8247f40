// Quoted UTF-8 metric and label names, as Prometheus 3's parsers read them: the inputs and the
// expected label sets of TestUTF8PromParse (model/textparse/promparse_test.go) and
// TestOpenMetricsParse_UTF8 (openmetricsparse_test.go), each through a string body and through a
// Buffer cut after every line; and what those parsers refuse.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ParseError, parserFor } from '../../src/exposition/parser.js'
import { collect, obj } from './helpers.js'

const TEXT = 'text/plain; version=1.0.0; charset=utf-8'
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

const GO = 'go.gc_duration_seconds'
const HEIZ_SERIES = '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"}'
const HEIZ = { __name__: 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}', 'strange©™\n\'quoted\' "name"': '6' }

const PROM_INPUT = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# \tTYPE "go.gc_duration_seconds" summary
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25",} 7.424100000000001e-05
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"go.gc_duration_seconds",quantile="0.8", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="0.9", a="b"} 8.3835e-05
{"go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile="1.0", a="b" } 8.3835e-05
{ "go.gc_duration_seconds", quantile= "1.0", a= "b", } 8.3835e-05
{ "go.gc_duration_seconds", quantile = "1.0", a = "b" } 8.3835e-05
{"go.gc_duration_seconds_count"} 99
${HEIZ_SERIES} 10.0`

const PROM_WANT: Array<[string, Record<string, string>, number]> = [
  ['{"go.gc_duration_seconds",quantile="0"}', { __name__: GO, quantile: '0.0' }, 4.9351e-05],
  ['{"go.gc_duration_seconds",quantile="0.25",}', { __name__: GO, quantile: '0.25' }, 7.424100000000001e-05],
  ['{"go.gc_duration_seconds",quantile="0.5",a="b"}', { __name__: GO, quantile: '0.5', a: 'b' }, 8.3835e-05],
  ['{"go.gc_duration_seconds",quantile="0.8", a="b"}', { __name__: GO, quantile: '0.8', a: 'b' }, 8.3835e-05],
  ['{"go.gc_duration_seconds", quantile="0.9", a="b"}', { __name__: GO, quantile: '0.9', a: 'b' }, 8.3835e-05],
  ['{"go.gc_duration_seconds", quantile="1.0", a="b" }', { __name__: GO, quantile: '1.0', a: 'b' }, 8.3835e-05],
  ['{ "go.gc_duration_seconds", quantile="1.0", a="b" }', { __name__: GO, quantile: '1.0', a: 'b' }, 8.3835e-05],
  ['{ "go.gc_duration_seconds", quantile= "1.0", a= "b", }', { __name__: GO, quantile: '1.0', a: 'b' }, 8.3835e-05],
  ['{ "go.gc_duration_seconds", quantile = "1.0", a = "b" }', { __name__: GO, quantile: '1.0', a: 'b' }, 8.3835e-05],
  ['{"go.gc_duration_seconds_count"}', { __name__: 'go.gc_duration_seconds_count' }, 99],
  [HEIZ_SERIES, HEIZ, 10],
]

const OM_INPUT = `# HELP "go.gc_duration_seconds" A summary of the GC invocation durations.
# TYPE "go.gc_duration_seconds" summary
# UNIT "go.gc_duration_seconds" seconds
{"go.gc_duration_seconds",quantile="0"} 4.9351e-05
{"go.gc_duration_seconds",quantile="0.25"} 7.424100000000001e-05
{"go.gc_duration_seconds_created"} 1520872607.123
{"go.gc_duration_seconds",quantile="0.5",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{"http.status",q="0.9",a="b"} 8.3835e-05
{q="0.9","http.status",a="b"} 8.3835e-05
{"go.gc_duration_seconds_sum"} 0.004304266
${HEIZ_SERIES} 10.0
quotedexemplar_count 1 # {"id.thing"="histogram-count-test"} 4
quotedexemplar2_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4
# EOF
`

// Prometheus's test skips the _created series (start-timestamp ingestion); shoal reports it, marked.
const OM_WANT: Array<[string, Record<string, string>, number]> = [
  ['{"go.gc_duration_seconds",quantile="0"}', { __name__: GO, quantile: '0.0' }, 4.9351e-05],
  ['{"go.gc_duration_seconds",quantile="0.25"}', { __name__: GO, quantile: '0.25' }, 7.424100000000001e-05],
  ['{"go.gc_duration_seconds_created"}', { __name__: 'go.gc_duration_seconds_created' }, 1520872607.123],
  ['{"go.gc_duration_seconds",quantile="0.5",a="b"}', { __name__: GO, quantile: '0.5', a: 'b' }, 8.3835e-05],
  ['{"http.status",q="0.9",a="b"}', { __name__: 'http.status', q: '0.9', a: 'b' }, 8.3835e-05],
  ['{"http.status",q="0.9",a="b"}', { __name__: 'http.status', q: '0.9', a: 'b' }, 8.3835e-05],
  ['{q="0.9","http.status",a="b"}', { __name__: 'http.status', q: '0.9', a: 'b' }, 8.3835e-05],
  ['{"go.gc_duration_seconds_sum"}', { __name__: 'go.gc_duration_seconds_sum' }, 0.004304266],
  [HEIZ_SERIES, HEIZ, 10],
  ['quotedexemplar_count', { __name__: 'quotedexemplar_count' }, 1],
  ['quotedexemplar2_count', { __name__: 'quotedexemplar2_count' }, 1],
]

const bodies = (s: string): Array<[string, string | Buffer, number | undefined]> =>
  [['string', s, undefined], ['Buffer, a chunk per line', Buffer.from(s), 1]]

for (const [how, body, chunkSize] of bodies(PROM_INPUT)) {
  test(`TestUTF8PromParse's input, ${how}`, () => {
    const { samples, meta } = collect(parserFor(TEXT, body, { chunkSize }))
    assert.deepEqual(meta, [
      { kind: 'help', family: GO, text: 'A summary of the GC invocation durations.' },
      { kind: 'type', family: GO, text: 'summary' },
    ])
    assert.deepEqual(samples.map(s => [s.series, obj(s.labels), s.value]), PROM_WANT)
  })
}

for (const [how, body, chunkSize] of bodies(OM_INPUT)) {
  test(`TestOpenMetricsParse_UTF8's input, ${how}`, () => {
    const { samples, meta } = collect(parserFor(OM, body, { chunkSize }))
    assert.deepEqual(meta, [
      { kind: 'help', family: GO, text: 'A summary of the GC invocation durations.' },
      { kind: 'type', family: GO, text: 'summary' },
      { kind: 'unit', family: GO, text: 'seconds' },
    ])
    assert.deepEqual(samples.map(s => [s.series, obj(s.labels), s.value]), OM_WANT)
    assert.deepEqual(samples.map(s => s.created), OM_WANT.map(([series]) => series === '{"go.gc_duration_seconds_created"}'))
    assert.deepEqual(samples.filter(s => s.exemplar !== undefined).map(s => s.exemplar), [
      { labels: [{ name: 'id.thing', value: 'histogram-count-test' }], value: 4, timestamp: undefined },
      { labels: [{ name: 'id.thing', value: 'histogram-count-test' }, { name: 'other', value: 'hello' }], value: 4, timestamp: undefined },
    ])
  })
}

// What Prometheus 3 refuses (its lexers have no rule for a quote at the start of a line, and a
// quoted name may be given once): the messages are shoal's, the refusals Prometheus's.
const refused: Array<[string, string, string, RegExp]> = [
  ['a quoted name before the braces (text)', TEXT, '"my.metric"{le="1"} 2\n', /expected a valid start token/],
  ['a quoted name before the braces (OpenMetrics)', OM, '"my.metric"{le="1"} 2\n# EOF\n', /expected a valid start token/],
  ['a bare quoted name (text)', TEXT, '"my.metric" 2\n', /expected a valid start token/],
  ['two metric names (text)', TEXT, 'a{"b"} 1\n', /metric name already set/],
  ['two quoted metric names (OpenMetrics)', OM, '{"a","b"} 1\n# EOF\n', /metric name already set/],
  ['a quoted label name without a value (text)', TEXT, '{"a", "b" 1} 1\n', /expected equal/],
  ['no metric name (text)', TEXT, '{"a"="1"} 1\n', /metric name not set/],
  ['an unterminated quoted name (text)', TEXT, '{"a.b} 1\n', /unterminated/],
  ['a raw newline in a quoted name (OpenMetrics)', OM, '{"a\nb"} 1\n# EOF\n', /unterminated quoted string/],
]

for (const [name, ct, body, err] of refused) {
  test(`refused as Prometheus refuses it: ${name}`, () => {
    assert.throws(() => collect(parserFor(ct, body)), (e: unknown) => e instanceof ParseError && err.test(e.message))
  })
}
