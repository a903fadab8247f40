import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { hashmod, relabel } from '../../src/relabel/process.js'
import { L, R, obj } from './helpers.js'

// Prometheus: binary.BigEndian.Uint64(md5(value)[8:]) % modulus. Computed here byte by
// byte, independently of the implementation.
function expected (value: string, modulus: number): string {
  const sum = createHash('md5').update(Buffer.from(value, 'utf8')).digest()
  let v = 0n
  for (let i = 8; i < 16; i++) v = (v << 8n) | BigInt(sum[i])
  return (v % BigInt(modulus)).toString()
}

test('hashmod: the values pinned by Prometheus\'s own tests', () => {
  assert.equal(hashmod('baz', 1000n), 976n)
  assert.equal(hashmod('foo\nbar', 1000n), 734n)
  assert.equal(expected('baz', 1000), '976')
  assert.equal(expected('foo\nbar', 1000), '734')
})

test('hashmod: uses the last 8 bytes, big-endian (not the first 8)', () => {
  const sum = createHash('md5').update('baz').digest()
  const first = sum.readBigUInt64BE(0) % 1000n
  assert.notEqual(first, 976n) // so the test above tells the two apart
})

test('hashmod rule matches the independent computation', () => {
  const values = ['', 'a', '10.132.183.40:80', 'host-01.example.com:9100', 'ünïcödé', '😀', 'a;b']
  const moduli = [1, 2, 3, 7, 1000, 2 ** 31, 2 ** 53 - 1]
  for (const m of moduli) {
    const rule = R({ source_labels: ['v'], action: 'hashmod', modulus: m, target_label: 'h' })
    for (const v of values) {
      const out = obj(relabel(L(v === '' ? {} : { v }), [rule]))
      assert.equal(out?.h, expected(v, m), `md5(${JSON.stringify(v)}) mod ${m}`)
    }
  }
})

test('hashmod hashes the joined source values', () => {
  const rule = R({ source_labels: ['a', 'b'], separator: '|', action: 'hashmod', modulus: 97, target_label: 'h' })
  assert.equal(obj(relabel(L({ a: 'x', b: 'y' }), [rule]))?.h, expected('x|y', 97))
})
