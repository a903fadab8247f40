import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LabelsBuilder } from '../../src/relabel/builder.js'
import { L, obj } from './helpers.js'

test('builder: get/set/del over an untouched base', () => {
  const base = L({ a: '1', b: '2' })
  const frozen = Object.freeze(base.map(l => Object.freeze({ ...l })))
  const lb = new LabelsBuilder(frozen)
  assert.equal(lb.get('a'), '1')
  assert.equal(lb.get('zz'), '')
  lb.set('c', '3')
  lb.set('a', '9')
  lb.del('b')
  assert.equal(lb.get('a'), '9')
  assert.equal(lb.get('b'), '')
  assert.deepEqual(lb.labels(), [{ name: 'a', value: '9' }, { name: 'c', value: '3' }])
  assert.deepEqual(obj(frozen), { a: '1', b: '2' })
})

test('builder: setting "" deletes; re-setting a deleted label restores it', () => {
  const base = L({ a: '1', b: '2' })
  const lb = new LabelsBuilder(base)
  lb.set('a', '')
  assert.deepEqual(obj(lb.labels()), { b: '2' })
  lb.set('a', '1')
  assert.equal(lb.changed(), false)
  assert.equal(lb.labels(), base)
  lb.set('new', 'x')
  lb.del('new')
  assert.equal(lb.labels(), base)
})

test('builder: range visits a snapshot, base first then additions in set order', () => {
  const lb = new LabelsBuilder(L({ b: '2', d: '4' }))
  lb.set('z', '26')
  lb.set('a', '1')
  lb.del('d')
  const seen: string[] = []
  lb.range((name, value) => {
    seen.push(`${name}=${value}`)
    lb.set(`${name}_copy`, value)
    lb.del(name)
  })
  assert.deepEqual(seen, ['b=2', 'z=26', 'a=1'])
  assert.deepEqual(obj(lb.labels()), { b_copy: '2', z_copy: '26', a_copy: '1' })
})

test('builder: labels() merges additions into sorted order', () => {
  const lb = new LabelsBuilder(L({ b: '2', d: '4', f: '6' }))
  lb.set('g', '7')
  lb.set('a', '1')
  lb.set('e', '5')
  assert.deepEqual(lb.labels().map(l => l.name), ['a', 'b', 'd', 'e', 'f', 'g'])
})

test('builder: reset starts over', () => {
  const lb = new LabelsBuilder(L({ a: '1' }))
  lb.set('b', '2')
  lb.reset(L({ c: '3' }))
  assert.deepEqual(obj(lb.labels()), { c: '3' })
  assert.equal(lb.get('b'), '')
})
