// The Alloy expression evaluator. Semantics follow grafana/alloy syntax/vm: both operands
// of a binary operator are always evaluated (no short-circuit), `a.b` on a missing field is
// an error while `a["b"]` yields null, integer division truncates, and every error is
// positioned on the expression that produced the offending value.
import type { Expr, Span } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import type { Value, ValueObject } from './value.js'
import { AlloyFunction, Capsule, Secret, newObject, typeName } from './value.js'
import { ValueError, pathText, typeError } from './value-error.js'
import type { PathStep } from './value-error.js'
import { exprText } from './expr-text.js'
import { isObject } from './convert.js'
import { stdlib } from './stdlib.js'
import { valuesEqual } from './equal.js'

/** Identifier resolution, innermost scope first. */
export interface Scope { lookup (name: string): Value | undefined }

export class EvalError extends Error {
  override readonly name = 'EvalError'
  /** See Diagnostic.fromData. */
  fromData = false

  constructor (readonly file: string, readonly span: Span, message: string) {
    super(message)
  }

  toDiagnostic (): Diagnostic {
    return { severity: 'error', file: this.file, span: this.span, message: this.message, ...(this.fromData ? { fromData: true } : {}) }
  }
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

export function objectScope (obj: ValueObject, parent?: Scope): Scope {
  return {
    lookup (name) {
      if (hasOwn(obj, name)) return obj[name]
      return parent?.lookup(name)
    },
  }
}

/**
 * Evaluates `expr`. Names not found in `scope` fall back to the standard library, as in
 * Alloy, so a scope need not include it. Throws EvalError.
 */
export function evaluate (expr: Expr, scope: Scope, file: string): Value {
  return new Evaluator(scope, file).eval(expr)
}

/**
 * Turns a ValueError about the value of `expr` into an EvalError. When the path leads into
 * an array/object literal, the error is placed on the element itself (as Alloy does).
 */
export function positionError (file: string, expr: Expr, err: ValueError): EvalError {
  const { node, rest } = locate(expr, err.path)
  return new EvalError(file, node.span, `${exprText(node)}${pathText(rest)} ${err.message}`)
}

function locate (expr: Expr, path: readonly PathStep[]): { node: Expr, rest: readonly PathStep[] } {
  let node = expr
  let i = 0
  while (i < path.length) {
    while (node.kind === 'Paren') node = node.inner
    const step = path[i]
    if (node.kind === 'Array' && typeof step === 'number' && step < node.elements.length) {
      node = node.elements[step]
    } else if (node.kind === 'Object' && typeof step === 'string') {
      const field = node.fields.findLast(f => f.name === step)
      if (field === undefined) break
      node = field.value
    } else {
      break
    }
    i++
  }
  return { node, rest: path.slice(i) }
}

type Kind = 'number' | 'string' | 'bool' | 'capsule'
const ALLOWED: Record<string, readonly Kind[]> = {
  '||': ['bool'],
  '&&': ['bool'],
  '+': ['number', 'string', 'capsule'],
  '-': ['number'],
  '*': ['number'],
  '/': ['number'],
  '%': ['number'],
  '^': ['number'],
  '<': ['number', 'string'],
  '>': ['number', 'string'],
  '<=': ['number', 'string'],
  '>=': ['number', 'string'],
}

function binopKind (v: Value): string {
  if (v instanceof Secret || v instanceof Capsule) return 'capsule'
  return typeName(v)
}

class Evaluator {
  /** Expressions whose (integral) number result is a float in Alloy's number model. */
  readonly #floats = new Set<Expr>()

  constructor (readonly scope: Scope, readonly file: string) {}

  fail (expr: Expr, err: ValueError): never {
    throw positionError(this.file, expr, err)
  }

  /** A failure that depends on the values (a function's input, an index), not on the config's shape. */
  failData (expr: Expr, err: ValueError): never {
    const e = positionError(this.file, expr, err)
    e.fromData = true
    throw e
  }

