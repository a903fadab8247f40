// A component's arguments pinned against Alloy's reference page: for every attribute its type (a
// value of the wrong type is refused with the message pinned), its default (what an absent key
// decodes to, and Alloy's default spelled out is accepted and decodes the same), whether it is
// required, and one bad value's error; and the full set of attribute and block names, so a key
// added or dropped without a row fails. Checked through the loader's decoder (decodeBody with the
// kind's schema) and Controller.check, what `shoal validate` runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Controller } from '../../../src/runtime/controller.js'
import { lookupKind } from '../../../src/runtime/registry.js'
import { parseFile } from '../../../src/syntax/parser.js'
import type { BlockStmt } from '../../../src/syntax/ast.js'
import { decodeBody } from '../../../src/vm/decode.js'
import { stdlib } from '../../../src/vm/stdlib.js'
import type { Schema } from '../../../src/vm/schema.js'
import type { Value } from '../../../src/vm/value.js'
import '../../../src/components/index.js'

export interface Row {
  /** Attribute path, blocks first: `refresh_interval`, `endpoint.queue_config.capacity`. */
  readonly name: string
  /** Alloy's type, as its reference page prints it. */
  readonly type: string
  readonly required?: boolean
  /** Alloy's default as the page prints it (Alloy syntax), or undefined when it has none. */
  readonly alloyDefault?: string
  /** What shoal decodes an absent key to (undefined: absent). */
  readonly decoded?: unknown
  /** A value Alloy refuses, and shoal's error for it (its message, as validate prints it). */
  readonly bad: string
  readonly error: string
}

export interface Table {
  readonly kind: string
  /** Values for the required keys (paths as in rows) that make a minimal valid config. */
  readonly base: Record<string, string>
  readonly rows: readonly Row[]
  /** Every block path shoal accepts (each refused or decoded), to pin the full set of names. */
  readonly blocks: readonly string[]
  /** Blocks whose own arguments are pinned elsewhere (the HTTP client's: test/http-client/). */
  readonly pinnedElsewhere?: readonly string[]
}

type Tree = Map<string, Tree | string>

/** As a value in `config`'s attrs: an (empty) block at that path. */
export const BLOCK = Symbol('block')

function render (tree: Tree, indent: string): string {
  let out = ''
  for (const [k, v] of tree) out += typeof v === 'string' ? `${indent}${k} = ${v}\n` : `${indent}${k} {\n${render(v, indent + '  ')}${indent}}\n`
  return out
}

/** The config `kind "x" { … }` with `attrs` (paths) set and `omit` left out of the base. */
export function config (table: Table, attrs: Record<string, string | typeof BLOCK> = {}, omit?: string): string {
  const tree: Tree = new Map()
  for (const [path, value] of Object.entries({ ...table.base, ...attrs })) {
    if (path === omit) continue
    const parts = path.split('.')
    let cur = tree
    for (const p of parts.slice(0, -1)) {
      if (!(cur.get(p) instanceof Map)) cur.set(p, new Map())
      cur = cur.get(p) as Tree
    }
    const last = parts[parts.length - 1]
    if (value !== BLOCK) cur.set(last, value)
    else if (!cur.has(last)) cur.set(last, new Map())
  }
  return `${table.kind} "x" {\n${render(tree, '  ')}}\n`
}

export function errors (source: string): string[] {
  return Controller.check([{ name: 'c.alloy', source }]).filter(d => d.severity === 'error').map(d => d.message)
}

/** The decoded value at `path` of the config's arguments. */
export function decoded (table: Table, source: string, path: string): unknown {
  const { file, diagnostics } = parseFile('c.alloy', source)
  assert.deepEqual(diagnostics, [])
  const b = file.body[0] as BlockStmt
  const scope = { lookup: (n: string): Value | undefined => (stdlib as Record<string, Value>)[n] }
  const { value, diagnostics: d } = decodeBody(b.body, lookupKind(table.kind)!.args, scope, 'c.alloy')
  assert.deepEqual(d.map(x => x.message), [])
  let cur: unknown = value
  for (const p of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0]
    cur = (cur as Record<string, unknown> | undefined)?.[p]
  }
  return cur
}

function schemaNames (schema: Schema, skip: ReadonlySet<string>, prefix = ''): { attrs: string[], blocks: string[] } {
  const attrs: string[] = []
  const blocks: string[] = []
  for (const [k, spec] of Object.entries(schema)) {
    if (spec.kind === 'attr') { attrs.push(prefix + k); continue }
    blocks.push(prefix + k)
    if (spec.unsupported !== undefined || skip.has(prefix + k)) continue // refused whole (its body is never read), or pinned elsewhere
    const inner = schemaNames(spec.body, skip, `${prefix}${k}.`)
    attrs.push(...inner.attrs)
    blocks.push(...inner.blocks)
  }
  return { attrs, blocks }
}

/** Registers the tests of one table. */
export function argumentTests (table: Table): void {
  test(`${table.kind}: the minimal config validates, and the table names every argument and block shoal has`, () => {
    assert.deepEqual(errors(config(table)), [])
    const names = schemaNames(lookupKind(table.kind)!.args, new Set(table.pinnedElsewhere ?? []))
    assert.deepEqual(names.attrs.sort(), table.rows.map(r => r.name).sort())
    assert.deepEqual(names.blocks.sort(), [...table.blocks].sort())
  })
  for (const row of table.rows) {
    test(`${table.kind}: ${row.name} (${row.type}${row.required === true ? ', required' : row.alloyDefault !== undefined ? `, default ${row.alloyDefault}` : ''})`, () => {
      // The blocks that hold it are there (empty), so what is pinned is the attribute itself.
      const parts = row.name.split('.')
      const holders = Object.fromEntries(parts.slice(0, -1).map((_, i) => [parts.slice(0, i + 1).join('.'), BLOCK] as const))
      if (row.required === true) {
        assert.ok(row.name in table.base, 'a required key is in the base config')
        assert.deepEqual(errors(config(table, holders, row.name)), [`missing required attribute "${parts[parts.length - 1]}"`])
      } else {
        assert.ok(!(row.name in table.base) || row.name.includes('.'), 'an optional top-level key is not in the base config')
        assert.deepEqual(decoded(table, config(table, holders, row.name), row.name), row.decoded)
        if (row.alloyDefault !== undefined) {
          const spelled = config(table, { ...holders, [row.name]: row.alloyDefault })
          assert.deepEqual(errors(spelled), [], `Alloy's default ${row.alloyDefault} is accepted`)
          assert.deepEqual(decoded(table, spelled, row.name), row.decoded, 'and decodes to the default')
        }
      }
      assert.deepEqual(errors(config(table, { [row.name]: row.bad })), [row.error])
    })
  }
}
