// The single-page app: a history-API router over /, /component/{id} and /cluster, and the same
// pages of any other fleet member read through this node, /peer/{peerId}[/component/{id}|/cluster]
// (all relative to <base href>, so a path prefix just works); a poller refreshes the open page.
import { api, type Peer } from './api.mjs'
import { clusterPage } from './cluster.mjs'
import { componentPage } from './component.mjs'
import { componentsPage } from './components.mjs'
import { basePath, esc, peerURL } from './html.mjs'
import type { Page } from './page.mjs'
import { LOCAL, remoteScope, self, type Scope } from './scope.mjs'

const POLL_MS = Number(new URLSearchParams(location.search).get('refresh') ?? '') * 1000 || 3000

const main = document.getElementById('app')!
const live = document.getElementById('live')!
let page: Page | undefined
let scope: Scope = LOCAL
let banner: HTMLElement | undefined
let inflight: AbortController | undefined
let timer: ReturnType<typeof setTimeout> | undefined

function route (): void {
  const rel = location.pathname.startsWith(basePath()) ? location.pathname.slice(basePath().length) : location.pathname.replace(/^\//, '')
  inflight?.abort()
  clearTimeout(timer)
  let nav = 'components'
  // A fresh element per page: a late refresh of the page we left writes into a detached node.
  const el = document.createElement('div')
  main.replaceChildren(el)
  let sub = rel
  scope = LOCAL
  banner = undefined
  const m = /^peer\/([^/]+)\/?(.*)$/.exec(rel)
  if (m) {
    scope = remoteScope(decodeURIComponent(m[1]))
    sub = m[2]
    nav = ''
    banner = document.createElement('div')
    banner.className = 'via-banner'
    banner.dataset.peerId = scope.peerId
    main.prepend(banner)
    renderBanner(banner, scope, undefined)
  }
  if (sub.startsWith('component/')) {
    const id = sub.slice('component/'.length).split('/').map(decodeURIComponent).join('/')
    page = componentPage(el, id, scope)
    nav = ''
  } else if (sub === 'cluster') {
    page = clusterPage(el, scope)
    if (!m) nav = 'cluster'
  } else {
    page = componentsPage(el, scope)
  }
  document.title = `${page.title}${m ? ` · ${short(scope.peerId!)}` : ''} · shoal`
  for (const a of document.querySelectorAll<HTMLElement>('nav a')) a.classList.toggle('active', a.dataset.nav === nav)
  void tick()
}

async function tick (): Promise<void> {
  clearTimeout(timer)
  const current = page
  if (!current) return
  if (document.hidden) { timer = setTimeout(() => void tick(), POLL_MS); return }
  const ctl = new AbortController()
  inflight = ctl
  const s = scope
  const b = banner
  // Through this node: also this node's own view of the fleet, to name both ends in the banner.
  const fleet = s.peerId !== undefined ? api<Peer[]>('peers', ctl.signal).catch(() => undefined) : undefined
  try {
    try {
      await current.refresh(ctl.signal)
    } finally {
      if (b && current === page && !ctl.signal.aborted) renderBanner(b, s, await fleet)
    }
    if (current !== page) return
    live.className = 'live ok'
    live.textContent = `live · ${new Date().toLocaleTimeString()}`
    document.body.dataset.loaded = 'true'
  } catch (err) {
    if (ctl.signal.aborted || current !== page) return
    live.className = 'live err'
    live.textContent = s.peerId === undefined
      ? `cannot reach this node: ${(err as Error).message}`
      : `cannot reach ${peerName(s.peerId, await fleet)} through this node: ${(err as Error).message}`
  }
  timer = setTimeout(() => void tick(), POLL_MS)
}

// Same-origin links inside the app navigate without a reload.
document.addEventListener('click', e => {
  const a = (e.target as Element).closest?.('a')
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return
  const url = new URL(a.href, document.baseURI)
  if (url.origin !== location.origin || !url.pathname.startsWith(basePath())) return
  e.preventDefault()
  if (url.pathname !== location.pathname) history.pushState(null, '', url)
  delete document.body.dataset.loaded
  route()
  window.scrollTo(0, 0)
})
window.addEventListener('popstate', route)
document.addEventListener('visibilitychange', () => { if (!document.hidden) void tick() })

document.getElementById('theme')!.addEventListener('click', () => {
  const root = document.documentElement
  const dark = root.dataset.theme ? root.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches
  root.dataset.theme = dark ? 'light' : 'dark'
  try { localStorage.setItem('shoal.theme', root.dataset.theme) } catch {}
})

const short = (peerId: string): string => peerId.length > 16 ? `${peerId.slice(0, 6)}…${peerId.slice(-6)}` : peerId
const peerName = (peerId: string, fleet: Peer[] | undefined): string => fleet?.find(p => p.peerId === peerId)?.name ?? short(peerId)

const VIA: Record<string, string> = {
  self: 'this node itself',
  direct: 'a direct libp2p connection',
  relay: 'a relayed libp2p connection',
  forward: 'a fleet member that forwards',
  none: 'no route',
}

/** "Viewing ui-b through ui-a (via relay)", with the peer's own pages and its own UI, if any. */
function renderBanner (el: HTMLElement, s: Scope, fleet: Peer[] | undefined): void {
  const id = s.peerId!
  const peer = fleet?.find(p => p.peerId === id)
  const here = fleet?.find(p => p.isSelf)?.name ?? (self.name || 'this node')
  const via = s.via || 'none'
  el.dataset.via = s.via
  el.classList.toggle('err', s.via === 'none')
  el.innerHTML = `<span>Viewing <b data-peer-name>${esc(peer?.name ?? short(id))}</b> through <b>${esc(here)}</b>` +
    (s.via ? ` <span class="via via-${esc(via)}" title="How ${esc(here)} reached it: ${esc(VIA[via] ?? via)}">via ${esc(via)}</span>` : '') + '</span>' +
    `<span class="spacer"></span><a href="${esc(s.page(''))}">Components</a><a href="${esc(s.page('cluster'))}">Cluster</a>` +
    (peer?.httpAddr ? `<a class="peer-own" href="${esc(peerURL(peer.httpAddr, ''))}" title="${esc(peer.name)}'s own UI (if reachable from this browser)">own UI ↗</a>` : '') +
    `<a href="./">Back to ${esc(here)}</a>`
}

// Which node this is, from the fleet's view of itself.
api<Peer[]>('peers').then(peers => {
  const me = peers.find(p => p.isSelf)
  if (!me) return
  self.peerId = me.peerId
  self.name = me.name
  document.getElementById('node')!.innerHTML = `node <b>${esc(me.name)}</b>`
}).catch(() => {})

route()
