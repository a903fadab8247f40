// Decodes a block body against a Schema into plain typed arguments, the way Alloy's struct
// decoder does, but collecting every problem as a positioned Diagnostic instead of
// stopping at the first.
import type { AttributeStmt, BlockStmt, Span, Stmt } from '../syntax/ast.js'
import type { Diagnostic } from '../syntax/diag.js'
import type { Schema } from './schema.js'
import type { Scope } from './evaluate.js'
import { EvalError, evaluate, positionError } from './evaluate.js'
import { convertValue } from './convert.js'
import { ValueError } from './value-error.js'

const NOWHERE: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } }

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k)

/** Copies arrays and plain objects so a default is never shared between decodes. */
function deepCopy (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(deepCopy)
  if (typeof v === 'object' && v !== null) {
    const proto: unknown = Object.getPrototypeOf(v)
    if (proto !== null && proto !== Object.prototype) return v // class instances (Secret, ...) are immutable
    const out = Object.create(proto) as Record<string, unknown>
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x)
    return out
  }
  return v
}

/** Equality of a decoded value and a schema default (plain data; secrets are never defaults). */
function sameDecoded (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every(k => sameDecoded((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Evaluates and type-converts `body` against `schema`. Absent attributes get (copied)
 * defaults; absent optional blocks are left out, absent `multiple` blocks become [].
 * `where` positions "missing required ..." diagnostics (usually the block's name).
 */
export function decodeBody (
  body: Stmt[], schema: Schema, scope: Scope, file: string, where?: Span
): { value: Record<string, unknown>, diagnostics: Diagnostic[] } {
  const value: Record<string, unknown> = {}
  const diagnostics: Diagnostic[] = []
  const error = (span: Span, message: string): void => { diagnostics.push({ severity: 'error', file, span, message }) }

  const seenAttrs = new Set<string>()
  const seenBlocks = new Set<string>()

  const decodeAttr = (s: AttributeStmt): void => {
    const name = s.name.name
    if (seenAttrs.has(name)) return error(s.span, `attribute "${name}" may only be provided once`)
    seenAttrs.add(name)
    const spec = hasOwn(schema, name) ? schema[name] : undefined
    if (spec === undefined) return error(s.span, `unrecognized attribute name "${name}"`)
    if (spec.kind === 'block') return error(s.span, `"${name}" must be a block, but is used as an attribute`)
    let v
    try {
      v = evaluate(s.value, scope, file)
    } catch (err) {
      if (err instanceof EvalError) return void diagnostics.push(err.toDiagnostic())
      throw err
    }
    // null means "not set": the default applies, as a nil value leaves a Go field at its default.
    if (v === null) {
      if (spec.default !== undefined) value[name] = deepCopy(spec.default)
      return
    }
    try {
      value[name] = convertValue(v, spec.type)
    } catch (err) {
      if (err instanceof ValueError) return void diagnostics.push(positionError(file, s.value, err).toDiagnostic())
      throw err
    }
    if (spec.unsupported !== undefined && !sameDecoded(value[name], spec.default)) {
      error(s.span, `attribute "${name}" is not supported by shoal: ${spec.unsupported}` +
        (spec.default !== undefined ? ' (leave it unset or at its default)' : ''))
    }
  }

  const decodeBlock = (s: BlockStmt): void => {
    const name = s.name.join('.')
    const spec = hasOwn(schema, name) ? schema[name] : undefined
    if (spec === undefined) return error(s.nameSpan, `unrecognized block name "${name}"`)
    if (spec.kind === 'attr') return error(s.nameSpan, `"${name}" must be an attribute, but is used as a block`)
    if (s.label !== undefined) error(s.labelSpan ?? s.nameSpan, `block "${name}" does not support specifying labels`)
    // Its body is not decoded: the block is refused as a whole.
    if (spec.unsupported !== undefined) return error(s.nameSpan, `block "${name}" is not supported by shoal: ${spec.unsupported}`)
    if (!spec.multiple && seenBlocks.has(name)) return error(s.nameSpan, `block "${name}" may only be specified once`)
    seenBlocks.add(name)
    const inner = decodeBody(s.body, spec.body, scope, file, s.nameSpan)
    diagnostics.push(...inner.diagnostics)
    if (spec.multiple) {
      const list = (value[name] ??= []) as unknown[]
      list.push(inner.value)
    } else {
      value[name] = inner.value
    }
  }

  for (const s of body) {
    if (s.kind === 'Attribute') decodeAttr(s)
    else decodeBlock(s)
  }

  for (const [name, spec] of Object.entries(schema)) {
    if (spec.kind === 'attr') {
      if (seenAttrs.has(name)) continue
      if (spec.required === true) error(where ?? NOWHERE, `missing required attribute "${name}"`)
      else if (spec.default !== undefined) value[name] = deepCopy(spec.default)
    } else {
      if (seenBlocks.has(name)) continue
      if (spec.required === true) error(where ?? NOWHERE, `missing required block "${name}"`)
      if (spec.multiple === true) value[name] = []
    }
  }

  return { value, diagnostics }
}
