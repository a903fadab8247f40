import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { getSnappy, loadJsSnappy, loadNativeSnappy } from '../../src/remotewrite/snappy.js'

const input = Buffer.from(Array.from({ length: 2000 }, (_, i) => `series_${i % 37}{job="x"} ${i}\n`).join(''))

describe('snappy', () => {
  it('native and JS implementations round-trip and interoperate (block format)', async () => {
    const native = await loadNativeSnappy()
    const js = await loadJsSnappy()
    assert.ok(native !== undefined, 'native addon loads on this machine')
    assert.equal(native.impl, 'native')
    assert.equal(js.impl, 'js')
    const cn = native.compress(input)
    const cj = js.compress(input)
    assert.ok(cn.length < input.length / 2, `${cn.length} vs ${input.length}`)
    assert.deepEqual(Buffer.from(native.uncompress(cn)), input)
    assert.deepEqual(Buffer.from(js.uncompress(cj)), input)
    assert.deepEqual(Buffer.from(js.uncompress(cn)), input)
    assert.deepEqual(Buffer.from(native.uncompress(cj)), input)
    // Block format starts with the uncompressed length as a varint (no stream identifier chunk).
    assert.equal(cn[0], (input.length & 0x7f) | 0x80)
  })

  it('uses the JS implementation (faster than the addon on remote-write bodies, see docs/performance.md)', async () => {
    assert.equal((await getSnappy()).impl, 'js')
  })
})
