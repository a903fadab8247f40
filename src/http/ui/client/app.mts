// The single-page app: a history-API router over /, /component/{id} and /cluster (all relative
// to <base href>, so a path prefix just works), and a poller that refreshes the open page.
import { api, type Peer } from './api.mjs'
import { clusterPage } from './cluster.mjs'
import { componentPage } from './component.mjs'
import { componentsPage } from './components.mjs'
import { basePath, esc } from './html.mjs'
import type { Page } from './page.mjs'

const POLL_MS = Number(new URLSearchParams(location.search).get('refresh') ?? '') * 1000 || 3000

const main = document.getElementById('app')!
const live = document.getElementById('live')!
let page: Page | undefined
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
  if (rel.startsWith('component/')) {
    const id = rel.slice('component/'.length).split('/').map(decodeURIComponent).join('/')
    page = componentPage(el, id)
    nav = ''
  } else if (rel === 'cluster') {
    page = clusterPage(el)
    nav = 'cluster'
  } else {
    page = componentsPage(el)
  }
  document.title = `${page.title} · shoal`
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
  try {
    await current.refresh(ctl.signal)
    if (current !== page) return
    live.className = 'live ok'
    live.textContent = `live · ${new Date().toLocaleTimeString()}`
    document.body.dataset.loaded = 'true'
  } catch (err) {
    if (ctl.signal.aborted || current !== page) return
    live.className = 'live err'
    live.textContent = `cannot reach this node: ${(err as Error).message}`
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

// Which node this is, from the fleet's view of itself.
api<Peer[]>('peers').then(peers => {
  const self = peers.find(p => p.isSelf)
  if (self) document.getElementById('node')!.innerHTML = `node <b>${esc(self.name)}</b>`
}).catch(() => {})

route()
