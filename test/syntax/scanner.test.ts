import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isValidIdentifier, Scanner } from '../../src/syntax/scanner.js'
import { T, tokenName } from '../../src/syntax/token.js'

/** All tokens of src as "NAME" or "NAME:lit", plus the errors reported. */
function scan (src: string): { toks: string[], errors: string[] } {
  const errors: string[] = []
  const sc = new Scanner(src, (off, msg) => errors.push(`${off} ${msg}`))
  const toks: string[] = []
  for (;;) {
    const t = sc.scan()
    if (t === T.EOF) break
    const withLit = t === T.IDENT || t === T.NUMBER || t === T.FLOAT || t === T.STRING || t === T.COMMENT || t === T.BOOL || t === T.NULL || t === T.ILLEGAL
    toks.push(withLit ? `${tokenName(t)}:${sc.lit}` : tokenName(t))
  }
  return { toks, errors }
}

describe('scanner', () => {
  it('scans every operator and delimiter', () => {
    assert.deepEqual(scan('|| && ! != = == < <= > >= + - * / % ^ { } ( ) [ ] , .').toks,
      ['||', '&&', '!', '!=', '=', '==', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '^', '{', '}', '(', ')', '[', ']', ',', '.'])
  })

  it('scans numbers like Alloy', () => {
    assert.deepEqual(scan('0 01234567 0. .0 3.14 1e0 1e+100 2.5E-10').toks,
      ['NUMBER:0', 'NUMBER:01234567', 'FLOAT:0.', 'FLOAT:.0', 'FLOAT:3.14', 'FLOAT:1e0', 'FLOAT:1e+100', 'FLOAT:2.5E-10', 'TERMINATOR'])
    assert.deepEqual(scan('1.foo').toks, ['FLOAT:1.', 'IDENT:foo', 'TERMINATOR'])
    assert.deepEqual(scan('..').toks, ['.', '.'])
  })

  it('scans identifiers, keywords and strings', () => {
    assert.deepEqual(scan('foo a۰۱۸ ŝfoo true false null "s\\"x" `r\nx`').toks,
      ['IDENT:foo', 'IDENT:a۰۱۸', 'IDENT:ŝfoo', 'BOOL:true', 'BOOL:false', 'NULL:null', 'STRING:"s\\"x"', 'STRING:`r\nx`', 'TERMINATOR'])
  })

  it('inserts terminators only after tokens that can end a statement', () => {
    assert.deepEqual(scan('a\n=\n1\n+\n(\n)\n[\n]\n{\n}\n').toks,
      ['IDENT:a', 'TERMINATOR', '=', 'NUMBER:1', 'TERMINATOR', '+', '(', ')', 'TERMINATOR', '[', ']', 'TERMINATOR', '{', '}', 'TERMINATOR'])
  })

  it('puts the terminator before a comment that ends the line', () => {
    assert.deepEqual(scan('a // c\nb /* x */ c /* y\n*/').toks,
      ['IDENT:a', 'TERMINATOR', 'COMMENT:// c', 'IDENT:b', 'COMMENT:/* x */', 'IDENT:c', 'TERMINATOR', 'COMMENT:/* y\n*/'])
    assert.deepEqual(scan('a /* x */ /* y */\n').toks, ['IDENT:a', 'TERMINATOR', 'COMMENT:/* x */', 'COMMENT:/* y */'])
  })

  it('strips CRs from comments', () => {
    assert.deepEqual(scan('//c\r\n/*\r*/').toks, ['COMMENT://c', 'COMMENT:/**/'])
  })

  it('reports lexical errors with offsets', () => {
    const cases: Array<[string, string[]]> = [
      ['\x07', ['0 illegal character U+0007']],
      ['…', ["0 illegal character U+2026 '…'"]],
      ["'x'", ['0 illegal single-quoted string; use double quotes']],
      ['"abc', ['0 string literal not terminated']],
      ['"abc\n', ['0 string literal not terminated']],
      ['"abc\x00def"', ['4 illegal character NUL']],
      ['\ufeff\ufeff', ['1 illegal byte order mark']],
      ['//\ufeff', ['2 illegal byte order mark']],
      ['"\ud800"', ['1 illegal UTF-8 encoding']],
      ['10E', ['0 exponent has no digits']],
      ['"\\q"', ['2 unknown escape sequence']],
      ['"\\x1"', ["2 illegal character U+0022 '\"' in escape sequence"]],
      ['"\\777"', ['2 escape sequence is invalid Unicode code point']],
      ['/* x', ['0 block comment not terminated']],
      ['a | b', ['3 missing second | in ||']],
    ]
    for (const [src, want] of cases) assert.deepEqual(scan(src).errors, want, JSON.stringify(src))
  })

  it('validates identifiers like Alloy', () => {
    assert.equal(isValidIdentifier('foo_1'), true)
    assert.equal(isValidIdentifier('é'), true)
    assert.equal(isValidIdentifier('1a'), false)
    assert.equal(isValidIdentifier('true'), false)
    assert.equal(isValidIdentifier('a b'), false)
    assert.equal(isValidIdentifier(''), false)
  })

  it('scans a large config quickly', () => {
    const targets = Array.from({ length: 20000 }, (_, i) => `\t{"__address__" = "10.0.${i >> 8}.${i & 255}:9100", "job" = "node"},`).join('\n')
    const src = `prometheus.scrape "big" {\n\ttargets = [\n${targets}\n\t]\n}\n`
    const sc = new Scanner(src)
    const t0 = performance.now()
    let n = 0
    while (sc.scan() !== T.EOF) n++
    const ms = performance.now() - t0
    assert.equal(n, 20000 * 10 + 12)
    assert.ok(ms < 2000, `took ${ms}ms`)
  })
})
