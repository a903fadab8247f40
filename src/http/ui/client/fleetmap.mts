// The fleet map on /cluster: every member as a node, every link as an edge styled by its kind
// (direct TCP, WebSockets, relayed, or none but heard through gossip), drawn as SVG from
// /api/v0/web/cluster/links. Hubs (the members with the most direct links, when some have more
// than others) sit in the middle and the sites (what stays connected without them) around them,
// so a hub-and-sites fleet looks like one. Past GROUP_FROM members, sites (or name prefixes) are
// drawn as one bubble each, with their links summed, so 200 members stay readable.
import type { FleetLinks, LinkInfo, LinkKind, MemberLinks } from './api.mjs'
import { age, esc } from './html.mjs'

export const GROUP_FROM = 50
const KIND_RANK: Record<LinkKind, number> = { tcp: 0, websockets: 1, relayed: 2, gossip: 3 }
export const KIND_TEXT: Record<LinkKind, string> = {
  tcp: 'direct TCP',
  websockets: 'WebSockets',
  relayed: 'relayed',
  gossip: 'no link: heard through gossip, reached by forwarding',
}

/** One undirected pair: the better kind either end reports, and both ends' views. */
interface Edge { a: string, b: string, kind: LinkKind, views: Array<{ from: string, link: LinkInfo }> }

interface Box { id: string, label: string, members: MemberLinks[], x: number, y: number, r: number, hub: boolean }

const better = (x: LinkKind, y: LinkKind): LinkKind => KIND_RANK[x] <= KIND_RANK[y] ? x : y

function edges (fleet: FleetLinks): Edge[] {
  const known = new Set(fleet.members.map(m => m.peerId))
  const out = new Map<string, Edge>()
  for (const m of fleet.members) {
    for (const l of m.links ?? []) {
      if (!known.has(l.peerId) || l.peerId === m.peerId) continue
      const [a, b] = m.peerId < l.peerId ? [m.peerId, l.peerId] : [l.peerId, m.peerId]
      const k = `${a} ${b}`
      const e = out.get(k)
      if (e === undefined) out.set(k, { a, b, kind: l.kind, views: [{ from: m.peerId, link: l }] })
      else { e.kind = better(e.kind, l.kind); e.views.push({ from: m.peerId, link: l }) }
    }
  }
  return [...out.values()]
}

const direct = (k: LinkKind): boolean => k === 'tcp' || k === 'websockets'

/** Hubs and sites: the hub set is empty when every member has as many direct links as any other. */
function structure (members: MemberLinks[], es: Edge[]): { hubs: Set<string>, sites: string[][] } {
  const degree = new Map(members.map(m => [m.peerId, 0]))
  for (const e of es) if (direct(e.kind)) { degree.set(e.a, degree.get(e.a)! + 1); degree.set(e.b, degree.get(e.b)! + 1) }
  const max = Math.max(0, ...degree.values())
  const min = Math.min(...degree.values())
  const hubs = new Set<string>()
  if (members.length > 2 && max > min) {
    for (const m of members) if (degree.get(m.peerId) === max) hubs.add(m.peerId)
    if (hubs.size > Math.max(5, members.length / 4)) hubs.clear() // not a hub-and-sites fleet
  }
  // sites: connected components of the direct links once the hubs are taken out
  const parent = new Map(members.map(m => [m.peerId, m.peerId]))
  const find = (x: string): string => { let r = x; while (parent.get(r) !== r) r = parent.get(r)!; parent.set(x, r); return r }
  for (const e of es) if (direct(e.kind) && !hubs.has(e.a) && !hubs.has(e.b)) parent.set(find(e.a), find(e.b))
  const groups = new Map<string, string[]>()
  for (const m of members) if (!hubs.has(m.peerId)) { const r = find(m.peerId); (groups.get(r) ?? groups.set(r, []).get(r)!).push(m.peerId) }
  return { hubs, sites: [...groups.values()] }
}

/** The name without a trailing number ("edge-17" → "edge"). */
const prefix = (name: string): string => name.replace(/[-_.]?\d+$/, '') || name