  isFloat (expr: Expr, v: Value): boolean {
    return typeof v === 'number' && (!Number.isInteger(v) || this.#floats.has(expr))
  }

  eval (expr: Expr): Value {
    switch (expr.kind) {
      case 'Literal': {
        const v = expr.value
        if (typeof v === 'number' && !/^0[xXoObB]/.test(expr.raw) && /[.eE]/.test(expr.raw)) this.#floats.add(expr)
        return v
      }
      case 'Array':
        return expr.elements.map(e => this.eval(e))
      case 'Object': {
        const obj = newObject()
        for (const f of expr.fields) obj[f.name] = this.eval(f.value)
        return obj
      }
      case 'Identifier': {
        let v = this.scope.lookup(expr.name)
        if (v === undefined && hasOwn(stdlib, expr.name)) v = stdlib[expr.name]
        if (v === undefined) throw new EvalError(this.file, expr.span, `identifier "${expr.name}" does not exist`)
        return v
      }
      case 'Access': {
        const base = this.eval(expr.value)
        const name = expr.name.name
        if (isObject(base)) {
          if (!hasOwn(base, name)) throw new EvalError(this.file, expr.name.span, `field "${name}" does not exist`)
          return base[name]
        }
        if (base instanceof Capsule) {
          this.fail(expr.value, new ValueError('expected object or array or a capsule convertible to an object, got capsule'))
        }
        return this.fail(expr.value, new ValueError(`cannot access field "${name}" on value of type ${typeName(base)}`))
      }
      case 'Index': {
        const base = this.eval(expr.value)
        const idx = this.eval(expr.index)
        if (Array.isArray(base)) {
          if (typeof idx !== 'number') this.fail(expr.index, typeError('number', idx))
          const i = Math.trunc(idx)
          if (i < 0 || i >= base.length) {
            this.failData(expr.index, new ValueError(`index ${i} is out of range of array with length ${base.length}`))
          }
          return base[i]
        }
        if (isObject(base)) {
          if (typeof idx !== 'string') this.fail(expr.index, typeError('string', idx))
          // Unlike `.name`, a missing key accessed with [] is null.
          return hasOwn(base, idx) ? base[idx] : null
        }
        return this.fail(expr.value, new ValueError(`expected object or array, got ${typeName(base)}`))
      }
      case 'Paren': {
        const v = this.eval(expr.inner)
        if (this.isFloat(expr.inner, v)) this.#floats.add(expr)
        return v
      }
      case 'Unary': {
        const v = this.eval(expr.value)
        if (expr.op === '!') {
          if (typeof v !== 'boolean') this.fail(expr.value, typeError('bool', v))
          return !v
        }
        if (typeof v !== 'number') this.fail(expr.value, typeError('number', v))
        if (this.isFloat(expr.value, v)) this.#floats.add(expr)
        return -v
      }
      case 'Binary':
        return this.binary(expr)
      case 'Call':
        return this.call(expr)
    }
  }

  call (expr: Extract<Expr, { kind: 'Call' }>): Value {
    const fn = this.eval(expr.callee)
    if (!(fn instanceof AlloyFunction)) this.fail(expr.callee, typeError('function', fn))
    const args = expr.args.map(a => this.eval(a))
    try {
      return fn.call(args)
    } catch (err) {
      if (err instanceof ValueError) {
        if (err.arg !== undefined && err.arg < expr.args.length) this.failData(expr.args[err.arg], err)
        this.failData(expr.callee, err)
      }
      if (err instanceof EvalError) throw err
      this.failData(expr.callee, new ValueError(err instanceof Error ? err.message : String(err)))
    }
  }

  binary (expr: Extract<Expr, { kind: 'Binary' }>): Value {
    const { op } = expr
    const l = this.eval(expr.left)
    const r = this.eval(expr.right)
    if (op === '==') return valuesEqual(l, r)
    if (op === '!=') return !valuesEqual(l, r)

    const allowed = ALLOWED[op]
    const check = (v: Value, side: Expr): void => {
      if (!(allowed as readonly string[]).includes(binopKind(v))) {
        this.fail(side, new ValueError(`should be one of [${allowed.join(' ')}] for binop ${op}, got ${typeName(v)}`))
      }
    }
    check(l, expr.left)
    check(r, expr.right)

    if (op === '+' && (l instanceof Secret || r instanceof Secret)) {
      // string + secret and secret + string are secrets, as in Alloy.
      const reveal = (v: Value, side: Expr): string => {
        if (v instanceof Secret) return v.reveal()
        if (typeof v === 'string') return v
        return this.fail(side, typeError('secret', v))
      }
      return new Secret(reveal(l, expr.left) + reveal(r, expr.right))
    }
    if (binopKind(l) === 'capsule') {
      this.fail(expr.left, new ValueError(`could not perform binop ${op} for unknown types lhs capsule rhs ${typeName(r)}`))
    }
    if (typeName(l) !== typeName(r)) this.fail(expr.right, typeError(typeName(l), r))

    switch (op) {
      case '||': return (l) || (r)
      case '&&': return (l as boolean) && (r)
      case '<': return (l as number) < (r as number)
      case '>': return (l as number) > (r as number)
      case '<=': return (l as number) <= (r as number)
      case '>=': return (l as number) >= (r as number)
    }
    if (typeof l === 'string') return l + (r as string)

    const a = l as number
    const b = r as number
    const float = this.isFloat(expr.left, a) || this.isFloat(expr.right, b)
    let out: number
    switch (op) {
      case '+': out = a + b; break
      case '-': out = a - b; break
      case '*': out = a * b; break
      case '/':
        if (b === 0) this.fail(expr.right, new ValueError('divide by zero error'))
        out = float ? a / b : Math.trunc(a / b)
        break
      case '%':
        if (b === 0) this.fail(expr.right, new ValueError('divide by zero error'))
        out = a % b
        break
      case '^':
        out = float ? Math.pow(a, b) : intPow(a, b)
        break
    }
    if (float) this.#floats.add(expr)
    return out
  }
}

/** Alloy's integer power: a non-positive exponent other than 0 leaves the base unchanged. */
function intPow (n: number, m: number): number {
  if (m === 0 || n === 1) return 1
  if (n === 0 && m > 0) return 0
  if (m < 1) return n
  return n ** m
}
