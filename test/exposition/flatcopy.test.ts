// flatCopy must detach a cache key from the scrape body it was sliced from.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { flatCopy } from '../../src/exposition/parser.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function retainedBytes (copy: boolean): number {
  gc()
  const before = process.memoryUsage().heapUsed
  const keep: string[] = []
  for (let i = 0; i < 20; i++) {
    const body = String(i).padStart(8, '0') + 'x'.repeat(1_000_000) + 'http_requests_total{code="200"}'
    const key = body.slice(body.length - 31)
    keep.push(copy ? flatCopy(key) : key)
  }
  gc()
  const used = process.memoryUsage().heapUsed - before
  assert.equal(keep[19], 'http_requests_total{code="200"}')
  return used
}

test('a sliced key keeps its body alive, a flat copy does not', () => {
  assert.ok(retainedBytes(false) > 15_000_000)
  assert.ok(retainedBytes(true) < 2_000_000)
})
