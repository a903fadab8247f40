import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { desiredShards, EwmaRate, type ShardInputs } from '../../src/remotewrite/reshard.js'

const base: ShardInputs = { inRate: 0, outRate: 0, outDurationRate: 0, backlog: 0, delaySeconds: 0, current: 4, min: 1, max: 10 }

describe('desiredShards', () => {
  const cases: Array<[string, Partial<ShardInputs>, { desired: number, next: number }]> = [
    ['idle queue shrinks to min', {}, { desired: 1, next: 1 }],
    ['nothing sent but backlog: keep', { backlog: 10, inRate: 5 }, { desired: 4, next: 4 }],
    // 1000 samples/s out taking 2s of send time per second: 2ms/sample; 4000/s in -> 8 shards.
    ['scale up with input rate', { inRate: 4000, outRate: 1000, outDurationRate: 2 }, { desired: 8, next: 8 }],
    ['backlog adds 5%/s', { inRate: 1000, outRate: 1000, outDurationRate: 2, backlog: 40000 }, { desired: 6, next: 6 }],
    ['clamped to max', { inRate: 100000, outRate: 1000, outDurationRate: 2 }, { desired: 200, next: 10 }],
    ['within tolerance: keep', { inRate: 2400, outRate: 1000, outDurationRate: 2 }, { desired: 4.8, next: 4 }],
    ['scale down', { inRate: 500, outRate: 1000, outDurationRate: 2 }, { desired: 1, next: 1 }],
    ['no downshard when >10s behind', { inRate: 500, outRate: 1000, outDurationRate: 2, delaySeconds: 30 }, { desired: 1, next: 4 }]
  ]
  for (const [name, input, want] of cases) {
    it(name, () => assert.deepEqual(desiredShards({ ...base, ...input }), want))
  }
})

describe('EwmaRate', () => {
  it('starts at the first non-zero rate, then moves by the weight', () => {
    const r = new EwmaRate(0.2, 10_000)
    r.tick()
    assert.equal(r.rate(), 0)
    r.incr(1000); r.tick()
    assert.equal(r.rate(), 100)
    r.incr(2000); r.tick()
    assert.equal(r.rate(), 120)
  })
})
