import { test } from 'node:test'
import assert from 'node:assert/strict'
import { unavailable } from './prereq.js'

test('a missing tool skips locally and fails under SHOAL_REQUIRE_TOOLS=1', (t) => {
  const saved = process.env.SHOAL_REQUIRE_TOOLS
  try {
    delete process.env.SHOAL_REQUIRE_TOOLS
    assert.equal(unavailable(t, undefined), false)
    process.env.SHOAL_REQUIRE_TOOLS = '1'
    assert.equal(unavailable(t, undefined), false)
    assert.throws(() => unavailable(t, 'frobnicator is not installed'), /SHOAL_REQUIRE_TOOLS=1: frobnicator is not installed/)
  } finally {
    if (saved === undefined) delete process.env.SHOAL_REQUIRE_TOOLS
    else process.env.SHOAL_REQUIRE_TOOLS = saved
  }
})
