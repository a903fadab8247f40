// The per-target scrape ring and the per-node load ring: bounded, oldest first, nothing lost
// before the bound and nothing kept past it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Counter, Gauge, Registry } from 'prom-client'
import { HISTORY_ERROR_CHARS, HISTORY_LENGTH, ScrapeHistory } from '../../src/scrape/history.js'
import { NodeHistory } from '../../src/http/node-history.js'

test('a target keeps its last 20 scrapes, oldest first, errors cut to their bound', () => {
  const h = new ScrapeHistory()
  assert.deepEqual(h.records(), [])
  for (let i = 0; i < 5; i++) h.record(1_000_000 + i * 1000, 12.5, i, i === 3 ? 'connection refused' : undefined)
  const five = h.records()
  assert.equal(five.length, 5)
  assert.deepEqual(five.map(r => r.samples), [0, 1, 2, 3, 4])
  assert.deepEqual(five.map(r => r.up), [true, true, true, false, true])
  assert.equal(five[3].error, 'connection refused')
  assert.equal(five[0].error, '')
  assert.equal(five[0].durationSeconds, 0.0125)
  assert.equal(five[1].time, new Date(1_001_000).toISOString())
  for (let i = 5; i < 50; i++) h.record(1_000_000 + i * 1000, 1, i, i === 49 ? 'x'.repeat(5000) : undefined)
  const all = h.records()
  assert.equal(all.length, HISTORY_LENGTH)
  assert.deepEqual(all.map(r => r.samples), Array.from({ length: HISTORY_LENGTH }, (_, i) => 50 - HISTORY_LENGTH + i))
  assert.equal(all.at(-1)!.error.length, HISTORY_ERROR_CHARS)
  assert.equal(all.at(-1)!.up, false)
})

test('a node samples its scrape rate and targets owned into a bounded ring', async () => {
  const registry = new Registry()
  const samples = new Counter({ name: 'shoal_scrape_samples_scraped_total', help: 'h', labelNames: ['job'], registers: [registry] })
  const owned = new Gauge({ name: 'shoal_scrape_targets_owned', help: 'h', labelNames: ['scrape_job'], registers: [registry] })
  const h = new NodeHistory(registry, { stepMs: 5000, points: 4 })
  await h.sample(0)
  assert.deepEqual(h.snapshot().samplesPerSecond, [], 'a rate needs two readings')
  for (let i = 1; i <= 6; i++) {
    samples.inc({ job: 'a' }, 100 * i)
    samples.inc({ job: 'b' }, 50)
    owned.set({ scrape_job: 'a' }, i)
    owned.set({ scrape_job: 'b' }, 10)
    await h.sample(i * 5000)
  }
  const s = h.snapshot()
  assert.equal(s.stepSeconds, 5)
  assert.equal(s.end, new Date(30_000).toISOString())
  // the last 4 of 6 steps: (100·i + 50) samples over 5 s, i + 10 owned
  assert.deepEqual(s.samplesPerSecond, [3, 4, 5, 6].map(i => (100 * i + 50) / 5))
  assert.deepEqual(s.targetsOwned, [13, 14, 15, 16])
})
