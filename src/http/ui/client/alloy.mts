// Renders alloyjson bodies (arguments, exports) back as highlighted Alloy syntax.
import type { JSONStmt, JSONValue } from './api.mjs'
import { esc } from './html.mjs'

const k = (s: string): string => `<span class="syn-k">${esc(s)}</span>`
const str = (s: string): string => `<span class="syn-s">${esc(JSON.stringify(s))}</span>`

export interface RenderOptions {
  /** Longest array shown in full; longer ones are cut with a comment saying how many are left. */
  maxItems: number
}

const scalar = (v: JSONValue): boolean => v.type !== 'array' && v.type !== 'object'

function value (v: JSONValue, indent: string, o: RenderOptions, cut: { n: number }): string {
  switch (v.type) {
    case 'null': return k('null')
    case 'bool': return k(String(v.value))
    case 'number': return `<span class="syn-n">${esc(v.value)}</span>`
    case 'string': return str(v.value)
    case 'function': case 'capsule': return `<span class="syn-c">${esc(v.value)}</span>`
    case 'array': {
      if (v.value.length === 0) return '[]'
      if (v.value.length <= 6 && v.value.every(scalar)) return `[${v.value.map(x => value(x, indent, o, cut)).join(', ')}]`
      const inner = indent + '\t'
      const shown = v.value.slice(0, o.maxItems)
      const lines = shown.map(x => `${inner}${value(x, inner, o, cut)},`)
      if (v.value.length > shown.length) {
        cut.n += v.value.length - shown.length
        lines.push(`${inner}<span class="syn-c">// … ${v.value.length - shown.length} more</span>`)
      }
      return `[\n${lines.join('\n')}\n${indent}]`
    }
    case 'object': {
      if (v.value.length === 0) return '{}'
      const key = (s: string): string => str(s)
      if (v.value.length <= 3 && v.value.every(e => scalar(e.value))) {
        return `{${v.value.map(e => `${key(e.key)} = ${value(e.value, indent, o, cut)}`).join(', ')}}`
      }
      const inner = indent + '\t'
      const w = Math.max(...v.value.map(e => JSON.stringify(e.key).length))
      return `{\n${v.value.map(e => `${inner}${key(e.key)}${' '.repeat(w - JSON.stringify(e.key).length)} = ${value(e.value, inner, o, cut)},`).join('\n')}\n${indent}}`
    }
  }
}

function body (stmts: JSONStmt[], indent: string, o: RenderOptions, cut: { n: number }): string[] {
  const out: string[] = []
  // As `alloy fmt` does: align the = of consecutive attributes.
  let run: JSONStmt[] = []
  const flush = (): void => {
    const w = Math.max(0, ...run.map(s => s.name.length))
    for (const s of run) if (s.type === 'attr') out.push(`${indent}${esc(s.name)}${' '.repeat(w - s.name.length)} = ${value(s.value, indent, o, cut)}`)
    run = []
  }
  for (const s of stmts) {
    if (s.type === 'attr') { run.push(s); continue }
    flush()
    if (out.length > 0) out.push('')
    const label = s.label !== undefined ? ` ${str(s.label)}` : ''
    const inner = body(s.body, indent + '\t', o, cut)
    out.push(inner.length ? `${indent}${esc(s.name)}${label} {\n${inner.join('\n')}\n${indent}}` : `${indent}${esc(s.name)}${label} { }`)
  }
  flush()
  return out
}

/** Highlighted Alloy text and how many array items were left out. */
export function renderBody (stmts: JSONStmt[] | null, o: RenderOptions): { html: string, cut: number } {
  const cut = { n: 0 }
  if (!stmts || stmts.length === 0) return { html: '<span class="syn-c">// none</span>', cut: 0 }
  return { html: body(stmts, '', o, cut).join('\n').replace(/\t/g, '  '), cut: cut.n }
}

