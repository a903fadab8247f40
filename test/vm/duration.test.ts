import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration, parseDuration } from '../../src/vm/duration.js'

const NS = 1e-6 // one nanosecond in ms
const US = 1e-3
const MS = 1
const S = 1000
const M = 60 * S
const H = 60 * M

/** Compare in whole nanoseconds so float rounding in ms does not matter. */
const ns = (ms: number): number => Math.round(ms * 1e6)

describe('parseDuration (Go time.ParseDuration table)', () => {
  const ok: Array<[string, number]> = [
    ['0', 0], ['5s', 5 * S], ['30s', 30 * S], ['1478s', 1478 * S],
    ['-5s', -5 * S], ['+5s', 5 * S], ['-0', 0], ['+0', 0],
    ['5.0s', 5 * S], ['5.6s', 5.6 * S], ['5.s', 5 * S], ['.5s', 0.5 * S],
    ['1.0s', S], ['1.00s', S], ['1.004s', 1004 * MS], ['1.0040s', 1004 * MS], ['100.00100s', 100001 * MS],
    ['10ns', 10 * NS], ['11us', 11 * US], ['12µs', 12 * US], ['12μs', 12 * US], ['13ms', 13 * MS],
    ['14s', 14 * S], ['15m', 15 * M], ['16h', 16 * H],
    ['3h30m', 3.5 * H], ['10.5s4m', 4 * M + 10.5 * S], ['-2m3.4s', -(2 * M + 3.4 * S)],
    ['1h2m3s4ms5us6ns', H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS],
    ['1h2m3.5s', H + 2 * M + 3.5 * S], ['-1.5h', -1.5 * H], ['1us', US],
    ['39h9m14.425s', 39 * H + 9 * M + 14425 * MS], ['52763797000ns', 52763797000 * NS],
    ['0.3333333333333333333h', 20 * M], ['0.100000000000000000000h', 6 * M],
    ['0.830103483285477580700h', 49 * M + 48 * S + 372539827 * NS],
  ]
  for (const [s, want] of ok) {
    it(s, () => assert.equal(ns(parseDuration(s)), ns(want)))
  }

  it('accepts the int64 limits and rejects overflow', () => {
    assert.equal(parseDuration('9223372036854775807ns'), 9223372036854.775)
    assert.equal(parseDuration('-9223372036854775808ns'), -9223372036854.775)
    assert.throws(() => parseDuration('9223372036854775808ns'), { message: 'time: invalid duration "9223372036854775808ns"' })
    assert.throws(() => parseDuration('-9223372036854775809ns'), { message: 'time: invalid duration "-9223372036854775809ns"' })
    assert.throws(() => parseDuration('3000000h'), { message: 'time: invalid duration "3000000h"' })
  })

  const bad: Array<[string, string]> = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.5.5s', 'time: missing unit in duration "1.5.5s"'],
    ['5 s', 'time: unknown unit " s" in duration "5 s"'],
  ]
  for (const [s, msg] of bad) {
    it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseDuration(s), { message: msg }))
  }
})

describe('formatDuration (Go time.Duration.String table)', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'], [NS, '1ns'], [1100 * NS, '1.1µs'], [2.2 * MS, '2.2ms'], [3.3 * S, '3.3s'],
    [4 * M + 5 * S, '4m5s'], [4 * M + 5001 * MS, '4m5.001s'], [5 * H + 6 * M + 7001 * MS, '5h6m7.001s'],
    [8 * M + NS, '8m0.000000001s'], [H, '1h0m0s'], [90 * S, '1m30s'], [250, '250ms'], [15 * S, '15s'],
    [-1.5 * H, '-1h30m0s'], [-250, '-250ms'], [999 * NS, '999ns'],
  ]
  for (const [ms, want] of cases) {
    it(want, () => assert.equal(formatDuration(ms), want))
  }

  it('round-trips through parseDuration', () => {
    for (const s of ['1h2m3.5s', '250ms', '1.5µs', '-4m5s', '0s']) assert.equal(formatDuration(parseDuration(s)), s)
  })
})
