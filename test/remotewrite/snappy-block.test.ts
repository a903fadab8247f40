// The hand-written snappy block codec against the reference (native addon) and snappyjs:
// every input shape the fragment logic treats differently, both directions, and malformed input.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import snappy from 'snappy'
import snappyjs from 'snappyjs'
import { maxCompressedLength, snappyCompress, snappyUncompress } from '../../src/remotewrite/snappy-block.js'

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function noise (n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff }
  return b
}

function labelsLike (n: number): Buffer {
  const parts: string[] = []
  for (let i = 0; parts.join('').length < n; i++) parts.push(`\n\x0a\x08__name__\x12\x0enode_cpu_${i % 13}\n\x0finstance\x12\x0e10.0.0.${i % 250}:9100`)
  return Buffer.from(parts.join('').slice(0, n), 'latin1')
}

const sizes = [0, 1, 4, 14, 15, 16, 17, 59, 60, 61, 255, 256, 257, 1000, 65535, 65536, 65537, 131072 + 3, 300_000]
const shapes: Array<[string, (n: number) => Buffer]> = [
  ['noise', n => noise(n, n + 7)],
  ['zeros', n => Buffer.alloc(n)],
  ['labels', labelsLike],
  ['mixed', n => { const b = labelsLike(n); noise(n >> 1, 3).copy(b, n >> 2); return b }],
  // Three letters: short matches that end at every byte position of a 4- and 8-byte word.
  ['abc', n => { const b = noise(n, n + 11); for (let i = 0; i < n; i++) b[i] = 97 + b[i] % 3; return b }],
]

test('compress → reference uncompress, reference compress → uncompress, for every size and shape', () => {
  for (const [shape, make] of shapes) {
    for (const n of sizes) {
      const input = make(n)
      const mine = snappyCompress(input)
      assert.ok(mine.length <= maxCompressedLength(n), `${shape} ${n}: ${mine.length} bytes`)
      assert.deepEqual(snappy.uncompressSync(mine), input, `${shape} ${n}: native uncompress`)
      assert.deepEqual(Buffer.from(snappyjs.uncompress(mine)), input, `${shape} ${n}: snappyjs uncompress`)
      assert.deepEqual(snappyUncompress(snappy.compressSync(input)), input, `${shape} ${n}: uncompress of native output`)
      assert.deepEqual(snappyUncompress(mine), input, `${shape} ${n}: own round trip`)
    }
  }
})

test('repetitive remote-write-like data compresses about as well as the reference', () => {
  const input = labelsLike(500_000)
  const mine = snappyCompress(input).length
  const ref = (snappy.compressSync(input)).length
  assert.ok(mine < input.length / 4, `${mine} of ${input.length}`)
  assert.ok(mine <= ref * 1.1, `${mine} vs reference ${ref}`)
})

test('input that is a view into a larger buffer is read from its offset', () => {
  const big = labelsLike(10_000)
  const view = big.subarray(1234, 7777)
  assert.deepEqual(snappyUncompress(snappyCompress(view)), Buffer.from(view))
})

test('the returned buffer is not overwritten by the next call (it may wait for a retry)', () => {
  const a = snappyCompress(labelsLike(5000))
  const copy = Buffer.from(a)
  snappyCompress(noise(5000, 9))
  assert.deepEqual(a, copy)
})

test('malformed input throws instead of reading or writing out of bounds', () => {
  const good = snappyCompress(labelsLike(3000))
  assert.throws(() => snappyUncompress(good.subarray(0, good.length - 3)), /corrupt/)
  assert.throws(() => snappyUncompress(Buffer.from([0x05, 0x01, 0x10])), /corrupt/) // copy before any output
  assert.throws(() => snappyUncompress(Buffer.from([0x02, 0x08, 0x61, 0x62, 0x63])), /corrupt/) // literal longer than declared
  assert.throws(() => snappyUncompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /corrupt/) // length varint too long
  assert.throws(() => snappyUncompress(Buffer.from([])), /corrupt/)
  assert.deepEqual(snappyUncompress(Buffer.from([0x00])), Buffer.alloc(0))
})