/** Boxes to draw: one per member, or past GROUP_FROM one per site / name prefix / slice of names. */
function boxes (fleet: FleetLinks, es: Edge[], W: number, H: number): { boxes: Box[], of: Map<string, Box> } {
  const byId = new Map(fleet.members.map(m => [m.peerId, m]))
  const { hubs, sites } = structure(fleet.members, es)
  const name = (id: string): string => byId.get(id)?.name ?? id
  let groups: string[][] = sites.map(s => s.sort((x, y) => name(x).localeCompare(name(y))))
  const grouped = fleet.members.length > GROUP_FROM
  if (grouped) {
    const rest = groups.flat()
    if (groups.length < 2 || groups.length > 40) {
      const byPrefix = new Map<string, string[]>()
      for (const id of rest) { const p = prefix(name(id)); (byPrefix.get(p) ?? byPrefix.set(p, []).get(p)!).push(id) }
      groups = [...byPrefix.values()]
      if (groups.length < 2 || groups.length > 40) {
        const sorted = rest.sort((x, y) => name(x).localeCompare(name(y)))
        const size = Math.ceil(sorted.length / Math.min(12, Math.ceil(sorted.length / 10)))
        groups = []
        for (let i = 0; i < sorted.length; i += size) groups.push(sorted.slice(i, i + size))
      }
    }
  }
  groups.sort((x, y) => name(x[0]).localeCompare(name(y[0])))
  const cx = W / 2
  const cy = H / 2
  const out: Box[] = []
  const of = new Map<string, Box>()
  const hubList = [...hubs].sort((x, y) => name(x).localeCompare(name(y)))
  // With hubs: the hubs in a row at the top, the sites on an arc below them, so a link between
  // two sites never runs through a hub. Without: everyone on a ring.
  const hubY = H * 0.22
  hubList.forEach((id, i) => {
    const x = cx + (i - (hubList.length - 1) / 2) * 90
    const b: Box = { id, label: name(id), members: [byId.get(id)!], x, y: hubY, r: 18, hub: true }
    out.push(b); of.set(id, b)
  })
  const slots = grouped ? groups.length : groups.reduce((n, g) => n + g.length, 0) + (groups.length > 1 ? groups.length - 1 : 0)
  const at = (k: number): { x: number, y: number } => {
    if (hubList.length > 0) {
      const a = slots <= 1 ? Math.PI / 2 : Math.PI * (0.85 - (0.7 * k) / (slots - 1))
      return { x: cx + (W / 2 - 70) * Math.cos(a), y: hubY + (H - hubY - 50) * Math.sin(a) }
    }
    const ring = Math.min(W, H) / 2 - 50
    const r = slots <= 2 ? ring / 2 : ring
    const a = -Math.PI / 2 + (2 * Math.PI * k) / Math.max(1, slots)
    return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) }
  }
  if (grouped) {
    groups.forEach((g, i) => {
      const first = name(g[0])
      const p = prefix(first)
      const label = g.every(id => prefix(name(id)) === p) ? `${p} ×${g.length}` : `${first} … ×${g.length}`
      const b: Box = { id: `group:${i}`, label, members: g.map(id => byId.get(id)!), ...at(i), r: Math.min(34, 12 + 3 * Math.sqrt(g.length)), hub: false }
      out.push(b)
      for (const id of g) of.set(id, b)
    })
  } else {
    // members along the arc or ring, each site's together, a gap between sites
    let slot = 0
    for (const g of groups) {
      for (const id of g) {
        const b: Box = { id, label: name(id), members: [byId.get(id)!], ...at(slot++), r: 14, hub: false }
        out.push(b); of.set(id, b)
      }
      slot++
    }
  }
  return { boxes: out, of }
}

function edgeTitle (e: Edge, byId: Map<string, MemberLinks>, now: number): string {
  const name = (id: string): string => byId.get(id)?.name ?? id
  const lines = e.views.map(({ from, link }) =>
    `${name(from)} → ${name(link.peerId)}: ${KIND_TEXT[link.kind]}` +
    (link.rttMs !== null ? `, RTT ${link.rttMs} ms` : '') +
    (link.lastUsed ? `, last used ${age(now - Date.parse(link.lastUsed))}` : ''))
  return lines.join('\n')
}

const bestRtt = (e: Edge): number | null => {
  let r: number | null = null
  for (const v of e.views) if (v.link.rttMs !== null && v.link.kind === e.kind) r = r === null ? v.link.rttMs : Math.min(r, v.link.rttMs)
  return r
}

