import { test } from 'node:test'
import assert from 'node:assert/strict'
import { relabelRegex, translateRe2, Re2SyntaxError } from '../../src/relabel/regex.js'

// Anchored relabel regexes (as Prometheus compiles them: ^(?s:re)$): pattern, matches, non-matches.
const matching: [string, string[], string[]][] = [
  ['a.b', ['axb', 'a\nb', 'a😀b'], ['ab', 'a😀😀b']],
  ['(?-s)a.b', ['axb', 'a\rb'], ['a\nb']],
  ['f|o', ['f', 'o'], ['foo']],
  ['(?i)abc', ['ABC', 'aBc'], ['abd']],
  ['a(?i:b)c', ['aBc', 'abc'], ['ABc', 'abC']],
  ['(?i)a(?-i)b', ['Ab', 'ab'], ['AB']],
  ['(?i:a|b)c', ['Ac', 'Bc'], ['AC']],
  ['(?i)k', ['K', 'k', '\u212a'], ['x']],
  ['x(?i:k)', ['x\u212a', 'xK'], ['Xk']],
  ['x(?i:[a-c])', ['xB', 'xa'], ['Xa', 'xd']],
  ['(?i)[^a]', ['b', 'B'], ['a', 'A']],
  ['(?i)\\p{Lu}', ['A', 'a'], ['1']],
  ['(?P<year>\\d{4})-(?<m>\\d\\d)', ['2024-01'], ['24-01']],
  ['[[:alpha:]]+', ['abcXYZ'], ['ab1', 'é']],
  ['[[:^digit:]]+', ['ab', 'é'], ['a1']],
  ['[[:word:][:punct:]]+', ['a_b-c!'], ['a b']],
  ['[[:space:]]', ['\v', ' '], ['a']],
  ['[:alpha:]', [':', 'a'], ['b']], // outside brackets it is a plain class
  ['\\pL+', ['héllo', 'Ωmega'], ['a1']],
  ['\\p{Greek}+', ['αβγ'], ['abc']],
  ['\\PL', ['1'], ['a']],
  ['\\p{^Greek}', ['a'], ['α']],
  ['\\p{Any}', ['😀', '\n'], ['']],
  ['[\\p{Lu}\\d]+', ['A1B'], ['a']],
  ['\\Q.*+?\\E', ['.*+?'], ['a']],
  ['\\Qa.b', ['a.b'], ['axb']],
  ['a\\z', ['a'], ['a\n']],
  ['\\Aa', ['a'], []],
  ['a$', ['a'], ['a\n']],
  ['(?m)^a\\n^b$', ['a\nb'], []],
  ['^a\\n^b$', [], ['a\nb']],
  ['(?m)a$\\rb', [], ['a\rb']],
  ['(?m)a$\\n', ['a\n'], []],
  ['\\s', [' ', '\t', '\n', '\f', '\r'], ['\v', '\u00a0', '\u2028']],
  ['\\S', ['\v', '\u00a0', 'x'], [' ']],
  ['[^\\S]', [' '], ['\v']],
  ['\\w', ['a', '_', '9'], ['é', 'ſ']],
  ['\\d', ['7'], ['٣']],
  ['\\W', ['é', '-'], ['a']],
  ['\\x41\\x{1F600}', ['A😀'], []],
  ['\\101\\0\\12', ['A\0\n'], []],
  ['\\a\\f\\t\\n\\r\\v', ['\x07\f\t\n\r\v'], []],
  ['[\\d-z]', ['-', '5', 'z'], ['a']],
  ['[a-c-e]', ['-', 'e', 'b'], ['d']],
  ['[]a]', [']', 'a'], ['b']],
  ['[^]a]', ['b'], [']', 'a']],
  ['[a-]', ['a', '-'], ['b']],
  ['[\\]\\[]+', ['[]'], []],
  ['x{2}', ['xx'], ['x', 'xxx']],
  ['x{2,}', ['xx', 'xxxx'], ['x']],
  ['x{1,2}', ['x', 'xx'], ['xxx']],
  ['x{,2}', ['x{,2}'], ['xx']],
  ['x{01}', ['x{01}'], ['x']],
  ['a{', ['a{'], []],
  ['a{1', ['a{1'], []],
  ['\\{\\}\\.\\-\\/\\ ', ['{}.-/ '], []],
  ['\\bfoo\\b', ['foo'], []],
  ['a\\Bb', ['ab'], []],
  ['(|a)', ['', 'a'], ['b']],
  ['a|b|', ['', 'a', 'b'], ['c']],
  ['()', [''], ['a']],
  ['^*a', ['a'], []],
  ['', [''], ['a']],
  ['(?s)(?-s:.)', ['a'], ['\n']],
  ['(?i)straße', ['STRAẞE', 'Straße'], ['STRASSE']],
]

