import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Entry } from '../../src/exposition/entry.js'
import { PromTextParser } from '../../src/exposition/prom-text.js'
import { SeriesCache } from '../../src/scrape/cache.js'

/** Series entries as [series text, value, hinted], hinting each line with hints[i]. */
function run (body: string, hints: Array<string | undefined>): Array<[string, number, boolean]> {
  const p = new PromTextParser(body)
  const out: Array<[string, number, boolean]> = []
  let k = 0
  if (hints[k] !== undefined) p.hint(hints[k]!)
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Series) continue
    out.push([p.series(), p.value(), p.hinted()])
    k++
    if (hints[k] !== undefined) p.hint(hints[k]!)
  }
  return out
}

test('a hint matches only the exact series text', () => {
  const body = '# TYPE a counter\na{x="1"} 1\nfoo {l="v"} 2\nfoo_bar 3\nfoo\t4\nb{y="2"}  5 123\n'
  assert.deepEqual(run(body, ['a{x="1"}', 'foo', 'foo', 'foo', 'b{y="2"}']), [
    ['a{x="1"}', 1, true],
    ['foo {l="v"}', 2, false], // "foo" followed by a label block is another series
    ['foo_bar', 3, false], // a prefix of a longer name
    ['foo', 4, true],
    ['b{y="2"}', 5, true],
  ])
  // Wrong guesses cost nothing but the comparison.
  assert.deepEqual(run('a{x="1"} 1\na{x="2"} 2\n', ['a{x="2"}', 'a{x="1"}']), [['a{x="1"}', 1, false], ['a{x="2"}', 2, false]])
})

test('a hinted line still fails on a bad value', () => {
  assert.throws(() => run('a{x="1"} oops\n', ['a{x="1"}']), /invalid value "oops"/)
  assert.throws(() => run('a{x="1"} 1 2 3\n', ['a{x="1"}']), /expected next entry after timestamp/)
})

test('the cache predicts the last good scrape\'s order and resyncs after a change', () => {
  const c = new SeriesCache()
  const L = (n: string) => [{ name: '__name__', value: n }]
  const [a, b, d] = ['a', 'b', 'd'].map(n => c.addSeries(n, L(n)))
  assert.equal(c.expected(), undefined)
  for (const e of [a, b, d]) c.seen(e)
  c.iterDone(true)
  assert.equal(c.expected(), a)
  c.seen(a); assert.equal(c.expected(), b)
  c.seen(d); assert.equal(c.expected(), undefined, 'b skipped: guesses continue after d')
  c.iterDone(false) // a failed scrape keeps the last good order
  assert.equal(c.expected(), a)
  c.seen(b); b.lastIter = c.iter; assert.equal(c.expected(), d)
  c.iterDone(true) // only b seen: a and d are evicted and never guessed
  assert.equal(c.expected(), b)
  assert.equal(c.size, 1)
})
