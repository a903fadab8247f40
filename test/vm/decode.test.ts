import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { body, obj, plain } from './helpers.js'
import { decodeBody } from '../../src/vm/decode.js'
import { objectScope } from '../../src/vm/evaluate.js'
import { attr, block, t } from '../../src/vm/schema.js'
import type { Schema } from '../../src/vm/schema.js'
import { Capsule, Secret } from '../../src/vm/value.js'
import type { Value } from '../../src/vm/value.js'
import type { Span } from '../../src/syntax/ast.js'

const schema: Schema = {
  url: attr(t.string, { required: true }),
  interval: attr(t.duration, { default: 60_000 }),
  labels: attr(t.map(t.string), { default: { env: 'prod' } }),
  targets: attr(t.array(t.map(t.string))),
  password: attr(t.secret),
  enabled: attr(t.bool, { default: true }),
  limit: attr(t.int),
  ratio: attr(t.number),
  shards: attr({ kind: 'number', int: true, min: 1 }),
  mode: attr(t.enum('a', 'b')),
  receiver: attr(t.capsule('Appendable')),
  extra: attr(t.any),
  tls: block({ insecure: attr(t.bool, { default: false }), ca: attr(t.string) }),
  rule: block({ action: attr(t.string, { default: 'replace' }), regex: attr(t.string) }, { multiple: true }),
}

const where: Span = { start: { offset: 0, line: 9, column: 1 }, end: { offset: 5, line: 9, column: 6 } }

function decode (src: string, vars: Record<string, Value> = {}, s: Schema = schema): { value: Record<string, unknown>, diags: string[] } {
  const { value, diagnostics } = decodeBody(body(src), s, objectScope(obj(vars)), 'test.alloy', where)
  for (const d of diagnostics) assert.equal(d.file, 'test.alloy')
  return { value, diags: diagnostics.map(d => `${d.span.start.line}:${d.span.start.column}: ${d.message}`) }
}

