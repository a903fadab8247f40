// Shared test helpers: parse with the real parser, evaluate against a scope of plain values.
import assert from 'node:assert/strict'
import { parseExpression, parseFile } from '../../src/syntax/parser.js'
import type { Expr, Stmt } from '../../src/syntax/ast.js'
import { EvalError, evaluate, objectScope } from '../../src/vm/evaluate.js'
import type { Value, ValueObject } from '../../src/vm/value.js'
import { newObject } from '../../src/vm/value.js'

export function expr (src: string): Expr {
  const { expr, diagnostics } = parseExpression(src, 'test.alloy')
  assert.deepEqual(diagnostics, [], `parse errors in ${src}`)
  assert.ok(expr !== undefined)
  return expr
}

export function body (src: string): Stmt[] {
  const { file, diagnostics } = parseFile('test.alloy', src)
  assert.deepEqual(diagnostics.map(d => d.message), [], `parse errors in ${src}`)
  return file.body
}

export function obj (fields: Record<string, Value>): ValueObject {
  return Object.assign(newObject(), fields)
}

export function ev (src: string, vars: Record<string, Value> = {}): Value {
  return evaluate(expr(src), objectScope(obj(vars)), 'test.alloy')
}

/** "line:col: message" of the EvalError that evaluating `src` throws. */
export function evErr (src: string, vars: Record<string, Value> = {}): string {
  try {
    ev(src, vars)
  } catch (err) {
    if (err instanceof EvalError) return `${err.span.start.line}:${err.span.start.column}: ${err.message}`
    throw err
  }
  assert.fail(`expected ${src} to fail`)
}

/** Plain-prototype deep copy, so deepEqual can compare null-prototype objects with literals. */
export function plain (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === null || Object.getPrototypeOf(v) === Object.prototype)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  }
  return v
}
