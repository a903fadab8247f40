import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { ev, evErr, plain } from './helpers.js'
import { Secret } from '../../src/vm/value.js'
import { stdlib } from '../../src/vm/stdlib.js'
import { AlloyFunction } from '../../src/vm/value.js'

describe('stdlib', () => {
  before(() => { process.env.SHOAL_VM_TEST_VAR = 'Hello!' })
  after(() => { delete process.env.SHOAL_VM_TEST_VAR })

  const cases: Array<[string, unknown]> = [
    ['sys.env("SHOAL_VM_TEST_VAR")', 'Hello!'],
    ['env("SHOAL_VM_TEST_VAR")', 'Hello!'],
    ['sys.env("SHOAL_VM_TEST_UNSET_VAR")', ''],
    ['array.concat([true, "foo"], [], [false, 1])', [true, 'foo', false, 1]],
    ['array.concat()', []],
    ['concat([[1]], [2])', [[1], 2]],
    ['string.format("%s:%d", "host", 9090)', 'host:9090'],
    ['string.format("%v|%v|%v|%v", "s", 1, 1.5, true)', 's|1|1.5|true'],
    ['string.format("%q", "a\\"b")', '"a\\"b"'],
    ['string.format("%5d|%-5d|%05d|%+d", 42, 42, 42, 42)', '   42|42   |00042|+42'],
    ['string.format("%.2f|%f|%8.3f", 3.14159, 2, 2.5)', '3.14|2.000000|   2.500'],
    ['string.format("%x|%X|%#x|%x", 255, 255, 255, "hi")', 'ff|FF|0xff|6869'],
    ['string.format("%o|%b|%t|%%|%c", 8, 5, false, 65)', '10|101|false|%|A'],
    ['string.format("%e|%g|%g", 123456.0, 0.000012, 100.0)', '1.234560e+05|1.2e-05|100'],
    ['string.format("%-8s|%8s|%.2s", "ab", "ab", "abcdef")', 'ab      |      ab|ab'],
    ['string.format("%v %v", [1, "a"], {b = 2, a = 1})', '[1 a] map[a:1 b:2]'],
    ['string.format("%d %s", "x")', '%!d(string=x) %!s(MISSING)'],
    ['string.format("%s", 5)', '%!s(int=5)'],
    ['string.format("a", 1, "b")', 'a%!(EXTRA int=1, string=b)'],
    ['string.format("%d", 1.5)', '%!d(float64=1.5)'],
    ['format("%s-%s", "a", "b")', 'a-b'],
    ['string.join(["a", "b", "c"], ",")', 'a,b,c'],
    ['string.join([], ",")', ''],
    ['string.join(["a", 1], "-")', 'a-1'],
    ['join(["x"], ",")', 'x'],
    ['string.split("a,b,,c", ",")', ['a', 'b', '', 'c']],
    ['string.split("", ",")', ['']],
    ['string.split("abc", "")', ['a', 'b', 'c']],
    ['string.replace("a-b-c", "-", "+")', 'a+b+c'],
    ['string.to_lower("AbC")', 'abc'],
    ['string.to_upper("AbC")', 'ABC'],
    ['string.trim("xxhixyx", "xy")', 'hi'],
    ['string.trim_prefix("prefix-body", "prefix-")', 'body'],
    ['string.trim_prefix("body", "x")', 'body'],
    ['string.trim_suffix("body.txt", ".txt")', 'body'],
    ['string.trim_space("  \\t hi \\n")', 'hi'],
    ['trim_space(" a ")', 'a'],
    ['encoding.from_json("{\\"foo\\": \\"bar\\", \\"n\\": [0, null]}")', { foo: 'bar', n: [0, null] }],
    ['json_decode("[1, 2]")', [1, 2]],
    ['encoding.from_yaml("foo: bar\\nlist: [1, 2.5, null]")', { foo: 'bar', list: [1, 2.5, null] }],
    ['yaml_decode("- a\\n- b")', ['a', 'b']],
    ['encoding.from_base64("Zm9vYmFyMTIzIT8kKiYoKSctPUB+")', 'foobar123!?$*&()\'-=@~'],
    ['base64_decode("aGk=")', 'hi'],
    ['encoding.from_URLbase64("c3RyaW5nMTIzIT8kKiYoKSctPUB-")', 'string123!?$*&()\'-=@~'],
    ['encoding.to_base64("string123!?$*&()\'-=@~")', 'c3RyaW5nMTIzIT8kKiYoKSctPUB+'],
    ['encoding.to_URLbase64("string123!?$*&()\'-=@~")', 'c3RyaW5nMTIzIT8kKiYoKSctPUB-'],
    ['encoding.url_encode("string123!?$*&()\'-=@~ x")', 'string123%21%3F%24%2A%26%28%29%27-%3D%40~+x'],
    ['encoding.url_decode("string123%21%3F%24%2A%26%28%29%27-%3D%40~+x")', 'string123!?$*&()\'-=@~ x'],
    ['encoding.to_json({b = 1, a = {c = ["x"]}})', '{"a":{"c":["x"]},"b":1}'],
    ['convert.nonsensitive("plain")', 'plain'],
    ['coalesce(null, "", 0, [], {}, false, "x", "y")', 'x'],
    ['coalesce(null, "")', ''],
    ['coalesce()', null],
    ['coalesce(sys.env("SHOAL_VM_TEST_UNSET_VAR"), "default")', 'default'],
    ['json_path("{\\"key\\": \\"value\\"}", ".key")', ['value']],
    ['json_path("{\\"key\\": \\"value\\"}", ".nonexists")', []],
    ['json_path("{\\"key\\": \\"value\\"}", "$.key")[0]', 'value'],
    ['json_path("{\\"a\\": {\\"b\\": [1, 2, 3]}}", "$.a.b[*]")', [1, 2, 3]],
    ['json_path("{\\"a\\": {\\"b\\": [1, 2, 3]}}", "$.a.b[-1]")', [3]],
    ['json_path("{\\"a\\": {\\"b\\": [1, 2, 3]}}", "$.a.b[0:2]")', [1, 2]],
    ['json_path("[10, 20, 30]", "$[0,2]")', [10, 30]],
    ['json_path("{\\"a\\": {\\"x\\": 1, \\"b\\": {\\"x\\": 2}}}", "$..x")', [1, 2]],
    ['json_path("{\\"a\\": {\\"k.y\\": 1}}", "$.a[\'k.y\']")', [1]],
    ['json_path("[{\\"name\\": \\"Department\\",\\"value\\": \\"IT\\"},{\\"name\\":\\"TestStatus\\",\\"value\\":\\"Pending\\"}]", "[?(@.name == \\"Department\\")].value")', ['IT']],
    ['json_path("[{\\"n\\": 1}, {\\"n\\": 5}, {\\"m\\": 2}]", "$[?(@.n > 2 || @.m)]")', [{ n: 5 }, { m: 2 }]],
    ['array.combine_maps([{"a" = "a1", "b" = "b1"}], [{"a" = "a1", "c" = "c1"}], ["a"])', [{ a: 'a1', b: 'b1', c: 'c1' }]],
    ['array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = 1, "b" = "3.3"}], ["a"])', [{ a: 1, b: '3.3' }]],
    ['array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = "1", "b" = "3.3"}], ["a"])', []],
    ['array.combine_maps([{"a" = 1, "c" = 5}, {"d" = "asdf"}], [{"a" = 2}], ["a"], true)', [{ a: 1, c: 5 }, { d: 'asdf' }]],
    ['file.path_join("a", "b/", "../c")', 'a/c'],
    ['constants.os', 'linux'],
  ]
  for (const [src, want] of cases) {
    it(src, () => assert.deepEqual(plain(ev(src)), want))
  }

  it('constants follow Go names', () => {
    assert.equal(ev('constants.hostname'), os.hostname())
    assert.ok(['amd64', 'arm64'].includes(ev('constants.arch') as string))
  })

  it('convert.nonsensitive reveals a secret', () => {
    assert.equal(ev('convert.nonsensitive(s)', { s: new Secret('pw') }), 'pw')
    assert.equal(ev('nonsensitive(s)', { s: new Secret('pw') }), 'pw')
  })

  it('sys.env is impure so the runtime re-evaluates it', () => {
    const sys = stdlib.sys as Record<string, unknown>
    assert.ok(sys.env instanceof AlloyFunction)
    assert.equal(sys.env.pure, false)
    assert.equal((stdlib.string as Record<string, AlloyFunction>).join.pure, true)
  })

  const errors: Array<[string, string]> = [
    ['string.join(["a"])', '1:1: string.join expected 2 args, got 1'],
    ['string.to_upper("a", "b")', '1:1: string.to_upper expected 1 args, got 2'],
    ['string.format()', '1:1: string.format expected at least 1 args, got 0'],
    ['string.join("a", ",")', '1:13: "a" should be array, got string'],
    ['string.join(["a", true], ",")', '1:19: true should be string, got bool'],
    ['string.join(x, ",")', '1:13: x[1] should be string, got bool'],
    ['string.to_lower(true)', '1:17: true should be string, got bool'],
    ['array.concat([1], 2)', '1:19: 2 should be array, got number'],
    ['encoding.from_json("{")', '1:1: encoding.from_json '],
    ['encoding.from_base64("***")', '1:1: encoding.from_base64 illegal base64 data at input byte 0'],
    ['encoding.url_decode("%zz")', '1:1: encoding.url_decode invalid URL escape "%zz"'],
    ['encoding.to_json(12)', '1:1: encoding.to_json jsonEncode only supports map'],
    ['convert.nonsensitive(1)', '1:22: 1 should be secret, got number'],
    ['array.combine_maps([{"a" = "a1", "b" = "b1"}], "a", ["a"])', '1:48: "a" should be array, got string'],
    ['array.combine_maps([{"a" = "a1", "b" = "b1"}], ["a"], ["a"])', '1:49: "a" should be object, got string'],
    ['array.combine_maps([{"a" = "a1"}], [{"a" = "a1"}], [])', '1:52: [] combine_maps: merge conditions must not be empty'],
    ['string.format("%s", s)', '1:21: s secrets may not be converted into strings'],
    ['json_path("{}", "$[")', '1:1: json_path '],
  ]
  for (const [src, want] of errors) {
    it(`error: ${src}`, () => {
      const got = evErr(src, { x: ['a', true], s: new Secret('pw') })
      if (want.endsWith(' ')) assert.ok(got.startsWith(want), got)
      else assert.equal(got, want)
      assert.ok(!got.includes('pw'))
    })
  }
})
