import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ev, evErr, obj, plain, expr } from './helpers.js'
import { AlloyFunction, Capsule, Secret } from '../../src/vm/value.js'
import type { Value } from '../../src/vm/value.js'
import { EvalError, evaluate, objectScope } from '../../src/vm/evaluate.js'

describe('evaluate: values and operators', () => {
  const cases: Array<[string, unknown]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ^ 3 ^ 2', 512],
    ['10 - 4 - 3', 3],
    ['7 / 2', 3], // int / int truncates, as Go ints do
    ['-7 / 2', -3],
    ['7.0 / 2', 3.5],
    ['7 / 2.0', 3.5],
    ['(7.0) / 2', 3.5],
    ['-(7.0) / 2', -3.5],
    ['(1.5 + 1.5) / 2', 1.5], // float kind survives an integral result
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['7.5 % 2', 1.5],
    ['2 ^ 10', 1024],
    ['2 ^ 0', 1],
    ['2 ^ -1', 2], // Alloy's integer pow leaves the base for negative exponents
    ['2.0 ^ -1', 0.5],
    ['1e3 + 1', 1001],
    ['"a" + "b"', 'ab'],
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 4', false],
    ['3 >= 4', false],
    ['"abc" < "abd"', true],
    ['"b" > "a"', true],
    ['1 == 1.0', true],
    ['1 == "1"', false],
    ['null == null', true],
    ['[1, [2, {a = 3}]] == [1, [2, {a = 3}]]', true],
    ['[1, 2] == [1, 2, 3]', false],
    ['{a = 1, b = 2} == {b = 2, a = 1}', true],
    ['{a = 1} != {a = 2}', true],
    ['true && false || true', true],
    ['true && (false || false)', false],
    ['!true', false],
    ['!!true', true],
    ['-(-3)', 3],
    ['1 + 2 == 3 && "x" != "y"', true],
    ['[1, 2, 3][1]', 2],
    ['{a = {b = [10, 20]}}.a.b[1]', 20],
    ['{"a.b" = 1}["a.b"]', 1],
    ['{a = 1}["missing"]', null],
    ['[1, 2.5, "s", true, null]', [1, 2.5, 's', true, null]],
    ['{a = 1, a = 2}', { a: 2 }],
  ]
  for (const [src, want] of cases) {
    it(src, () => assert.deepEqual(plain(ev(src)), want))
  }

  it('resolves identifiers from the scope, innermost first', () => {
    const outer = objectScope(obj({ a: 1, b: 2 }))
    const inner = objectScope(obj({ a: 10 }), outer)
    assert.equal(evaluate(expr('a + b'), inner, 't'), 12)
  })

  it('falls back to the standard library', () => {
    assert.equal(ev('string.to_upper("x")'), 'X')
    assert.equal(ev('to_upper("x")'), 'X')
  })

  it('a scope variable holding null is found, not missing', () => {
    assert.equal(ev('x == null', { x: null }), true)
  })

  it('scope names shadow the standard library', () => {
    assert.equal(ev('string', { string: 5 }), 5)
  })

  it('calls function values from the scope', () => {
    const add = new AlloyFunction('add', args => (args[0] as number) + (args[1] as number))
    assert.equal(ev('f(1, 2)', { f: add }), 3)
  })

  it('concatenating a secret with a string yields a secret', () => {
    const v = ev('"Bearer " + tok', { tok: new Secret('xyz') })
    assert.ok(v instanceof Secret)
    assert.equal(v.reveal(), 'Bearer xyz')
    const w = ev('tok + tok', { tok: new Secret('a') })
    assert.ok(w instanceof Secret)
    assert.equal(w.reveal(), 'aa')
  })

  it('a secret equals the same string', () => {
    assert.equal(ev('tok == "xyz"', { tok: new Secret('xyz') }), true)
    assert.equal(ev('tok == "abc"', { tok: new Secret('xyz') }), false)
  })

  it('capsules compare by type and value identity', () => {
    const inner = {}
    const c1 = new Capsule('Appendable', inner)
    assert.equal(ev('a == b', { a: c1, b: new Capsule('Appendable', inner) }), true)
    assert.equal(ev('a == b', { a: c1, b: new Capsule('Appendable', {}) }), false)
  })
})

