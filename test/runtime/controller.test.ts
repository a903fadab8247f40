import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Registry } from 'prom-client'
import { Controller } from '../../src/runtime/controller.js'
import { register, lookupKind } from '../../src/runtime/registry.js'
import type { ComponentKind, ComponentGlobals } from '../../src/runtime/component.js'
import { attr, t } from '../../src/vm/schema.js'
import { nopLogger } from '../../src/logging/logger.js'

// Test-only kinds: a value source whose export can be changed from the test, and a
// passthrough that exports its input plus one.
const sources = new Map<string, ComponentGlobals>()
const updates: string[] = []

if (!lookupKind('testing.source')) {
  register({
    name: 'testing.source',
    stability: 'generally-available',
    args: { value: attr(t.number, { required: true }) },
    exports: { output: { type: 'number' } },
    build (g, args: { value: number }) {
      sources.set(g.id, g)
      g.onStateChange({ output: args.value })
      return {
        async run (signal) { await new Promise<void>(r => signal.addEventListener('abort', () => r())) },
        update (a: { value: number }) { updates.push(g.id); g.onStateChange({ output: a.value }) },
      }
    },
  } satisfies ComponentKind<{ value: number }>)
  register({
    name: 'testing.add',
    stability: 'generally-available',
    args: { input: attr(t.number, { required: true }), delta: attr(t.number, { default: 1 }) },
    exports: { output: { type: 'number' } },
    validate: (a: { input: number, delta: number }) => a.delta < 0 ? [`delta (${a.delta}) must not be negative`] : [],
    build (g, args: { input: number, delta: number }) {
      g.onStateChange({ output: args.input + args.delta })
      return {
        async run (signal) { await new Promise<void>(r => signal.addEventListener('abort', () => r())) },
        update (a: { input: number, delta: number }) { updates.push(g.id); g.onStateChange({ output: a.input + a.delta }) },
      }
    },
  } satisfies ComponentKind<{ input: number, delta: number }>)
  register({
    name: 'testing.experimental',
    stability: 'experimental',
    args: {},
    exports: {},
    build () { return { async run () {}, update () {} } },
  })
}

function newController (): Controller {
  return new Controller({ storagePath: '/tmp/shoal-test-controller', logger: nopLogger, registry: new Registry() })
}

const src = (text: string) => [{ name: 'main.alloy', source: text }]
const wait = (ms: number) => new Promise(r => setTimeout(r, ms))

const chain = (v: number, delta2 = 1) => `
testing.add "c" {
  input = testing.add.b.output
  delta = ${delta2}
}
testing.add "b" {
  input = testing.source.a.output
}
testing.source "a" {
  value = ${v}
}
`

test('evaluates in dependency order and propagates export changes downstream', async () => {
  const c = newController()
  const res = await c.load(src(chain(10)))
  assert.deepEqual(res.diagnostics.filter(d => d.severity === 'error'), [])
  assert.equal(res.ok, true)
  assert.equal(c.component('testing.add.c')!.exports.output, 12)
  assert.deepEqual(c.component('testing.add.b')!.referencesTo, ['testing.source.a'])
  assert.deepEqual(c.component('testing.add.b')!.referencedBy, ['testing.add.c'])
  // A component changing its exports at run time (not through a reload) updates its dependents.
  sources.get('testing.source.a')!.onStateChange({ output: 100 })
  await wait(50)
  assert.equal(c.component('testing.add.b')!.exports.output, 101)
  assert.equal(c.component('testing.add.c')!.exports.output, 102)
  await c.stop()
})

test('reload keeps unchanged components (same instance) and updates changed ones', async () => {
  const c = newController()
  assert.equal((await c.load(src(chain(1)))).ok, true)
  const a = c.instance('testing.source.a')
  const b = c.instance('testing.add.b')
  const cc = c.instance('testing.add.c')
  updates.length = 0
  const res = await c.load(src(chain(1, 5)))
  assert.equal(res.ok, true)
  assert.equal(c.instance('testing.source.a'), a)
  assert.equal(c.instance('testing.add.b'), b)
  assert.equal(c.instance('testing.add.c'), cc)
  assert.deepEqual(updates, ['testing.add.c'])
  assert.equal(c.component('testing.add.c')!.exports.output, 7)
  await c.stop()
})

