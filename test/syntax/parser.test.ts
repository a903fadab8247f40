import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseExpression, parseFile } from '../../src/syntax/parser.js'
import { Scanner } from '../../src/syntax/scanner.js'
import { T } from '../../src/syntax/token.js'
import type { AttributeStmt, BlockStmt, Expr } from '../../src/syntax/ast.js'

const testdata = join(import.meta.dirname, 'testdata')

/** Diagnostics as "line:col message", the form the tables below use. */
function diags (src: string): string[] {
  return parseFile('t.alloy', src).diagnostics.map(d => `${d.span.start.line}:${d.span.start.column} ${d.message}`)
}

/** Compact s-expression of an expression tree, to check shape and precedence. */
function sexp (e: Expr | undefined): string {
  if (e === undefined) return '<undefined>'
  switch (e.kind) {
    case 'Literal': return e.raw
    case 'Identifier': return e.name
    case 'Array': return `[${e.elements.map(sexp).join(' ')}]`
    case 'Object': return `{${e.fields.map(f => `${f.quoted ? JSON.stringify(f.name) : f.name}=${sexp(f.value)}`).join(' ')}}`
    case 'Access': return `(. ${sexp(e.value)} ${e.name.name})`
    case 'Index': return `(idx ${sexp(e.value)} ${sexp(e.index)})`
    case 'Call': return `(call ${sexp(e.callee)}${e.args.map(a => ' ' + sexp(a)).join('')})`
    case 'Unary': return `(${e.op} ${sexp(e.value)})`
    case 'Binary': return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`
    case 'Paren': return `(paren ${sexp(e.inner)})`
  }
}

function expr (src: string): string {
  const r = parseExpression(src)
  assert.deepEqual(r.diagnostics, [], src)
  return sexp(r.expr)
}

describe('parser: valid input', () => {
  it('parses blocks, labels, nested blocks and attributes with positions', () => {
    const src = 'prometheus.scrape "default" {\n\ttargets = []\n\tclustering {\n\t\tenabled = true\n\t}\n}\n'
    const { file, diagnostics } = parseFile('a.alloy', src)
    assert.deepEqual(diagnostics, [])
    assert.equal(file.name, 'a.alloy')
    const b = file.body[0] as BlockStmt
    assert.equal(b.kind, 'Block')
    assert.deepEqual(b.name, ['prometheus', 'scrape'])
    assert.equal(b.label, 'default')
    assert.deepEqual(b.nameSpan, { start: { offset: 0, line: 1, column: 1 }, end: { offset: 17, line: 1, column: 18 } })
    assert.deepEqual(b.labelSpan?.start, { offset: 18, line: 1, column: 19 })
    assert.deepEqual(b.lcurly, { offset: 28, line: 1, column: 29 })
    assert.deepEqual(b.rcurly, { offset: src.length - 2, line: 6, column: 1 })
    assert.deepEqual(b.span.end, { offset: src.length - 1, line: 6, column: 2 })
    const attr = b.body[0] as AttributeStmt
    assert.equal(attr.name.name, 'targets')
    assert.deepEqual(attr.span.start, { offset: 31, line: 2, column: 2 })
    const inner = b.body[1] as BlockStmt
    assert.deepEqual(inner.name, ['clustering'])
    assert.equal(inner.label, undefined)
    assert.equal(((inner.body[0] as AttributeStmt).value as Expr & { value: unknown }).value, true)
  })

  it('decodes literals like Alloy (strconv semantics)', () => {
    const lit = (src: string): unknown => {
      const r = parseExpression(src)
      assert.deepEqual(r.diagnostics, [], src)
      assert.equal(r.expr?.kind, 'Literal')
      return (r.expr as Expr & { value: unknown }).value
    }
    assert.equal(lit('42'), 42)
    assert.equal(lit('010'), 8) // base-0 ParseInt: leading 0 is octal
    assert.equal(lit('08'), 8) // not octal, falls back to float parsing
    assert.equal(lit('1.5e3'), 1500)
    assert.equal(lit('.5'), 0.5)
    assert.equal(lit('1.'), 1)
    assert.equal(lit('1E-2'), 0.01)
    assert.equal(lit('"a\\tb\\n\\\\\\"\\a\\b\\f\\r\\v"'), 'a\tb\n\\"\x07\b\f\r\v')
    assert.equal(lit('"\\101\\x41\\u00e9\\U0001F600"'), 'AAé😀')
    assert.equal(lit('"\\xc3\\xa9"'), 'é') // byte escapes form UTF-8 together
    assert.equal(lit('`raw \\n\nline`'), 'raw \\n\nline')
    assert.equal(lit('`a\r\nb`'), 'a\nb') // CRs are dropped from raw strings
    assert.equal(lit('true'), true)
    assert.equal(lit('false'), false)
    assert.equal(lit('null'), null)
  })

  it('applies Alloy operator precedence and associativity', () => {
    assert.equal(expr('1 || 2 && 3 == 4 + 5 * 6 ^ 7'), '(|| 1 (&& 2 (== 3 (+ 4 (* 5 (^ 6 7))))))')
    assert.equal(expr('1 - 2 - 3'), '(- (- 1 2) 3)')
    assert.equal(expr('2 ^ 3 ^ 2'), '(^ 2 (^ 3 2))')
    assert.equal(expr('1 < 2 != true'), '(!= (< 1 2) true)')
    assert.equal(expr('-a.b[0](1, 2) * !c'), '(* (- (call (idx (. a b) 0) 1 2)) (! c))')
    assert.equal(expr('(1 + 2) * 3'), '(* (paren (+ 1 2)) 3)')
    assert.equal(expr('- - 1'), '(- (- 1))')
    assert.equal(expr('1 % 2 / 3'), '(/ (% 1 2) 3)')
  })

  it('parses arrays, objects and calls with trailing commas and newlines', () => {
    assert.equal(expr('[1, [2], {}, []]'), '[1 [2] {} []]')
    assert.equal(expr('[\n1,\n2,\n]'), '[1 2]')
    assert.equal(expr('{ a = 1, "b.c" = 2, }'), '{a=1 "b.c"=2}')
    assert.equal(expr('{\n a = 1,\n `raw` = 2,\n}'), '{a=1 "raw"=2}')
    assert.equal(expr('f(\n1,\n2,\n)'), '(call f 1 2)')
    assert.equal(expr('f()'), '(call f)')
    assert.equal(expr('1 +\n2'), '(+ 1 2)') // a newline after an operator is fine
  })

  it('keeps every comment in source order', () => {
    const src = '// one\na = 1 // two\n/* three */ b = [ // four\n  1, /* five */\n]\n'
    const { file, diagnostics } = parseFile('c', src)
    assert.deepEqual(diagnostics, [])
    assert.deepEqual(file.comments.map(c => c.text), ['// one', '// two', '/* three */', '// four', '/* five */'])
    assert.deepEqual(file.comments[1].span, { start: { offset: 13, line: 2, column: 7 }, end: { offset: 19, line: 2, column: 13 } })
    assert.equal(file.body.length, 2)
  })

  it('accepts CRLF line endings, a leading BOM and unicode identifiers', () => {
    assert.deepEqual(diags('\ufeffa = 1\r\nblock {\r\n\tb = "x" // c\r\n}\r\n'), [])
    const { file } = parseFile('u', 'ŝfoo = bar９\n')
    assert.equal((file.body[0] as AttributeStmt).name.name, 'ŝfoo')
  })

  it('counts columns in characters', () => {
    assert.deepEqual(diags('a = "😀é" + $\n'), ['1:12 illegal character U+0024 \'$\'', '1:12 expected expression, got ILLEGAL'])
  })

  it('parses every file in testdata/valid without diagnostics', () => {
    const dir = join(testdata, 'valid')
    const files = readdirSync(dir).filter(f => f.endsWith('.alloy'))
    assert.ok(files.length >= 8)
    for (const f of files) assert.deepEqual(diags(readFileSync(join(dir, f), 'utf8')), [], f)
  })
})

describe('parser: diagnostics', () => {
  const table: Array<[string, string[]]> = [
    ['a {\n  b = 1\n', ['3:1 expected }, got EOF']],
    ['a = 1 b = 2\n', ['1:7 expected TERMINATOR, got IDENT']],
    ['a = [1, 2\n]\n', ['1:10 missing \',\' in expression list']],
    ['a = {\n  x = 1,\n  y = 2\n}\n', ['3:8 missing \',\' in field list']],
    ['a = [1, 2\n 3,\n]\n', ['1:10 missing \',\' in expression list']],
    ['a = {\n  x = 1\n  y = 2,\n}\n', ['2:8 missing \',\' in field list']],
    ['a.b = 1\n', ['1:1 attribute names may only consist of a single identifier with no "."']],
    ['a "l" = 1\n', ['1:3 attribute names may not have labels']],
    ['a b {}\n', ['1:3 expected block label, got IDENT']],
    ['a "x y" {}\n', ['1:3 expected block label to be a valid identifier, but got "x y"']],
    ['a "true" {}\n', ['1:3 expected block label to be a valid identifier, but got "true"']],
    ['a `x` {}\n', ['1:3 expected block label to be a double quoted string, but got "`x`"']],
    ['a.b\n', ['1:4 expected block label, got TERMINATOR', '2:1 expected block body, got EOF']],
    ['= 1\n', ['1:1 expected identifier, got =']],
    ['a = "abc\n', ['1:5 string literal not terminated']],
    ['a = `abc\n', ['1:5 string literal not terminated']],
    ['a = \'x\'\n', ['1:5 illegal single-quoted string; use double quotes', '1:5 expected expression, got ILLEGAL']],
    ['a = "\\z"\n', ['1:7 unknown escape sequence']],
    ['a = "\\\'"\n', ['1:7 unknown escape sequence']],
    ['a = "\\400"\n', ['1:7 escape sequence is invalid Unicode code point']],
    ['a = "\\uD800"\n', ['1:7 escape sequence is invalid Unicode code point']],
    ['a = "\\U00110000"\n', ['1:7 escape sequence is invalid Unicode code point']],
    ['a = "\\x4g"\n', ['1:7 illegal character U+0067 \'g\' in escape sequence']],
    ['a = "\\', ['1:5 string literal not terminated', '1:7 escape sequence not terminated']],
    ['a = 1e\n', ['1:5 exponent has no digits']],
    ['a = 1 | 2\n', ['1:8 missing second | in ||']],
    ['a = 1 & 2\n', ['1:8 missing second & in &&']],
    ['/* unterminated', ['1:1 block comment not terminated']],
    ['a = f(1, 2\n', ['1:11 missing \',\' in expression list', '2:1 expected ), got EOF']],
    ['a = [1,,2]\n', ['1:8 expected expression, got ,']],
    ['a = 1 = 2\n', ['1:7 expected TERMINATOR, got =']],
    ['a = {]\n', ['1:6 expected }, got ]']],
    ['a = { 1 = 2 }\n', ['1:7 expected field name (string or identifier), got NUMBER']],
    ['a = x.true\n', ['1:7 expected IDENT, got BOOL']],
    ['a = $\n', ['1:5 illegal character U+0024 \'$\'', '1:5 expected expression, got ILLEGAL']],
    ['a = 1\u0007\n', ['1:6 illegal character U+0007', '1:6 expected TERMINATOR, got ILLEGAL']],
    ['a = "x\u0000"\n', ['1:7 illegal character NUL']],
    ['a = 1\ufeff\n', ['1:6 illegal byte order mark', '1:6 expected TERMINATOR, got ILLEGAL']],
    ['rw = x "l" {\n  a = 1\n}\n', ['1:6 cannot use a block as an expression']],
    ['a { b = 1 c = 2 }\n', ['1:11 expected TERMINATOR, got IDENT', '2:1 expected }, got EOF']],
    // Several errors in one file, each on its own line; a second parser error on a line is dropped.
    ['a = 1\nb = )\nc = 2 2\nd = [1 2 3]\ne = +\n', [
      '2:5 expected expression, got )',
      '3:7 expected TERMINATOR, got NUMBER',
      '4:8 missing \',\' in expression list',
      '5:5 expected expression, got +',
    ]],
  ]
  for (const [src, want] of table) {
    it(JSON.stringify(src), () => assert.deepEqual(diags(src), want))
  }

  it('sets file, severity and a span on every diagnostic, and still returns the good statements', () => {
    const { file, diagnostics } = parseFile('cfg/x.alloy', 'a = 1\nb = (\nc = 3\n')
    assert.ok(diagnostics.length > 0)
    for (const d of diagnostics) {
      assert.equal(d.file, 'cfg/x.alloy')
      assert.equal(d.severity, 'error')
      assert.ok(d.span.end.offset >= d.span.start.offset)
    }
    assert.equal((file.body[0] as AttributeStmt).name.name, 'a')
  })

  it('parseExpression reports trailing input and returns no expression', () => {
    const r = parseExpression('a b', 'expr')
    assert.equal(r.expr, undefined)
    assert.deepEqual(r.diagnostics.map(d => `${d.file} ${d.span.start.column} ${d.message}`), ['expr 3 expected TERMINATOR, got IDENT'])
    assert.deepEqual(parseExpression('').diagnostics.map(d => d.message), ['expected expression, got EOF'])
  })
})

