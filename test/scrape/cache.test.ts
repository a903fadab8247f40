import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SeriesCache } from '../../src/scrape/cache.js'
import type { Series } from '../../src/storage/series.js'

const L = (name: string): Array<{ name: string, value: string }> => [{ name: '__name__', value: name }]
const names = (c: SeriesCache): string[] => { const out: string[] = []; c.forEachStale((s: Series) => out.push(s.get('__name__')!)); return out.sort() }

test('staleness: previous minus current; abandon makes everything stale', () => {
  const c = new SeriesCache()
  const a = c.addSeries('a', L('a')); c.track(a.ref!)
  const b = c.addSeries('b', L('b')); c.track(b.ref!)
  c.iterDone(true)
  c.lookup('a')!.lastIter = c.iter; c.track(a.ref!)
  assert.deepEqual(names(c), ['b'])
  c.abandon()
  assert.deepEqual(names(c), ['a', 'b'])
  c.iterDone(false)
  assert.deepEqual(names(c), [])
})

test('equal labels share one Series; eviction after evictAfter unseen scrapes', () => {
  const c = new SeriesCache({ evictAfter: 2 })
  const x = c.addSeries('a{x="1"}', [...L('a'), { name: 'x', value: '1' }])
  const y = c.addSeries('a{x="1",}', [...L('a'), { name: 'x', value: '1' }])
  assert.equal(x.ref, y.ref)
  c.addDropped('d')
  assert.equal(c.size, 3)
  c.iterDone(true) // all seen in iter 0
  c.lookup('a{x="1"}')!.lastIter = c.iter
  c.iterDone(true) // iter 1: the others unseen once, kept
  assert.equal(c.size, 3)
  c.lookup('a{x="1"}')!.lastIter = c.iter
  c.iterDone(true) // iter 2: unseen twice, evicted
  assert.equal(c.size, 1)
  // The shared Series survives while one raw spelling still points at it.
  const again = c.addSeries('a{x="1",}', [...L('a'), { name: 'x', value: '1' }])
  assert.equal(again.ref, x.ref)
})

test('metadata: reported when new or changed', () => {
  const c = new SeriesCache()
  const changed = (): string[] => { const out: string[] = []; c.forEachChangedMeta((f, m) => out.push(`${f}:${m.type}:${m.help}`)); return out }
  c.setType('a', 'counter'); c.setHelp('a', 'h')
  assert.deepEqual(changed(), ['a:counter:h'])
  c.iterDone(true)
  c.setType('a', 'counter'); c.setHelp('a', 'h')
  assert.deepEqual(changed(), [])
  c.iterDone(true)
  c.setType('a', 'gauge')
  assert.deepEqual(changed(), ['a:gauge:h'])
})

test('a series outliving its own spelling: the alias keeps it, the spelling comes back as an alias, all gone frees it', () => {
  const c = new SeriesCache()
  const labels = [...L('a'), { name: 'x', value: '1' }]
  const first = c.addSeries('a{x="1"}', labels)
  const second = c.addSeries('a{x="1",}', labels)
  assert.equal(first, first.ref) // the series is its first spelling's entry
  assert.notEqual(second, second.ref)
  c.iterDone(true)
  c.lookup('a{x="1",}')!.lastIter = c.iter // only the second spelling seen
  c.iterDone(true)
  assert.equal(c.lookup('a{x="1"}'), undefined)
  const back = c.addSeries('a{x="1"}', labels)
  assert.equal(back.ref, first.ref)
  assert.notEqual(back, first)
  c.iterDone(true) // the second spelling unseen: evicted; the first was just added
  assert.equal(c.size, 1)
  c.iterDone(true) // now neither: the series leaves the intern table
  assert.equal(c.size, 0)
  const fresh = c.addSeries('a{x="1"}', labels)
  assert.notEqual(fresh.ref, first.ref)
  assert.equal(fresh, fresh.ref)
})
