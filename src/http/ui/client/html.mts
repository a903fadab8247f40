// Small helpers for building HTML as strings: one innerHTML per update is far cheaper than
// creating thousands of nodes one by one.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const esc = (s: string | number | boolean | null | undefined): string => String(s ?? '').replace(/[&<>"']/g, c => ESC[c])

export type Tone = 'ok' | 'bad' | 'warn' | 'unk'

/** Colour class for a component health state, a target health or a peer state. */
export function tone (state: string): Tone {
  switch (state) {
    case 'healthy': case 'up': case 'participant': return 'ok'
    case 'unhealthy': case 'down': case 'terminating': return 'bad'
    case 'exited': case 'viewer': return 'warn'
    default: return 'unk'
  }
}

export const badge = (state: string, title = ''): string =>
  `<span class="badge b-${tone(state)}"${title ? ` title="${esc(title)}"` : ''}>${esc(state || 'unknown')}</span>`

/** "3s ago", "2m 5s ago", "1h 4m ago". */
export function age (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.floor(ms / 1000)
  if (s < 1) return 'just now'
  if (s < 60) return `${s}s ago`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s ago`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m ago`
  return `${Math.floor(h / 24)}d ago`
}

export const since = (iso: string, now = Date.now()): string => {
  if (!iso) return 'never'
  const t = Date.parse(iso)
  return Number.isNaN(t) || t <= 0 ? 'never' : age(now - t)
}

/** Go-style duration text ("1.5s", "230ms", "1m30s") to milliseconds, for sorting. */
export function durationMs (s: string): number {
  let total = 0
  const re = /([\d.]+)(ns|us|µs|ms|s|m|h)/g
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 }
  for (let m = re.exec(s); m; m = re.exec(s)) total += Number(m[1]) * unit[m[2]]
  return total
}

/** "1.654794ms" → "1.65ms": scrape durations at a readable precision. */
export function shortDuration (s: string): string {
  if (!s) return ''
  const ms = durationMs(s)
  if (ms === 0) return s
  if (ms < 1) return `${Math.round(ms * 1000)}µs`
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)}ms`
  return `${(ms / 1000).toFixed(2)}s`
}

export const labels = (l: Record<string, string>): string =>
  Object.keys(l).sort().map(k => `<span class="lbl"><b>${esc(k)}=</b>${esc(l[k])}</span>`).join('')

/** Base path of the UI ("/" or "/prefix/"), from <base href>. */
export const basePath = (): string => new URL(document.baseURI).pathname

/** URL of a page on another peer's UI, assuming the fleet shares one prefix. */
export function peerURL (httpAddr: string, page: string): string {
  return `${location.protocol}//${httpAddr}${basePath()}${page}`
}

export const componentPath = (id: string): string => `component/${id.split('/').map(encodeURIComponent).join('/')}`