for (const [re, yes, no] of matching) {
  test(`regex ${JSON.stringify(re)} matches exactly what RE2 does`, () => {
    const r = relabelRegex(re)
    for (const s of yes) assert.equal(r.js.test(s), true, `should match ${JSON.stringify(s)} (js: ${r.js})`)
    for (const s of no) assert.equal(r.js.test(s), false, `should not match ${JSON.stringify(s)} (js: ${r.js})`)
  })
}

test('regex: capture groups and greediness', () => {
  const groups = (re: string, s: string): (string | undefined)[] => [...relabelRegex(re).js.exec(s)!].slice(1)
  assert.deepEqual(groups('(a+)(a*)', 'aaa'), ['aaa', ''])
  assert.deepEqual(groups('(a+?)(a*)', 'aaa'), ['a', 'aa'])
  assert.deepEqual(groups('(?U)(a+)(a*)', 'aaa'), ['a', 'aa'])
  assert.deepEqual(groups('(?U)(a+?)(a*)', 'aaa'), ['aaa', ''])
  assert.deepEqual(groups('(a)|(b)', 'b'), [undefined, 'b'])
  assert.deepEqual(groups('(?:(a)|b)(c)', 'bc'), [undefined, 'c'])
  // Named groups are plain numbered groups in JS, named by our own table.
  const r = relabelRegex('(?P<year>\\d{4})-(x)?(?<m>\\d\\d)')
  assert.equal(r.groups, 3)
  assert.deepEqual(r.names, ['', 'year', '', 'm'])
  assert.deepEqual(groups('(?P<year>\\d{4})-(x)?(?<m>\\d\\d)', '2024-01'), ['2024', undefined, '01'])
  // RE2 allows names JS does not (leading digit) and duplicate names.
  assert.deepEqual(relabelRegex('(?P<1x>a)(?P<n>b)(?P<n>c)').names, ['', '1x', 'n', 'n'])
})

test('regex: translations', () => {
  const tr = (re: string, flags = {}): string => { const t = translateRe2(re, flags); return `/${t.pattern}/${t.flags}` }
  assert.equal(tr('a.b'), '/a[^\\n]b/u')
  assert.equal(tr('a.b', { s: true }), '/a[^]b/u')
  assert.equal(tr('(?i)abc'), '/abc/iu')
  assert.equal(tr('a(?i:b)c'), '/a(?:[Bb])c/u')
  assert.equal(tr('(?i:1)2'), '/(?:1)2/u') // nothing to fold: no i flag, no expansion
  assert.equal(tr('(?P<x>a)|(?<y>b)'), '/(a)|(b)/u')
  assert.equal(tr('[[:alpha:]]+'), '/[A-Za-z]+/u')
  assert.equal(tr('\\pL\\p{Greek}\\PN'), '/[\\p{L}][\\p{Script=Greek}][\\P{N}]/u')
  assert.equal(tr('\\Q.*\\E'), '/\\u{2e}\\u{2a}/u')
  assert.equal(tr('a{2,3}?'), '/a{2,3}?/u')
  assert.equal(tr('(?m)^a$'), '/(?:^|(?<=\\n))a(?:$|(?=\\n))/u')
  assert.equal(tr('\\s'), '/[\\u{9}\\u{a}\\u{c}\\u{d}\\u{20}]/u')
  assert.equal(tr('\\Aa\\z'), '/^a$/u')
  assert.equal(tr('(?U)a+b*?'), '/a+?b*/u')
  assert.equal(tr('^*'), '/(?:^)*/u')
  assert.equal(tr('(ab)+|c{3}'), '/(ab)+|c{3}/u')
  assert.equal(tr('(?:ab)*'), '/(?:ab)*/u')
})

