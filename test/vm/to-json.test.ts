import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { valueToJSON } from '../../src/vm/to-json.js'
import { AlloyFunction, Capsule, Secret } from '../../src/vm/value.js'
import { obj } from './helpers.js'

describe('valueToJSON', () => {
  it('converts values to plain JSON, hiding secrets', () => {
    const v = obj({
      n: 1.5, s: 'x', b: true, z: null,
      a: [new Secret('pw'), new Capsule('Appendable', {}), new AlloyFunction('f', () => null)],
      o: obj(JSON.parse('{"__proto__": 1}') as Record<string, number>),
    })
    const json = valueToJSON(v)
    assert.equal(JSON.stringify(json),
      '{"n":1.5,"s":"x","b":true,"z":null,"a":["(secret)","capsule(\\"Appendable\\")","function(f)"],"o":{"__proto__":1}}')
    assert.equal(Object.getPrototypeOf(json), Object.prototype)
  })

  it('renders non-finite numbers as strings', () => {
    assert.deepEqual(valueToJSON([Infinity, NaN]), ['Infinity', 'NaN'])
  })
})