/**
 * Alloy's harness: an expected error is marked by a comment `/* ERROR "rx" *\/` right after the
 * offending token (or `/* ERROR HERE "rx" *\/` for the position just after that token).
 */
function expectedErrors (src: string): Map<number, RegExp> {
  const want = new Map<number, RegExp>()
  const sc = new Scanner(src)
  let prev = 0
  let here = 0
  for (;;) {
    const tok = sc.scan()
    if (tok === T.EOF) return want
    if (tok === T.TERMINATOR) continue
    if (tok === T.COMMENT) {
      const m = /^\/\* *ERROR *(HERE)? *"([^"]*)" *\*\/$/.exec(sc.lit)
      if (m !== null) want.set(m[1] === 'HERE' ? here : prev, new RegExp(m[2]))
      continue
    }
    prev = sc.pos
    here = sc.end
  }
}

describe('parser: a missing trailing comma before the closing bracket', () => {
  it('is an error, as in Alloy, and the value is still parsed whole', () => {
    const src = 'prometheus.scrape "x" {\n  targets = [\n    {"__address__" = "a:1"},\n    {"__address__" = "b:2"}\n  ]\n  forward_to = []\n}\n'
    const { diagnostics, file: { body } } = parseFile('t.alloy', src)
    assert.deepEqual(diagnostics.map(d => `${d.severity} ${d.span.start.line}:${d.span.start.column}`), ['error 4:28'])
    const block = body[0]
    assert.ok(block.kind === 'Block')
    assert.equal(block.body.length, 2)
    const targets = block.body[0]
    assert.ok(targets.kind === 'Attribute' && targets.value.kind === 'Array')
    assert.equal(targets.value.elements.length, 2)
  })
})

describe('parser: Alloy error testdata', () => {
  const dir = join(testdata, 'errors')
  for (const f of readdirSync(dir).filter(f => f.endsWith('.alloy'))) {
    it(f, () => {
      const src = readFileSync(join(dir, f), 'utf8')
      const want = expectedErrors(src)
      assert.ok(want.size > 0)
      for (const d of parseFile(f, src).diagnostics) {
        const rx = want.get(d.span.start.offset)
        assert.ok(rx !== undefined, `unexpected error ${d.span.start.line}:${d.span.start.column} ${d.message}`)
        assert.equal(d.severity, 'error', d.message)
        assert.match(d.message, rx)
        want.delete(d.span.start.offset)
      }
      assert.deepEqual([...want.values()].map(String), [], 'errors not reported')
    })
  }
})