/** The map's SVG; `page(peerId)` is the URL of a member's cluster page. */
export function fleetMap (fleet: FleetLinks, page: (peerId: string) => string, now = Date.now()): string {
  const W = 720
  const H = fleet.members.length > 12 ? 560 : 360
  const es = edges(fleet)
  const byId = new Map(fleet.members.map(m => [m.peerId, m]))
  const { boxes: bs, of } = boxes(fleet, es, W, H)
  // edges between boxes: one per member pair, or summed per pair of groups
  const drawn = new Map<string, { from: Box, to: Box, kind: LinkKind, n: number, edge?: Edge }>()
  for (const e of es) {
    const x = of.get(e.a)
    const y = of.get(e.b)
    if (x === undefined || y === undefined || x === y) continue
    const grouped = x.members.length > 1 || y.members.length > 1
    // gossip-only pairs are the rest of the fleet: drawn between single members, never summed
    if (grouped && e.kind === 'gossip') continue
    const k = x.id < y.id ? `${x.id} ${y.id}` : `${y.id} ${x.id}`
    const d = drawn.get(k)
    if (d === undefined) drawn.set(k, { from: x, to: y, kind: e.kind, n: 1, ...(grouped ? {} : { edge: e }) })
    else { d.kind = better(d.kind, e.kind); d.n++ }
  }
  let svg = `<svg class="fleetmap" viewBox="0 0 ${W} ${H}" role="group" aria-label="Fleet map: ${fleet.members.length} members" data-members="${fleet.members.length}">`
  const order = [...drawn.values()].sort((p, q) => KIND_RANK[q.kind] - KIND_RANK[p.kind]) // direct links on top
  for (const d of order) {
    const single = d.edge !== undefined
    const title = single ? edgeTitle(d.edge!, byId, now) : `${d.n} link${d.n === 1 ? '' : 's'} between ${d.from.label} and ${d.to.label}, the best ${KIND_TEXT[d.kind]}`
    const rtt = single ? bestRtt(d.edge!) : null
    const mx = (d.from.x + d.to.x) / 2
    const my = (d.from.y + d.to.y) / 2
    svg += `<g class="edge kind-${d.kind}" data-kind="${d.kind}" data-from="${esc(d.from.label)}" data-to="${esc(d.to.label)}"${d.n > 1 ? ` data-count="${d.n}"` : ''}>` +
      `<title>${esc(title)}</title><line x1="${d.from.x.toFixed(1)}" y1="${d.from.y.toFixed(1)}" x2="${d.to.x.toFixed(1)}" y2="${d.to.y.toFixed(1)}"/>` +
      (rtt !== null ? `<text x="${mx.toFixed(1)}" y="${(my - 4).toFixed(1)}">${rtt < 10 ? rtt.toFixed(1) : rtt.toFixed(0)} ms</text>` : '') +
      (d.n > 1 ? `<text x="${mx.toFixed(1)}" y="${(my - 4).toFixed(1)}">×${d.n}</text>` : '') + '</g>'
  }
  for (const b of bs) {
    const m = b.members
    const unreachable = m.filter(x => !x.reachable).length
    const self = m.some(x => x.isSelf)
    const cls = `node${b.hub ? ' hub' : ''}${self ? ' self' : ''}${unreachable === m.length ? ' unreachable' : unreachable > 0 ? ' partly' : ''}${m.length > 1 ? ' group' : ''}`
    const title = m.length === 1
      ? `${m[0].name} (${m[0].state})${m[0].isSelf ? ', this node' : ''}${m[0].reachable ? m[0].isSelf ? '' : `, answered via ${m[0].via}` : `, cannot be reached from this node: ${m[0].error ?? ''}`}`
      : `${b.label}: ${m.map(x => x.name).slice(0, 30).join(', ')}${m.length > 30 ? ', …' : ''}${unreachable ? ` (${unreachable} cannot be reached)` : ''}`
    const href = m.length === 1 && !m[0].isSelf ? page(m[0].peerId) : ''
    const open = href ? `<a href="${esc(href)}" aria-label="${esc(title)}">` : ''
    svg += `${open}<g class="${cls}" tabindex="${href ? -1 : 0}" data-name="${esc(b.label)}"${m.length === 1 ? ` data-peer-id="${esc(m[0].peerId)}"` : ` data-group-size="${m.length}"`} data-reachable="${unreachable === 0}"${href ? '' : ` aria-label="${esc(title)}"`}>` +
      `<title>${esc(title)}</title><circle cx="${b.x.toFixed(1)}" cy="${b.y.toFixed(1)}" r="${b.r}"/>` +
      (unreachable > 0 ? `<circle class="ring" cx="${b.x.toFixed(1)}" cy="${b.y.toFixed(1)}" r="${b.r + 4}"/>` : '') +
      `<text x="${b.x.toFixed(1)}" y="${(b.y + b.r + 14).toFixed(1)}">${esc(b.label)}</text></g>${open ? '</a>' : ''}`
  }
  return svg + '</svg>'
}

export function legend (): string {
  return (['tcp', 'websockets', 'relayed', 'gossip'] as LinkKind[]).map(k =>
    `<span class="lk"><svg width="28" height="10" aria-hidden="true"><line class="kind-${k}" x1="0" y1="5" x2="28" y2="5"/></svg>${esc(KIND_TEXT[k])}</span>`).join('') +
    '<span class="lk"><svg width="14" height="14" aria-hidden="true"><circle class="unreach" cx="7" cy="7" r="5"/></svg>cannot be reached from this node</span>'
}

/** A small line chart of `values` (no axes): the cluster page's per-node sparklines. */
export function sparkline (values: number[], label: string, unit = ''): string {
  const W = 90
  const H = 22
  if (values.length < 2) return `<span class="muted spark-empty" title="${esc(label)}: not enough points yet">…</span>`
  const max = Math.max(...values, 1e-9)
  const pts = values.map((v, i) => `${((W * i) / (values.length - 1)).toFixed(1)},${(H - 2 - ((H - 4) * v) / max).toFixed(1)}`).join(' ')
  const last = values[values.length - 1]
  const shown = Number.isInteger(last) ? String(last) : last >= 100 ? last.toFixed(0) : last >= 10 ? last.toFixed(1) : last.toFixed(2).replace(/\.?0+$/, '')
  return `<span class="spark" title="${esc(label)}: now ${shown}${unit}, max ${max.toFixed(max >= 10 ? 0 : 2)}${unit}"><svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" data-points="${values.length}"><polyline points="${pts}"/></svg><b>${shown}</b></span>`
}