test('a bad reload is rejected with positioned errors and the old graph keeps running', async () => {
  const c = newController()
  assert.equal((await c.load(src(chain(1)))).ok, true)
  const a = c.instance('testing.source.a')
  const bad = `
testing.source "a" {
  value = "x"
}
testing.add "b" {
  input = testing.source.zz.output
}
`
  const res = await c.load(src(bad))
  assert.equal(res.ok, false)
  const errs = res.diagnostics.filter(d => d.severity === 'error')
  assert.ok(errs.length >= 1)
  const ref = errs.find(d => d.message.includes('testing.source.zz'))
  assert.ok(ref, JSON.stringify(errs))
  assert.equal(ref.span.start.line, 6)
  assert.equal(ref.file, 'main.alloy')
  assert.equal(c.instance('testing.source.a'), a)
  assert.equal(c.component('testing.add.c')!.exports.output, 3)
  await c.stop()
})

test('type errors, missing arguments, validate() and unknown blocks are positioned diagnostics', () => {
  const diags = Controller.check(src(`
testing.source "a" {
  value = "str"
}
testing.add "b" {
}
testing.add "c" {
  input = 1
  delta = -2
}
nosuch.component "x" {
}
`))
  const msgs = diags.filter(d => d.severity === 'error').map(d => `${d.span.start.line}:${d.span.start.column}: ${d.message}`)
  assert.ok(msgs.some(m => m.startsWith('11:1: ') && m.includes('unrecognized block name "nosuch.component"')), msgs.join('\n'))
})

test('each error is reported once the syntax is valid: types, required, validate', () => {
  const diags = Controller.check(src(`
testing.source "a" {
  value = "str"
}
testing.add "b" {
}
testing.add "c" {
  input = 1
  delta = -2
}
`))
  const msgs = diags.filter(d => d.severity === 'error').map(d => `${d.span.start.line}:${d.span.start.column}: ${d.message}`)
  assert.equal(msgs.length, 3, msgs.join('\n'))
  assert.ok(msgs.some(m => m.startsWith('3:11: ') && /string/.test(m)), msgs.join('\n'))
  assert.ok(msgs.some(m => m.includes('input')), msgs.join('\n'))
  assert.ok(msgs.some(m => m.includes('delta (-2) must not be negative')), msgs.join('\n'))
})

test('reference cycles are errors', () => {
  const diags = Controller.check(src(`
testing.add "x" {
  input = testing.add.y.output
}
testing.add "y" {
  input = testing.add.x.output
}
`))
  const cyc = diags.filter(d => d.message.includes('cycle'))
  assert.equal(cyc.length, 1)
  assert.match(cyc[0].message, /testing\.add\.x -> testing\.add\.y -> testing\.add\.x|testing\.add\.y -> testing\.add\.x -> testing\.add\.y/)
})

test('components below --stability.level are rejected', () => {
  const diags = Controller.check(src('testing.experimental "e" {}\n'))
  assert.ok(diags.some(d => d.message.includes('stability level "experimental"')))
  assert.equal(Controller.check(src('testing.experimental "e" {}\n'), undefined, 'experimental').length, 0)
})

test('duplicate component ids and unknown exports are errors', () => {
  const diags = Controller.check(src(`
testing.source "a" {
  value = 1
}
testing.source "a" {
  value = 2
}
testing.add "b" {
  input = testing.source.a.nope
}
`))
  const msgs = diags.map(d => `${d.span.start.line}: ${d.message}`)
  assert.ok(msgs.some(m => m.startsWith('5: ') && m.includes('already declared at main.alloy:2:1')), msgs.join('\n'))
  assert.ok(msgs.some(m => m.startsWith('9: ') && m.includes('no export named "nope"')), msgs.join('\n'))
})
