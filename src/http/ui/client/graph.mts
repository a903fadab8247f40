// The component graph as SVG: a layered left-to-right DAG. A component sits one column right
// of the deepest component it references, so every arrow (dependency → dependent) points right.
import type { ComponentSummary } from './api.mjs'
import { componentPath, esc, tone } from './html.mjs'

const W = 236
const H = 50
const GAP_X = 72
const GAP_Y = 18
const PAD = 12

export interface Layout {
  pos: Map<string, { x: number, y: number }>
  width: number
  height: number
}

export function layout (comps: ComponentSummary[]): Layout {
  const byId = new Map(comps.map(c => [c.id, c]))
  const layer = new Map<string, number>()
  const visiting = new Set<string>()
  const depth = (id: string): number => {
    const known = layer.get(id)
    if (known !== undefined) return known
    if (visiting.has(id)) return 0 // a cycle cannot load, but never recurse forever
    visiting.add(id)
    let d = 0
    for (const r of byId.get(id)?.referencesTo ?? []) if (byId.has(r)) d = Math.max(d, depth(r) + 1)
    visiting.delete(id)
    layer.set(id, d)
    return d
  }
  const columns: string[][] = []
  for (const c of [...comps].sort((a, b) => a.id.localeCompare(b.id))) (columns[depth(c.id)] ??= []).push(c.id)
  // Order each column by the mean row of what it references, so edges cross less.
  const row = new Map<string, number>()
  columns.forEach((col, i) => {
    if (i > 0) {
      const key = (id: string): number => {
        const rs = (byId.get(id)?.referencesTo ?? []).map(r => row.get(r)).filter((n): n is number => n !== undefined)
        return rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : Number.MAX_SAFE_INTEGER
      }
      col.sort((a, b) => key(a) - key(b) || a.localeCompare(b))
    }
    col.forEach((id, j) => row.set(id, j))
  })
  const tallest = Math.max(0, ...columns.map(c => c?.length ?? 0))
  const pos = new Map<string, { x: number, y: number }>()
  columns.forEach((col, i) => {
    const offset = ((tallest - col.length) * (H + GAP_Y)) / 2
    col.forEach((id, j) => pos.set(id, { x: PAD + i * (W + GAP_X), y: PAD + offset + j * (H + GAP_Y) }))
  })
  return { pos, width: PAD * 2 + columns.length * (W + GAP_X) - GAP_X, height: PAD * 2 + tallest * (H + GAP_Y) - GAP_Y }
}

const clip = (s: string, max: number): string => (s.length > max ? s.slice(0, max - 1) + '…' : s)

/** `href` gives each node's link (the component's page in the scope being viewed). */
export function graphSVG (comps: ComponentSummary[], href: (id: string) => string = componentPath): string {
  if (comps.length === 0) return '<p class="muted">No components.</p>'
  const { pos, width, height } = layout(comps)
  const edges: string[] = []
  for (const c of comps) {
    const to = pos.get(c.id)!
    for (const r of c.referencesTo) {
      const from = pos.get(r)
      if (!from) continue
      const x1 = from.x + W; const y1 = from.y + H / 2; const x2 = to.x - 2; const y2 = to.y + H / 2
      const mx = (x1 + x2) / 2
      edges.push(`<path class="edge" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" marker-end="url(#arrow)"><title>${esc(c.id)} references ${esc(r)}</title></path>`)
    }
  }
  const nodes = comps.map(c => {
    const p = pos.get(c.id)!
    const t = tone(c.health.state)
    const title = c.label ? c.label : c.name
    return `<a href="${esc(href(c.id))}" class="node" data-id="${esc(c.id)}"><g transform="translate(${p.x},${p.y})">` +
      `<title>${esc(c.id)} — ${esc(c.health.state)}${c.health.message ? `: ${esc(c.health.message)}` : ''}</title>` +
      `<rect width="${W}" height="${H}" rx="6"/><rect class="bar-${t}" width="5" height="${H}" rx="2"/>` +
      `<text x="14" y="20">${esc(clip(title, 28))}</text><text class="sub" x="14" y="38">${esc(clip(c.name, 34))}</text></g></a>`
  }).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Component graph">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
    edges.join('') + nodes + '</svg>'
}