describe('evaluate: errors', () => {
  const cases: Array<[string, string, Record<string, Value>?]> = [
    ['nope', '1:1: identifier "nope" does not exist'],
    ['1 + nope', '1:5: identifier "nope" does not exist'],
    ['1 + "a"', '1:5: "a" should be number, got string'],
    ['"a" + 1', '1:7: 1 should be string, got number'],
    ['true + 1', '1:1: true should be one of [number string capsule] for binop +, got bool'],
    ['1 - "x"', '1:5: "x" should be one of [number] for binop -, got string'],
    ['true && 1', '1:9: 1 should be one of [bool] for binop &&, got number'],
    ['1 || true', '1:1: 1 should be one of [bool] for binop ||, got number'],
    ['[1] < [2]', '1:1: [1] should be one of [number string] for binop <, got array'],
    ['1 / 0', '1:5: 0 should be... '],
    ['!1', '1:2: 1 should be bool, got number'],
    ['-"a"', '1:2: "a" should be number, got string'],
    ['{a = 1}.b', '1:9: field "b" does not exist'],
    ['x.y.z', '1:5: field "z" does not exist', { x: { y: {} } as unknown as Value }],
    ['(1).a', '1:1: (1) cannot access field "a" on value of type number'],
    ['x.a', '1:1: x cannot access field "a" on value of type string', { x: 's' }],
    ['[1, 2][2]', '1:8: 2 index 2 is out of range of array with length 2'],
    ['[1, 2][-1]', '1:8: -1 index -1 is out of range of array with length 2'],
    ['[1, 2]["a"]', '1:8: "a" should be number, got string'],
    ['{a = 1}[0]', '1:9: 0 should be string, got number'],
    ['"abc"[0]', '1:1: "abc" expected object or array, got string'],
    ['"f"(1)', '1:1: "f" should be function, got string'],
    ['x(1)', '1:1: x should be function, got number', { x: 3 }],
    ['s - 1', '1:1: s should be one of [number] for binop -, got secret', { s: new Secret('hunter2') }],
    ['c + c', '1:1: c could not perform binop + for unknown types lhs capsule rhs capsule', { c: new Capsule('T', 1) }],
    ['c.x', '1:1: c expected object or array or a capsule convertible to an object, got capsule', { c: new Capsule('T', 1) }],
    ['f()', '1:1: f boom', { f: new AlloyFunction('f', () => { throw new Error('boom') }) }],
    ['false && nope', '1:10: identifier "nope" does not exist'], // both sides always evaluate
  ]
  for (const [src, want, vars] of cases) {
    if (src === '1 / 0') {
      it(src, () => {
        assert.equal(evErr(src), '1:5: 0 divide by zero error')
        assert.equal(evErr('1 % 0'), '1:5: 0 divide by zero error')
        assert.equal(evErr('1.5 / 0.0'), '1:7: 0.0 divide by zero error')
      })
      continue
    }
    it(src, () => assert.equal(evErr(src, vars), want))
  }

  it('positions errors on the deepest literal element', () => {
    assert.equal(evErr('{a = [1, 2]}.a[5]'), '1:16: 5 index 5 is out of range of array with length 2')
  })

  it('EvalError converts to a positioned Diagnostic', () => {
    try {
      evaluate(expr('1 +\n  nope'), objectScope(obj({})), 'cfg.alloy')
      assert.fail('no error')
    } catch (err) {
      assert.ok(err instanceof EvalError)
      const d = err.toDiagnostic()
      assert.equal(d.severity, 'error')
      assert.equal(d.file, 'cfg.alloy')
      assert.deepEqual([d.span.start.line, d.span.start.column, d.span.end.column], [2, 3, 7])
      assert.equal(d.message, 'identifier "nope" does not exist')
    }
  })

  it('never shows a secret value in a message', () => {
    const msg = evErr('s * 2', { s: new Secret('hunter2') })
    assert.ok(!msg.includes('hunter2'), msg)
    const msg2 = evErr('string.to_upper(s)', { s: new Secret('hunter2') })
    assert.equal(msg2, '1:17: s secrets may not be converted into strings')
  })
})
