// A target's "why here" panel: its rendezvous ranking (top 3 with scores), the owner, who takes
// over if the owner leaves, the members left out (config-hash mismatch, viewers), and its last
// scrapes as a small chart, read from the node that scrapes it (through this node when remote).
import { api, type ScrapeRecord, type TargetHistory, type TargetOwnership } from './api.mjs'
import { componentPath, esc } from './html.mjs'
import { LOCAL, peerPage, remoteScope, self, type Scope } from './scope.mjs'

const REASON: Record<string, string> = {
  'config-mismatch': 'config hash differs from this node’s',
  viewer: 'viewer (not scraping yet)',
  terminating: 'leaving the fleet',
}

export interface WhyData { ownership: TargetOwnership, history: TargetHistory | undefined, historyFrom: string, historyError?: string }

/** Fetches ownership from the viewed node, history from whichever node scrapes the target. */
export async function fetchWhy (scope: Scope, componentId: string, key: string, signal?: AbortSignal): Promise<WhyData> {
  const base = `components/${encodeURIComponent(componentId)}/targets/${key}`
  const ownership = await api<TargetOwnership>(`${base}/ownership`, signal, scope)
  const owner = ownership.owners[0]
  let from: Scope = scope
  const historyFrom = owner?.name ?? ''
  const viewedId = scope.peerId ?? self.peerId
  if (owner !== undefined && ownership.clustered && owner.peerId !== viewedId) from = owner.peerId === self.peerId ? LOCAL : remoteScope(owner.peerId)
  try {
    const history = await api<TargetHistory>(`${base}/history`, signal, from)
    return { ownership, history, historyFrom }
  } catch (err) {
    if (signal?.aborted === true) throw err
    return { ownership, history: undefined, historyFrom, historyError: (err as Error).message }
  }
}

const pct = (score: number): string => ((100 * score) / 2 ** 32).toFixed(1)

export function whyPanel (d: WhyData, componentId: string): string {
  const o = d.ownership
  const link = (p: { peerId: string, name: string }): string =>
    `<a href="${esc(peerPage(p.peerId, componentPath(componentId)))}">${esc(p.name || p.peerId.slice(-8))}</a>`
  const owners = new Set(o.owners.map(p => p.peerId))
  const rows = o.ranking.map((p, i) => {
    const role = owners.has(p.peerId) ? 'owner' : o.successor?.peerId === p.peerId ? 'takes over' : ''
    return `<tr data-rank="${i + 1}" data-peer="${esc(p.name)}"><td>${i + 1}</td><td>${link(p)}</td>` +
      `<td class="num mono" title="HRW score ${p.score} of 2³²">${pct(p.score)}%</td><td><span class="scorebar" style="width:${(60 * p.score / 2 ** 32).toFixed(0)}px"></span></td><td>${role ? `<span class="tag">${role}</span>` : ''}</td></tr>`
  }).join('')
  const excluded = o.excluded.length === 0
    ? '<span class="muted">none</span>'
    : `<ul class="plain" data-excluded>${o.excluded.map(x => `<li data-peer="${esc(x.name)}" data-reason="${esc(x.reason)}">${link(x)} <span class="muted">${esc(REASON[x.reason] ?? x.reason)}</span></li>`).join('')}</ul>`
  const ownership = !o.clustered
    ? `<p>Not clustered: <b data-owner>${esc(o.owners[0]?.name ?? '')}</b> scrapes every target.</p>`
    : `<p>Scraped by <b data-owner>${o.owners.map(link).join(', ') || '<span class="muted">nobody</span>'}</b>` +
      `${o.replicationFactor > 1 ? ` (replication factor ${o.replicationFactor})` : ''}; if ${o.owners.length > 1 ? 'they leave' : 'it leaves'}, ` +
      `<b data-successor>${o.successor ? link(o.successor) : '<span class="muted">nobody else</span>'}</b> takes over.</p>` +
      `<table class="ranking"><thead><tr><th>#</th><th>Peer</th><th class="num">Score</th><th></th><th></th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p class="muted">Highest score wins: rendezvous hashing of the target over ${o.participants} participating peer${o.participants === 1 ? '' : 's'}${o.participants > o.ranking.length ? ` (top ${o.ranking.length} shown)` : ''}.</p>`
  const history = d.history === undefined
    ? `<p class="muted">No scrape history from ${esc(d.historyFrom)}: ${esc(d.historyError ?? '')}</p>`
    : d.history.scrapes.length === 0
      ? `<p class="muted">${d.history.local ? 'Not scraped yet.' : `${esc(d.historyFrom)} does not scrape it (yet).`}</p>`
      : historyChart(d.history.scrapes) + `<p class="muted">Last ${d.history.scrapes.length} scrapes on ${esc(d.historyFrom)}: bar height is the duration, red is up=0.</p>`
  return `<div class="why" data-why-panel="${esc(o.key)}"><div data-ownership><h3>Why here</h3>${ownership}<h3>Left out</h3>${excluded}</div>` +
    `<div data-history><h3>Last scrapes</h3>${history}</div></div>`
}

/** Bars: duration (height), up (colour); a failed scrape is drawn full height so it stands out. */
export function historyChart (scrapes: ScrapeRecord[]): string {
  const W = 300
  const H = 70
  const n = Math.max(scrapes.length, 20)
  const bw = W / n
  const max = Math.max(...scrapes.map(s => s.durationSeconds), 1e-6)
  let bars = ''
  scrapes.forEach((s, i) => {
    const h = s.up ? Math.max(3, (H - 14) * s.durationSeconds / max) : H - 14
    const ms = s.durationSeconds * 1000
    const title = `${new Date(s.time).toLocaleTimeString()}: ${s.up ? 'up' : 'down'}, ${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms, ${s.samples} samples${s.error ? `\n${s.error}` : ''}`
    bars += `<rect class="${s.up ? 'up' : 'down'}" data-up="${s.up ? 1 : 0}" data-time="${esc(s.time)}" x="${(i * bw + 1).toFixed(1)}" y="${(H - 12 - h).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(title)}</title></rect>`
  })
  const down = scrapes.filter(s => !s.up).length
  return `<svg class="history" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Last ${scrapes.length} scrapes: ${down} with up=0" data-scrapes="${scrapes.length}" data-down="${down}">` +
    `${bars}<line class="base" x1="0" y1="${H - 12}" x2="${W}" y2="${H - 12}"/><text x="0" y="${H - 1}">max ${(max * 1000).toFixed(max < 0.01 ? 2 : 0)} ms</text>` +
    `<text x="${W}" y="${H - 1}" text-anchor="end">${down ? `${down} down` : 'all up'}</text></svg>` +
    (scrapes.at(-1)?.error ? `<div class="err mono" data-last-error>${esc(scrapes.at(-1)!.error)}</div>` : '')
}
