// OpenMetrics created timestamps: createdTimestamp() of a counter, summary or histogram sample is
// the value (seconds, as ms) of the first `_created` line after it in its family, when that line's
// labels are the sample's (le / quantile aside), as Prometheus's OpenMetrics parser looks it up.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Entry, parserFor } from '../../src/exposition/parser.js'

const OM = 'application/openmetrics-text; version=1.0.0'

/** series text -> createdTimestamp() of each Series entry, over a string body and a Buffer body in small chunks. */
function created (body: string): Array<[string, number | undefined]> {
  const runs = [parserFor(OM, body), parserFor(OM, Buffer.from(body), { chunkSize: 4096 })].map(p => {
    const out: Array<[string, number | undefined]> = []
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) if (e === Entry.Series) out.push([p.series(), p.createdTimestamp?.()])
    return out
  })
  assert.deepEqual(runs[1], runs[0], 'a Buffer body reads the same')
  return runs[0]
}

test('a counter sample takes its _created line; the _created sample itself and a gauge have none', () => {
  assert.deepEqual(created(`# TYPE c counter
c_total{a="1"} 3 1765000000.5
c_created{a="1"} 1765000000.25
c_total{a="2"} 4
c_created{a="2"} 1700000000
# TYPE g gauge
g 1
# EOF
`), [['c_total{a="1"}', 1_765_000_000_250], ['c_created{a="1"}', undefined], ['c_total{a="2"}', 1_700_000_000_000], ['c_created{a="2"}', undefined], ['g', undefined]])
})

test('every bucket, count and sum of a histogram, and quantiles of a summary, share the metric\'s', () => {
  assert.deepEqual(created(`# TYPE h histogram
h_bucket{le="0.5",x="y"} 1
h_bucket{x="y",le="+Inf"} 2
h_count{x="y"} 2
h_sum{x="y"} 0.75
h_created{x="y"} 1600000000.001
h_bucket{le="+Inf"} 5
h_count 5
h_sum 1
h_created 1600000100
# TYPE s summary
s{quantile="0.5"} 0.1
s_sum 3
s_count 7
s_created 1500000000
# EOF
`), [
    ['h_bucket{le="0.5",x="y"}', 1_600_000_000_001], ['h_bucket{x="y",le="+Inf"}', 1_600_000_000_001], ['h_count{x="y"}', 1_600_000_000_001], ['h_sum{x="y"}', 1_600_000_000_001], ['h_created{x="y"}', undefined],
    ['h_bucket{le="+Inf"}', 1_600_000_100_000], ['h_count', 1_600_000_100_000], ['h_sum', 1_600_000_100_000], ['h_created', undefined],
    ['s{quantile="0.5"}', 1_500_000_000_000], ['s_sum', 1_500_000_000_000], ['s_count', 1_500_000_000_000], ['s_created', undefined],
  ])
})

test('no _created, or the first one ahead is another series\', or it is in the next family: none', () => {
  assert.deepEqual(created(`# TYPE c counter
c_total{a="1"} 3
c_total{a="2"} 4
c_created{a="2"} 1700000000
# TYPE d counter
d_total 1
# TYPE e counter
e_total 1
e_created 1700000000
# EOF
`), [['c_total{a="1"}', undefined], ['c_total{a="2"}', 1_700_000_000_000], ['c_created{a="2"}', undefined], ['d_total', undefined], ['e_total', 1_700_000_000_000], ['e_created', undefined]])
})
