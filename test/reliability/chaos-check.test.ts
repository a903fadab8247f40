// The chaos verdict on made-up runs: it passes a clean run with a handoff and catches gaps,
// unexplained doubles, repeated doubles, missing and unknown targets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { judgeChaos, type FaultEvent, type UpSample } from './chaos-check.js'

const lim = { intervalS: 2, maxGapS: 8, handoffS: 8 }
const window = { start: 0, end: 60 }

/** A target scraped every 2 s (phase 0.3) by `agent` from t0 to t1. */
function run (instance: string, agent: string, t0: number, t1: number): UpSample[] {
  const out: UpSample[] = []
  for (let t = t0 + 0.3; t <= t1; t += 2) out.push({ instance, agent, ts: t })
  return out
}

test('a clean run with one handoff at a kill passes', () => {
  const samples = [...run('t1', 'a', 0, 20), ...run('t1', 'b', 17.6, 60), ...run('t2', 'b', 0, 60)]
  const events: FaultEvent[] = [{ t: 17, kind: 'kill', agent: 'a' }]
  const v = judgeChaos(samples, events, ['t1', 't2'], window, lim)
  assert.deepEqual(v.problems, [])
  assert.equal(v.episodes, 1)
  assert.deepEqual(v.targets.map(t => [t.instance, t.doubles, t.agents.join()]), [['t1', 1, 'a,b'], ['t2', 0, 'b']])
})

test('a gap longer than the limit is reported', () => {
  const samples = [...run('t1', 'a', 0, 20), ...run('t1', 'b', 30, 60)]
  const v = judgeChaos(samples, [{ t: 20, kind: 'kill', agent: 'a' }], ['t1'], window, lim)
  assert.equal(v.problems.length, 1)
  assert.match(v.problems[0], /^t1: no sample for 12\.0s after t=18\.3s \(a → b\)$/)
  assert.equal(v.targets[0].maxGapS.toFixed(1), '12.0')
})

test('a double with no membership change before it is reported', () => {
  const samples = [...run('t1', 'a', 0, 60), ...run('t1', 'b', 40, 43)]
  const v = judgeChaos(samples, [{ t: 10, kind: 'stop', agent: 'c' }], ['t1'], window, lim)
  assert.deepEqual(v.problems, ['t1: scraped by a and b at t=40.3s with no membership change before', 't1: scraped by a and b at t=42.3s with no membership change before'])
})

test('more doubles than membership changes in an episode are reported once', () => {
  // b takes t1 over from a, and both scrape it for four slots
  const samples = [...run('t1', 'a', 0, 27), ...run('t1', 'b', 19.6, 60)]
  const events: FaultEvent[] = [{ t: 19, kind: 'resume', agent: 'b' }, { t: 21, kind: 'kill', agent: 'c' }]
  const v = judgeChaos(samples, events, ['t1'], window, lim)
  assert.equal(v.episodes, 1)
  assert.deepEqual(v.problems, ['t1: doubled 3 times in the episode at t=19.0s with 2 membership change(s)'])
})

test('missing, late-starting and unknown targets are reported', () => {
  const samples = [...run('t1', 'a', 15, 60), ...run('t9', 'a', 0, 60)]
  const v = judgeChaos(samples, [], ['t1', 't2'], window, lim)
  assert.deepEqual(v.problems, ['t1: first sample 15.3s after the start', 't2: no samples at all', 't9: samples from a target nobody configured'])
})

test('a target doubled by a change that did not hand it over is reported', () => {
  // c restarts and scrapes t1 once although t1 stays with a: c thought it was alone.
  const samples = [...run('t1', 'a', 0, 60), { instance: 't1', agent: 'c', ts: 30.4 }, ...run('t2', 'b', 0, 29), ...run('t2', 'c', 29.5, 60)]
  const v = judgeChaos(samples, [{ t: 30, kind: 'restart', agent: 'c' }], ['t1', 't2'], window, lim)
  assert.deepEqual(v.problems, ['t1: scraped by a and c at t=30.4s although it stayed with a through the change(s) at t=30.0s'])
})
