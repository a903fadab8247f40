// "/cluster" (or "/peer/{id}/cluster": the fleet as that peer sees it): every peer, its state,
// heartbeat, config hashes per component (mismatches highlighted) and targets owned, with a bar
// showing how the load is split, the fleet map (fleetmap.mts) and each node's samples/s and
// targets owned over the last minutes. Peers link to their pages through this node; their own UI
// (when they publish an HTTP address) is the secondary link.
import { api, type FleetLinks, type Peer } from './api.mjs'
import { fleetMap, legend, sparkline } from './fleetmap.mjs'
import { age, badge, componentPath, esc, peerURL } from './html.mjs'
import type { Page } from './page.mjs'
import { LOCAL, peerPage, self, type Scope } from './scope.mjs'

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#dc2626', '#4f46e5', '#0d9488']

const total = (p: Peer): number => Object.values(p.targetsOwned).reduce((a, b) => a + b, 0)

export function clusterPage (el: HTMLElement, scope: Scope = LOCAL): Page {
  el.innerHTML = `<h1>Cluster <span class="muted" data-n></span></h1>
<div class="card stack" data-map-card><h2>Fleet map <span class="muted" data-map-note></span></h2><div class="map-wrap" data-map><p class="muted">Asking the fleet…</p></div><div class="legend" data-map-legend>${legend()}</div></div>
<div class="card stack"><h2>Load split</h2><div class="split" data-split></div><div class="legend" data-legend></div></div>
<div class="card flush"><div class="table-wrap"><table class="peers"><thead><tr><th>Peer</th><th>State</th><th>Addresses</th><th>HTTP</th><th>Version</th><th>Last heartbeat</th><th>Config hash per component</th><th class="num">Targets owned</th><th>Last 15 min</th></tr></thead><tbody></tbody></table></div></div>`
  return {
    title: 'Cluster',
    async refresh (signal) {
      // The map is the whole fleet as this node collects it, also on another peer's page.
      const linksP = api<FleetLinks>('cluster/links', signal).catch((err: Error) => err)
      const peers = await api<Peer[]>('peers', signal, scope)
      const links = await linksP
      const mapEl = el.querySelector<HTMLElement>('[data-map]')!
      if (links instanceof Error) {
        mapEl.innerHTML = `<p class="muted">Cannot collect the fleet's links: ${esc(links.message)}</p>`
      } else {
        mapEl.innerHTML = fleetMap(links, id => peerPage(id, 'cluster'))
        const lost = links.members.filter(m => !m.reachable)
        el.querySelector('[data-map-note]')!.textContent = `${links.members.length} member${links.members.length === 1 ? '' : 's'}` +
          (lost.length ? ` · ${lost.length} cannot be reached from this node: ${lost.map(m => m.name).join(', ')}` : ' · each as it sees its own links')
        if (scope.peerId !== undefined) mapEl.querySelector(`[data-peer-id="${CSS.escape(scope.peerId)}"]`)?.classList.add('viewed')
      }
      const hist = new Map((links instanceof Error ? [] : links.members).map(m => [m.peerId, m.history]))
      peers.sort((a, b) => a.name.localeCompare(b.name) || a.peerId.localeCompare(b.peerId))
      const viewed = scope.peerId === undefined ? '' : (peers.find(p => p.isSelf)?.name ?? 'this peer')
      el.querySelector('[data-n]')!.textContent = `${peers.length} peer${peers.length === 1 ? '' : 's'}${viewed ? `, as ${viewed} sees the fleet` : ''}`
      const color = (i: number): string => COLORS[i % COLORS.length]
      const sum = peers.reduce((a, p) => a + total(p), 0)
      el.querySelector('[data-split]')!.innerHTML = sum === 0 ? '' : peers.map((p, i) => {
        const n = total(p)
        const pct = (100 * n) / sum
        return n === 0 ? '' : `<div style="width:${pct.toFixed(2)}%;background:${color(i)}" title="${esc(p.name)}: ${n} targets (${pct.toFixed(1)}%)">${pct >= 8 ? `${esc(p.name)} ${pct.toFixed(0)}%` : ''}</div>`
      }).join('')
      el.querySelector('[data-legend]')!.innerHTML = sum === 0
        ? '<span class="muted">No clustered targets.</span>'
        : peers.map((p, i) => `<span><i style="background:${color(i)}"></i>${esc(p.name)} · ${total(p)} (${((100 * total(p)) / sum).toFixed(1)}%)</span>`).join('')
      el.querySelector('tbody')!.innerHTML = peers.map((p, i) => {
        const ui = p.httpAddr ? peerURL(p.httpAddr, '') : ''
        const comps = Object.entries(p.components).sort(([a], [b]) => a.localeCompare(b))
        const mismatch = comps.some(([, c]) => !c.match)
        const hashes = comps.map(([id, c]) => `<div><span class="hash ${c.match ? 'match' : 'mismatch'}" title="${esc(id)}: ${c.match ? 'same config as this node' : 'config differs from this node: targets are not shared'}">${esc(c.configHash.slice(0, 10) || 'missing')}</span> <span class="muted mono">${esc(id)}</span></div>`).join('') || '<span class="muted">—</span>'
        const owned = Object.entries(p.targetsOwned).sort(([a], [b]) => a.localeCompare(b))
          .map(([id, n]) => `<div><a class="owned" href="${esc(peerPage(p.peerId, componentPath(id)))}" title="${esc(id)} on ${esc(p.name)}">${n}</a> <span class="muted mono">${esc(id)}</span></div>`).join('')
        const us = scope.peerId === undefined ? p.isSelf : p.peerId === self.peerId
        const h = hist.get(p.peerId)
        const tags = (us ? '<span class="tag">this node</span>' : '') + (scope.peerId !== undefined && p.isSelf ? '<span class="tag">viewed</span>' : '')
        return `<tr data-peer="${esc(p.name)}" data-peer-id="${esc(p.peerId)}" data-self="${p.isSelf}"${mismatch ? ' class="mismatch"' : ''}>` +
          `<td><i style="display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px;background:${color(i)}"></i>` +
          `<a class="peer-ui" href="${esc(peerPage(p.peerId))}" title="${esc(p.name)}'s components, through this node">${esc(p.name)}</a>` +
          (ui && !us ? ` <a class="peer-own" href="${esc(ui)}" title="${esc(p.name)}'s own UI at ${esc(p.httpAddr)} (if reachable from this browser)">↗</a>` : '') + tags +
          `<div class="muted mono" title="${esc(p.peerId)}">${esc(p.peerId.slice(0, 6))}…${esc(p.peerId.slice(-6))}</div></td>` +
          `<td>${badge(p.state)}</td><td class="mono addrs">${p.addresses.map(a => `<div>${esc(a)}</div>`).join('') || '<span class="muted">—</span>'}</td>` +
          `<td class="mono">${ui ? `<a href="${esc(ui)}">${esc(p.httpAddr)}</a>` : '<span class="muted">—</span>'}</td><td>${esc(p.version)}</td>` +
          `<td title="${esc(p.lastHeartbeat)}">${p.isSelf ? '<span class="muted">self</span>' : age(p.lastHeartbeatAgeMs)}</td>` +
          `<td>${hashes}</td><td class="num"><b>${total(p)}</b>${owned}</td>` +
          `<td class="sparks" data-sparks>${h ? `<div>${sparkline(h.samplesPerSecond, `${p.name} samples/s, last ${Math.round(h.samplesPerSecond.length * h.stepSeconds / 60)} min`, '/s')}<span class="muted">/s</span></div><div>${sparkline(h.targetsOwned, `${p.name} targets owned`)}<span class="muted">owned</span></div>` : '<span class="muted">—</span>'}</td></tr>`
      }).join('') || '<tr><td colspan="9" class="muted">No peers.</td></tr>'
    },
  }
}
