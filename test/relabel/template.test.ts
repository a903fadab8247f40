import { test } from 'node:test'
import assert from 'node:assert/strict'
import { relabelRegex } from '../../src/relabel/regex.js'
import { expand, parseTemplate } from '../../src/relabel/template.js'

// Expected values follow Go's Regexp.ExpandString.
function ex (re: string, input: string, tpl: string): string {
  const r = relabelRegex(re)
  const m = r.js.exec(input)
  assert.ok(m !== null, `${re} should match ${input}`)
  return expand(parseTemplate(tpl, r.names), m)
}

test('template: numbered references', () => {
  assert.equal(ex('(a)(b)', 'ab', '$1-$2'), 'a-b')
  assert.equal(ex('(a)(b)', 'ab', '${1}${2}'), 'ab')
  assert.equal(ex('(a)(b)', 'ab', '$0'), 'ab')
  assert.equal(ex('(a)(b)', 'ab', '$3'), '') // no such group
  assert.equal(ex('(a)|(b)', 'b', '[$1]'), '[]') // group did not participate
})

test('template: $name is as long as possible', () => {
  assert.equal(ex('(a)', 'a', '$1x'), '') // group "1x"
  assert.equal(ex('(a)', 'a', '${1}x'), 'ax')
  assert.equal(ex('(a)', 'a', '$1_'), '') // '_' is a name character
  assert.equal(ex('(a)', 'a', '$1-'), 'a-')
  assert.equal(ex('(a)', 'a', '$1é'), '') // Unicode letters are name characters
})

test('template: named references', () => {
  assert.equal(ex('(?P<first>a)(?<second>b)', 'ab', '$second$first'), 'ba')
  assert.equal(ex('(?P<first>a)(?<second>b)', 'ab', '${second}_${first}'), 'b_a')
  assert.equal(ex('(?P<first>a)', 'a', '$nope'), '')
  // Duplicate names: the first that participated.
  assert.equal(ex('(?P<n>a)?(?P<n>b)', 'b', '<$n>'), '<b>')
  assert.equal(ex('(?P<n>a)?(?P<n>b)', 'ab', '<$n>'), '<a>')
  // A name that looks numeric but has a leading zero is a name, not group 1.
  assert.equal(ex('(a)', 'a', '$01'), '')
  assert.equal(ex('(?P<01>a)', 'a', '$01'), 'a')
})

test('template: dollars that are not references', () => {
  assert.equal(ex('(a)', 'a', '$$1'), '$1')
  assert.equal(ex('(a)', 'a', 'x$'), 'x$')
  assert.equal(ex('(a)', 'a', '$-'), '$-')
  assert.equal(ex('(a)', 'a', '${}'), '${}')
  assert.equal(ex('(a)', 'a', '${1'), '${1')
  assert.equal(ex('(a)', 'a', '${1-}'), '${1-}')
  assert.equal(ex('(a)', 'a', '$$$1'), '$a')
})

test('template: constant templates are detected', () => {
  const names = relabelRegex('(a)').names
  assert.deepEqual(parseTemplate('plain', names), { parts: ['plain'], constant: true, text: 'plain' })
  assert.deepEqual(parseTemplate('a$$b', names), { parts: ['a$b'], constant: true, text: 'a$b' })
  assert.equal(parseTemplate('a$1', names).constant, false)
})
