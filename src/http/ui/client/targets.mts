// The scrape targets table of a component's debug info: filtered and sorted in memory, rendered
// as one HTML string, and only the first rows until asked for more, so 5,000 targets stay fast.
// Each target's "why here" button opens a panel below its row (why.mts), refreshed with the page.
import type { Peer, ScrapeTarget } from './api.mjs'
import { badge, componentPath, durationMs, esc, labels, peerURL, shortDuration, since } from './html.mjs'
import { LOCAL, peerPage, type Scope } from './scope.mjs'
import { fetchWhy, whyPanel } from './why.mjs'

const PAGE = 250

type SortKey = 'health' | 'url' | 'owner' | 'last_scrape' | 'duration' | 'series' | 'samples'

interface Row { t: ScrapeTarget, here: boolean, owner: string, text: string }

const COLUMNS: Array<{ key: SortKey | '', title: string, cls?: string }> = [
  { key: 'health', title: 'Health' },
  { key: 'url', title: 'Endpoint' },
  { key: '', title: 'Labels' },
  { key: 'owner', title: 'Scraped by' },
  { key: 'last_scrape', title: 'Last scrape' },
  { key: 'duration', title: 'Duration', cls: 'num' },
  { key: 'series', title: 'Series', cls: 'num' },
  { key: 'samples', title: 'Samples', cls: 'num' },
  { key: '', title: 'Error' },
  { key: '', title: 'Why here' },
]

const HEALTH_ORDER: Record<string, number> = { down: 0, unknown: 1, up: 2 }

export class TargetsTable {
  readonly #el: HTMLElement
  readonly #componentId: string
  /** Viewing another peer through this node: "here" is that peer, named in the table. */
  readonly #remote: boolean
  #hereName = ''
  #rows: Row[] = []
  #peers = new Map<string, Peer>()
  #filter = ''
  #owner = ''
  #health = ''
  #sort: SortKey = 'url'
  #dir: 1 | -1 = 1
  #limit = PAGE
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #scope: Scope
  /** Keys of the targets whose panel is open, and each panel's last HTML. */
  readonly #open = new Map<string, string>()

