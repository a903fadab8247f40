import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FakeClock } from './fake-clock.js'

test('timers fire in time order, each at its own time, and cancelled ones never', async () => {
  const c = new FakeClock(0)
  const seen: Array<[string, number]> = []
  c.setTimeout(() => seen.push(['b', c.now()]), 20)
  c.setTimeout(() => seen.push(['a', c.now()]), 10)
  const x = c.setTimeout(() => seen.push(['x', c.now()]), 15)
  x.cancel()
  await c.advance(5)
  assert.deepEqual(seen, [])
  await c.advance(100)
  assert.deepEqual(seen, [['a', 10], ['b', 20]])
  assert.equal(c.now(), 105)
  assert.equal(c.pending, 0)
})

test('a chain of awaits started by a timer runs before time moves on, and timers it sets fire in the same advance', async () => {
  const c = new FakeClock(0)
  const seen: number[] = []
  const loop = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await c.sleep(10)
      await Promise.resolve()
      seen.push(c.now())
    }
  }
  const done = loop()
  await c.advance(25)
  assert.deepEqual(seen, [10, 20])
  await c.advance(10)
  await done
  assert.deepEqual(seen, [10, 20, 30])
})
