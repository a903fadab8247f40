import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { desiredShards, EwmaRate, ShardLimit, type ShardInputs } from '../../src/remotewrite/reshard.js'

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
    ['no downshard when >10s behind', { inRate: 500, outRate: 1000, outDurationRate: 2, delaySeconds: 30 }, { desired: 1, next: 4 }],
    ['receiver limit caps growth', { inRate: 100000, outRate: 1000, outDurationRate: 2, limit: 6 }, { desired: 200, next: 6 }],
    ['receiver limit shrinks even when behind', { inRate: 100000, outRate: 1000, outDurationRate: 2, delaySeconds: 30, current: 10, limit: 3 }, { desired: 200, next: 3 }],
    ['receiver limit above desired: no effect', { inRate: 4000, outRate: 1000, outDurationRate: 2, limit: 9 }, { desired: 8, next: 8 }],
    ['receiver limit within tolerance: keep', { inRate: 100000, outRate: 1000, outDurationRate: 2, current: 5, limit: 6 }, { desired: 200, next: 5 }],
    ['receiver limit just below the current count: down to it, though within tolerance', { inRate: 100000, outRate: 1000, outDurationRate: 2, current: 4, limit: 3 }, { desired: 200, next: 3 }],
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

describe('ShardLimit', () => {
  /**
   * One interval of 10 s at `shards` shards in which the receiver took `rate` samples/s, in
   * requests of `perRequest` samples.
   */
  const step = (l: ShardLimit, shards: number, rate: number, behind = true, perRequest = 1): number => {
    for (let left = rate * 10; left > 0; left -= perRequest) l.observe(Math.min(perRequest, left))
    return l.update(shards, 10, behind)
  }

  it('lets the shards double while every step up pays', () => {
    const l = new ShardLimit()
    assert.equal(step(l, 1, 100), 1, 'behind only at its end: the pace at one shard is measured first')
    assert.equal(step(l, 1, 100), 3)
    // 1 → 3 shards must bring at least +50% (a quarter of the proportional +200%).
    assert.equal(step(l, 3, 160), 7)
    // 3 → 7: at least +33%.
    assert.equal(step(l, 7, 214), 15)
  })

  it('goes back to the last count that paid, holds it, then tries a smaller step, holding longer each time', () => {
    const l = new ShardLimit(2, 8)
    step(l, 1, 100); step(l, 1, 100)
    assert.equal(step(l, 3, 200), 7)
    // Seven shards deliver no more than three: the receiver is out of capacity.
    assert.equal(step(l, 7, 205), 3)
    assert.equal(step(l, 3, 200), 3, 'held')
    // Hold over: a quarter more (at least one) is tried.
    assert.equal(step(l, 3, 200), 4)
    // That step did not pay either (+2% for +33% shards): back to three, held twice as long.
    assert.equal(step(l, 4, 204), 3)
    for (let i = 0; i < 3; i++) assert.equal(step(l, 3, 200), 3, `held, update ${i}`)
    assert.equal(step(l, 3, 200), 4)
    // This time it pays (the receiver grew): steps double again, and a later hold is short.
    assert.equal(step(l, 4, 300), 9)
    assert.equal(step(l, 9, 305), 4)
    assert.equal(step(l, 4, 300), 4, 'held')
    assert.equal(step(l, 4, 300), 5)
  })

  it('does not take a gain within the requests at the interval boundaries for a paying step', () => {
    const l = new ShardLimit(2, 8)
    // 25 requests of 100 samples per interval (2.5 requests/s here): a pace exact to ±2 requests, 8%.
    step(l, 2, 250, true, 100); step(l, 2, 250, true, 100)
    assert.equal(step(l, 5, 250, true, 100), 2, '2 → 5 brought nothing')
    step(l, 2, 250, true, 100)
    assert.equal(step(l, 2, 250, true, 100), 3, 'probe')
    // Near two requests more in the interval: +7%, above the 6.25% that an eighth of +50% asks, but
    // within where the interval boundaries fell.
    assert.equal(step(l, 3, 268, true, 100), 2)
    // Four more (+16%) is a gain.
    step(l, 2, 250, true, 100); step(l, 2, 250, true, 100); step(l, 2, 250, true, 100)
    assert.equal(step(l, 2, 250, true, 100), 3, 'probe again, after a longer hold')
    assert.equal(step(l, 3, 290, true, 100), 7)
  })

  it('learns nothing from intervals in which the queue kept up', () => {
    const l = new ShardLimit()
    step(l, 1, 100); step(l, 1, 100)
    // The pace was the input's, not the receiver's: no verdict on the step to 3.
    assert.equal(step(l, 3, 100, false), 7)
    assert.equal(step(l, 7, 100, true), 7, 'behind at the end only: measured before a step up')
    assert.equal(step(l, 7, 100, true), 15)
    // Measured at 7 now; 15 bringing nothing is a verdict.
    assert.equal(step(l, 15, 100, true), 7)
  })
})