// What RE2 (Go's regexp) rejects, with Go's error text.
const rejected: [string, string][] = [
  ['(a)\\1', 'invalid escape sequence: `\\1` (backreferences are not supported by RE2)'],
  ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P` (named backreferences are not supported by RE2)'],
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=` (lookaround assertions are not supported by RE2)'],
  ['(?!a)', 'invalid or unsupported Perl syntax: `(?!` (lookaround assertions are not supported by RE2)'],
  ['(?<=a)', 'invalid or unsupported Perl syntax: `(?<=` (lookaround assertions are not supported by RE2)'],
  ['(?<!a)', 'invalid or unsupported Perl syntax: `(?<!` (lookaround assertions are not supported by RE2)'],
  ['(?>a)', 'invalid or unsupported Perl syntax: `(?>` (atomic groups are not supported by RE2)'],
  ['(?#c)', 'invalid or unsupported Perl syntax: `(?#` (comments are not supported by RE2)'],
  ['a*+', 'invalid nested repetition operator: `*+`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['a*?+', 'invalid nested repetition operator: `*?+`'],
  ['*', 'missing argument to repetition operator: `*`'],
  ['a|*', 'missing argument to repetition operator: `*`'],
  ['(+)', 'missing argument to repetition operator: `+`'],
  ['{2}', 'missing argument to repetition operator: `{2}`'],
  ['(a', 'missing closing ): `(a`'],
  ['(?:a', 'missing closing ): `(?:a`'],
  ['a)', 'unexpected ): `a)`'],
  ['[a', 'missing closing ]: `[a`'],
  ['[]', 'missing closing ]: `[]`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
  ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['x{1001}', 'invalid repeat count: `{1001}`'],
  ['x{2,1}', 'invalid repeat count: `{2,1}`'],
  ['(x{100}){100}', 'invalid repeat count: `{100}`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\e', 'invalid escape sequence: `\\e`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\8', 'invalid escape sequence: `\\8`'],
  ['\\u0041', 'invalid escape sequence: `\\u`'],
  ['\\xZ1', 'invalid escape sequence: `\\xZ1`'],
  ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
  ['[\\b]', 'invalid escape sequence: `\\b`'],
  ['(?P<>a)', 'invalid named capture: `(?P<>`'],
  ['(?P<a b>x)', 'invalid named capture: `(?P<a b>`'],
  ['(?<n', 'invalid named capture: `(?<n`'],
  ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
  ['(?i-)', 'invalid or unsupported Perl syntax: `(?i-)`'],
  ['a\\', 'trailing backslash at end of expression: ``'],
]

for (const [re, msg] of rejected) {
  test(`regex ${JSON.stringify(re)} is rejected like RE2`, () => {
    assert.throws(() => relabelRegex(re), (e: unknown) => {
      assert.ok(e instanceof Re2SyntaxError)
      assert.equal(e.message, `error parsing regexp: ${msg}`)
      return true
    })
  })
}

test('regex cache returns the same compiled object per source', () => {
  assert.equal(relabelRegex('cache-me(.*)'), relabelRegex('cache-me(.*)'))
  assert.notEqual(relabelRegex('cache-me(.*)'), relabelRegex('cache-me(.+)'))
})