  constructor (el: HTMLElement, componentId: string, remote = false, scope: Scope = LOCAL) {
    this.#el = el
    this.#componentId = componentId
    this.#remote = remote
    this.#scope = scope
    el.innerHTML = `<div class="toolbar">
<input type="search" data-f="text" placeholder="Filter by endpoint, label, owner or error" aria-label="Filter targets">
<select data-f="owner" aria-label="Owner"><option value="">All owners</option><option value="here">Scraped here</option><option value="remote">Scraped by peers</option></select>
<select data-f="health" aria-label="Health"><option value="">Any health</option><option>up</option><option>down</option><option>unknown</option></select>
<span class="count" data-count></span></div>
<div class="table-wrap"><table class="targets"><thead><tr>${COLUMNS.map(c => `<th${c.key ? ` class="sort${c.cls ? ' ' + c.cls : ''}" data-sort="${c.key}"` : c.cls ? ` class="${c.cls}"` : ''}>${c.title}</th>`).join('')}</tr></thead><tbody></tbody></table></div>
<div class="more" hidden><button type="button" data-more>Show ${PAGE * 2} more</button><button type="button" data-all>Show all</button><span class="muted" data-left></span></div>`
    const text = el.querySelector<HTMLInputElement>('[data-f="text"]')!
    text.addEventListener('input', () => {
      clearTimeout(this.#timer)
      this.#timer = setTimeout(() => { this.#filter = text.value.trim().toLowerCase(); this.#limit = PAGE; this.render() }, 120)
    })
    el.querySelector<HTMLSelectElement>('[data-f="owner"]')!.addEventListener('change', e => { this.#owner = (e.target as HTMLSelectElement).value; this.#limit = PAGE; this.render() })
    el.querySelector<HTMLSelectElement>('[data-f="health"]')!.addEventListener('change', e => { this.#health = (e.target as HTMLSelectElement).value; this.#limit = PAGE; this.render() })
    el.querySelector('thead')!.addEventListener('click', e => {
      const th = (e.target as HTMLElement).closest<HTMLElement>('th[data-sort]')
      if (!th) return
      const key = th.dataset.sort as SortKey
      this.#dir = this.#sort === key ? (this.#dir === 1 ? -1 : 1) : 1
      this.#sort = key
      this.render()
    })
    el.querySelector('tbody')!.addEventListener('click', e => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-why]')
      if (!b) return
      const key = b.dataset.why!
      if (this.#open.has(key)) { this.#open.delete(key); this.render(); return }
      this.#open.set(key, '<p class="muted">Loading…</p>')
      this.render()
      void this.#load(key)
    })
    el.querySelector('[data-more]')!.addEventListener('click', () => { this.#limit += PAGE * 2; this.render() })
    el.querySelector('[data-all]')!.addEventListener('click', () => { this.#limit = Infinity; this.render() })
  }

  update (targets: ScrapeTarget[], peers: Peer[]): void {
    this.#peers = new Map(peers.map(p => [p.peerId, p]))
    const hereName = this.#remote ? (peers.find(p => p.isSelf)?.name ?? 'this peer') : ''
    if (hereName !== this.#hereName) {
      this.#hereName = hereName
      const opts = this.#el.querySelectorAll<HTMLOptionElement>('select[data-f="owner"] option')
      opts[1].textContent = `Scraped by ${hereName}`
      opts[2].textContent = 'Scraped by others'
    }
    this.#rows = targets.map(t => {
      const here = t.local !== false
      const owner = here ? '' : (t.owner?.name ?? '')
      const text = `${t.url} ${Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(' ')} ${owner} ${t.last_error} ${t.health}`.toLowerCase()
      return { t, here, owner, text }
    })
    this.render()
  }

  /** Reloads every open panel (the page's refresh calls this after update). */
  async refreshOpen (signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#open.keys()].map(k => this.#load(k, signal)))
  }

  async #load (key: string, signal?: AbortSignal): Promise<void> {
    let html: string
    try {
      html = whyPanel(await fetchWhy(this.#scope, this.#componentId, key, signal), this.#componentId)
    } catch (err) {
      if (signal?.aborted === true) return
      html = `<p class="err">Cannot tell: ${esc((err as Error).message)}</p>`
    }
    if (!this.#open.has(key)) return
    this.#open.set(key, html)
    const cell = this.#el.querySelector<HTMLElement>(`tr[data-detail="${CSS.escape(key)}"] > td`)
    if (cell) cell.innerHTML = html
  }

  #compare (a: Row, b: Row): number {
    switch (this.#sort) {
      case 'health': return (HEALTH_ORDER[a.t.health] ?? 1) - (HEALTH_ORDER[b.t.health] ?? 1)
      case 'owner': return (a.here ? '' : a.owner || '~').localeCompare(b.here ? '' : b.owner || '~')
      case 'last_scrape': return a.t.last_scrape < b.t.last_scrape ? -1 : a.t.last_scrape > b.t.last_scrape ? 1 : 0
      case 'duration': return durationMs(a.t.last_scrape_duration) - durationMs(b.t.last_scrape_duration)
      case 'series': return (a.t.series ?? 0) - (b.t.series ?? 0)
      case 'samples': return a.t.samples - b.t.samples
      default: return 0
    }
  }

  #ownerCell (r: Row): string {
    if (r.here) return this.#remote ? `<span class="here" title="the peer you are viewing">scraped by ${esc(this.#hereName)}</span>` : '<span class="here">scraped here</span>'
    const o = r.t.owner
    if (!o) return '<span class="muted">unassigned</span>'
    const peer = this.#peers.get(o.peerId)
    const name = esc(o.name || o.peerId.slice(-8))
    const page = componentPath(this.#componentId)
    // Through this node always works (libp2p, relayed if need be); the peer's own UI only when
    // the browser can reach its HTTP port, so it is the small secondary link.
    const own = peer?.httpAddr ? ` <a class="peer-own" href="${esc(peerURL(peer.httpAddr, page))}" title="${name}'s own UI at ${esc(peer.httpAddr)} (if reachable from this browser)">↗</a>` : ''
    return `scraped by <a class="peer-link" href="${esc(peerPage(o.peerId, page))}" title="This component on ${name}, through this node">${name}</a>${own}`
  }

  render (): void {
    let rows = this.#rows
    if (this.#owner) rows = rows.filter(r => r.here === (this.#owner === 'here'))
    if (this.#health) rows = rows.filter(r => (r.t.health || 'unknown') === this.#health)
    if (this.#filter) { const f = this.#filter; rows = rows.filter(r => r.text.includes(f)) }
    rows = rows.slice().sort((a, b) => (this.#compare(a, b) || (a.t.url < b.t.url ? -1 : a.t.url > b.t.url ? 1 : 0)) * this.#dir)
    const shown = rows.slice(0, this.#limit)
    const now = Date.now()
    let html = ''
    for (const r of shown) {
      const t = r.t
      html += `<tr data-url="${esc(t.url)}" data-scraped="${r.here ? 'here' : 'remote'}" data-owner="${esc(r.here ? '' : r.owner)}">` +
        `<td>${badge(t.health || 'unknown')}</td><td class="mono">${esc(t.url)}</td><td>${labels(t.labels)}</td><td class="owner">${this.#ownerCell(r)}</td>` +
        `<td title="${esc(t.last_scrape)}">${r.here ? since(t.last_scrape, now) : '<span class="muted">—</span>'}</td>` +
        `<td class="num" title="${esc(t.last_scrape_duration)}">${r.here ? esc(shortDuration(t.last_scrape_duration)) : ''}</td><td class="num">${r.here ? (t.series ?? '') : ''}</td><td class="num">${r.here ? t.samples : ''}</td>` +
        `<td class="err">${esc(t.last_error)}</td>` +
        `<td>${t.key ? `<button type="button" class="why-btn" data-why="${esc(t.key)}" aria-expanded="${this.#open.has(t.key)}" title="Why this target is scraped where it is, and its last scrapes">why?</button>` : ''}</td></tr>`
      const panel = t.key ? this.#open.get(t.key) : undefined
      if (panel !== undefined) html += `<tr class="detail" data-detail="${esc(t.key)}"><td colspan="${COLUMNS.length}">${panel}</td></tr>`
    }
    if (shown.length === 0) html = `<tr><td colspan="${COLUMNS.length}" class="muted">No targets${this.#rows.length ? ' match the filter' : ''}.</td></tr>`
    this.#el.querySelector('tbody')!.innerHTML = html
    for (const th of this.#el.querySelectorAll<HTMLElement>('th[data-sort]')) {
      if (th.dataset.sort === this.#sort) th.dataset.dir = this.#dir === 1 ? 'asc' : 'desc'
      else delete th.dataset.dir
    }
    const here = this.#rows.filter(r => r.here).length
    const fmt = (n: number): string => n.toLocaleString('en')
    this.#el.querySelector('[data-count]')!.textContent =
      `${shown.length < rows.length ? `showing ${fmt(shown.length)} of ` : ''}${fmt(rows.length)}${rows.length !== this.#rows.length ? ` (filtered from ${fmt(this.#rows.length)})` : ''} targets · ` +
      (this.#remote ? `${fmt(here)} scraped by ${this.#hereName} · ${fmt(this.#rows.length - here)} by others` : `${fmt(here)} scraped here · ${fmt(this.#rows.length - here)} by peers`)
    const more = this.#el.querySelector<HTMLElement>('.more')!
    more.hidden = shown.length >= rows.length
    more.querySelector('[data-left]')!.textContent = `${fmt(rows.length - shown.length)} more not shown`
  }
}