describe('decodeBody', () => {
  it('decodes attributes, applies defaults and nested/multiple blocks', () => {
    const { value, diags } = decode(`
      url      = "http://x"
      interval = "1m30s"
      targets  = [{"__address__" = "a:1", port = 9090}, {"__address__" = "b:2"}]
      limit    = 10.9
      ratio    = "0.5"
      mode     = "b"
      tls { ca = "ca.pem" }
      rule { regex = "a" }
      rule {
        action = "drop"
      }
    `)
    assert.deepEqual(diags, [])
    assert.deepEqual(plain(value), {
      url: 'http://x',
      interval: 90_000,
      targets: [{ __address__: 'a:1', port: '9090' }, { __address__: 'b:2' }],
      limit: 10, // truncated like Go's float → int
      ratio: 0.5,
      mode: 'b',
      tls: { ca: 'ca.pem', insecure: false },
      rule: [{ regex: 'a', action: 'replace' }, { action: 'drop' }],
      labels: { env: 'prod' },
      enabled: true,
    })
  })

  it('copies defaults so decodes never share them', () => {
    const a = decode('url = "x"').value
    const b = decode('url = "x"').value
    assert.notEqual(a.labels, b.labels)
    ;(a.labels as Record<string, string>).env = 'changed'
    assert.deepEqual(b.labels, { env: 'prod' })
    assert.deepEqual(schema.labels.kind === 'attr' && schema.labels.default, { env: 'prod' })
  })

  it('absent multiple blocks are [], absent single blocks are left out', () => {
    const { value } = decode('url = "x"')
    assert.deepEqual(value.rule, [])
    assert.equal('tls' in value, false)
  })

  it('null leaves the attribute at its default', () => {
    const { value, diags } = decode('url = "x"\ninterval = null\nlimit = null')
    assert.deepEqual(diags, [])
    assert.equal(value.interval, 60_000)
    assert.equal('limit' in value, false)
  })

  it('turns strings and secrets into Secrets for secret attributes', () => {
    const v1 = decode('url = "x"\npassword = "pw"').value.password
    assert.ok(v1 instanceof Secret)
    assert.equal(v1.reveal(), 'pw')
    const s = new Secret('hidden')
    assert.equal(decode('url = "x"\npassword = p', { p: s }).value.password, s)
  })

  it('unwraps capsules of the declared type', () => {
    const recv = { append () {} }
    assert.equal(decode('url = "x"\nreceiver = r', { r: new Capsule('Appendable', recv) }).value.receiver, recv)
    assert.deepEqual(decode('url = "x"\nreceiver = r', { r: new Capsule('Other', recv) }).diags,
      ['2:12: r expected capsule("Appendable"), got capsule("Other")'])
    assert.deepEqual(decode('url = "x"\nreceiver = "s"').diags, ['2:12: "s" expected capsule("Appendable"), got string'])
  })

  it('passes any values through', () => {
    const v = decode('url = "x"\nextra = {a = [1]}').value.extra
    assert.deepEqual(plain(v), { a: [1] })
  })

  it('reports every problem, positioned', () => {
    const { diags } = decode(`
      url = 5
      url = "again"
      bogus = 1
      interval = "5x"
      enabled = "yes"
      labels = {a = 1, b = [2]}
      targets = [{a = "x"}, 7]
      mode = "c"
      shards = 0
      tls = {}
      rule = 1
      nope { }
      password { }
      tls { }
      tls { }
      rule "lbl" { }
      rule { action = true }
    `)
    assert.deepEqual(diags, [
      '3:7: attribute "url" may only be provided once',
      '4:7: unrecognized attribute name "bogus"',
      '5:18: "5x" time: unknown unit "x" in duration "5x"',
      '6:17: "yes" should be bool, got string',
      '7:28: [2] should be string, got array',
      '8:29: 7 should be object, got number',
      '9:14: "c" invalid value "c", must be one of "a", "b"',
      '10:16: 0 must be at least 1, got 0',
      '11:7: "tls" must be a block, but is used as an attribute',
      '12:7: "rule" must be a block, but is used as an attribute',
      '13:7: unrecognized block name "nope"',
      '14:7: "password" must be an attribute, but is used as a block',
      '16:7: block "tls" may only be specified once',
      '17:12: block "rule" does not support specifying labels',
      '18:23: true should be string, got bool',
    ])
  })

  it('number → string converts, string → number converts, bad strings do not', () => {
    const { value, diags } = decode('url = 8080\nlimit = "12"\nratio = "abc"')
    assert.equal(value.url, '8080')
    assert.equal(value.limit, 12)
    assert.deepEqual(diags, ['3:9: "abc" should be number, got string'])
  })

  it('reports missing required attributes and blocks at `where`', () => {
    const s: Schema = {
      a: attr(t.string, { required: true }),
      b: block({ c: attr(t.string, { required: true }) }, { required: true }),
      d: block({ e: attr(t.string, { required: true }) }),
    }
    const { diags } = decode('d { }', {}, s)
    assert.deepEqual(diags, [
      '1:1: missing required attribute "e"', // nested: at the nested block's name
      '9:1: missing required attribute "a"',
      '9:1: missing required block "b"',
    ])
  })

  it('reports evaluation errors with their position', () => {
    assert.deepEqual(decode('url = nope\nlimit = 1 + "a"').diags, [
      '1:7: identifier "nope" does not exist',
      '2:13: "a" should be number, got string',
    ])
  })

  it('points into values that came from elsewhere', () => {
    const targets = [obj({ __address__: 'a' }), obj({ __address__: ['x'] })]
    assert.deepEqual(decode('url = "x"\ntargets = discovery.t', { discovery: obj({ t: targets }) }).diags,
      ['2:11: discovery.t[1].__address__ should be string, got array'])
  })

  it('never puts a secret in a message', () => {
    const { diags } = decode('url = p\nlimit = p\nmode = p\ninterval = p', { p: new Secret('hunter2') })
    assert.deepEqual(diags, [
      '1:7: p secrets may not be converted into strings',
      '2:9: p should be number, got secret',
      '3:8: p secrets may not be converted into strings',
      '4:12: p secrets may not be converted into strings',
    ])
  })
})

describe('decodeBody output shape', () => {
  it('decodes maps to plain objects that keep "__proto__" as a key', () => {
    const s: Schema = { labels: attr(t.map(t.string)) }
    const { value } = decodeBody(body('labels = {"__proto__" = "x", a = "b"}'), s, objectScope(obj({})), 'f')
    const labels = value.labels as Record<string, string>
    assert.equal(Object.getPrototypeOf(labels), Object.prototype)
    assert.deepEqual(Object.keys(labels), ['__proto__', 'a'])
    assert.equal(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value, 'x')
  })
})
