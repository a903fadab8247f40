// "/component/{id}" (or "/peer/{peerId}/component/{id}" through this node): health, arguments,
// exports, dependencies and debug info of one component; a scrape component's targets as a
// sortable, filterable table with who scrapes each.
import { api, HTTPError, type ComponentDetail, type ComponentSummary, type Peer, type ScrapeTarget } from './api.mjs'
import { renderBody } from './alloy.mjs'
import { badge, componentPath, esc, since } from './html.mjs'
import type { Page } from './page.mjs'
import { LOCAL, type Scope } from './scope.mjs'
import { TargetsTable } from './targets.mjs'

const ARRAY_CAP = 50

/** References are local to the component's module; links need the global id. */
const inModule = (moduleID: string, ids: string[]): string[] => moduleID === '' ? ids : ids.map(id => `${moduleID}/${id}`)

const links = (ids: string[], scope: Scope): string =>
  ids.length ? `<ul class="plain">${ids.map(id => `<li><a class="mono" href="${esc(scope.page(componentPath(id)))}">${esc(id)}</a></li>`).join('')}</ul>` : '<span class="muted">none</span>'

export function componentPage (el: HTMLElement, id: string, scope: Scope = LOCAL): Page {
  el.innerHTML = `<h1><span class="mono" data-title>${esc(id)}</span> <span data-badge></span></h1>
<div data-error></div>
<div class="grid stack">
  <div class="card"><h2>Health</h2><dl class="kv" data-health></dl></div>
  <div class="card"><h2>Component</h2><dl class="kv" data-info></dl></div>
  <div class="card"><h2>Dependencies</h2><dl class="kv" data-deps></dl></div>
</div>
<div class="card" data-module hidden><h2>Module components</h2><div data-module-body></div></div>
<div class="card"><h2>Arguments</h2><pre class="code" data-args></pre><div class="more" data-args-more hidden></div></div>
<div class="card"><h2>Exports</h2><pre class="code" data-exports></pre></div>
<div class="card flush" data-debug><h2>Debug info</h2><div data-debug-body><p class="muted" style="padding:0 16px">none</p></div></div>`
  let full = false
  let lastArgs = ''
  let lastArgsJSON: ComponentDetail['arguments'] = null
  let table: TargetsTable | undefined
  const q = <T extends Element = HTMLElement>(s: string): T => el.querySelector<T>(s)!

  const renderArgs = (): void => {
    const r = renderBody(lastArgsJSON, { maxItems: full ? Infinity : ARRAY_CAP })
    q('[data-args]').innerHTML = r.html
    const more = q('[data-args-more]')
    more.hidden = r.cut === 0
    if (r.cut > 0) more.innerHTML = `<button type="button">Show all (${r.cut} more items)</button>`
  }
  q('[data-args-more]').addEventListener('click', e => { if ((e.target as HTMLElement).closest('button')) { full = true; renderArgs() } })

  return {
    title: id,
    async refresh (signal) {
      let c: ComponentDetail
      try {
        c = await api<ComponentDetail>(`components/${encodeURIComponent(id)}`, signal, scope)
      } catch (err) {
        if (err instanceof HTTPError && err.status === 404) {
          // Through this node a 404 may also mean the peer left the fleet: say what it said.
          const what = scope.peerId === undefined ? `Component <b>${esc(id)}</b> does not exist on this node.` : `${esc(err.message)}.`
          q('[data-error]').innerHTML = `<div class="error-box">${what} <a href="${esc(scope.page(''))}">All components</a></div>`
          return
        }
        throw err
      }
      q('[data-error]').innerHTML = ''
      q('[data-badge]').innerHTML = badge(c.health.state)
      q('[data-health]').innerHTML = `<dt>State</dt><dd>${badge(c.health.state)}</dd><dt>Message</dt><dd>${esc(c.health.message) || '<span class="muted">—</span>'}</dd>` +
        `<dt>Updated</dt><dd title="${esc(c.health.updatedTime)}">${since(c.health.updatedTime)}</dd>`
      q('[data-info]').innerHTML = `<dt>Name</dt><dd class="mono">${esc(c.name)}</dd><dt>Label</dt><dd class="mono">${esc(c.label) || '<span class="muted">—</span>'}</dd>` +
        `<dt>Local ID</dt><dd class="mono">${esc(c.localID)}</dd><dt>Module</dt><dd class="mono">${esc(c.moduleID) || '<span class="muted">root</span>'}</dd>`
      q('[data-deps]').innerHTML = `<dt>References</dt><dd>${links(inModule(c.moduleID, c.referencesTo), scope)}</dd><dt>Referenced by</dt><dd>${links(inModule(c.moduleID, c.referencedBy), scope)}</dd>`
      // A declared component's instance: the components it runs, as Alloy's UI lists them.
      const mod = c.createdModuleIDs?.[0]
      q('[data-module]').hidden = mod === undefined
      if (mod !== undefined) {
        const inner = await api<ComponentSummary[]>(`modules/${mod.split('/').map(encodeURIComponent).join('/')}/components`, signal, scope).catch(() => [] as ComponentSummary[])
        q('[data-module-body]').innerHTML = inner.length === 0
          ? '<span class="muted">none</span>'
          : `<ul class="plain" data-module-list>${inner.map(x => `<li>${badge(x.health.state)} <a class="mono" href="${esc(scope.page(componentPath(x.id)))}">${esc(x.localID)}</a></li>`).join('')}</ul>`
      }
      const argsKey = JSON.stringify(c.arguments)
      if (argsKey !== lastArgs) { lastArgs = argsKey; lastArgsJSON = c.arguments; renderArgs() }
      q('[data-exports]').innerHTML = renderBody(c.exports, { maxItems: ARRAY_CAP }).html

      const info = c.debugInfo as { targets?: ScrapeTarget[], clustered?: boolean } | null
      const body = q('[data-debug-body]')
      if (info && Array.isArray(info.targets)) {
        // The fleet as the viewed node sees it: its "local" and "owner" fields are relative to it.
        const peers = info.clustered || scope.peerId !== undefined ? await api<Peer[]>('peers', signal, scope).catch(() => [] as Peer[]) : []
        if (!table) {
          body.innerHTML = `<p class="muted" style="padding:0 16px" data-mode></p><div data-table></div>`
          table = new TargetsTable(q('[data-table]'), id, scope.peerId !== undefined, scope)
        }
        const node = scope.peerId === undefined ? 'this node' : (peers.find(p => p.isSelf)?.name ?? 'this peer')
        q('[data-mode]').textContent = info.clustered
          ? `Clustered: the fleet's ${peers.length || 1} node${peers.length === 1 ? '' : 's'} split these targets; each node scrapes its share.`
          : `Not clustered: ${node} scrapes every target.`
        table.update(info.targets, peers)
        await table.refreshOpen(signal)
      } else if (info !== null && info !== undefined) {
        table = undefined
        body.innerHTML = `<pre class="code" style="margin:0 16px 16px">${esc(JSON.stringify(info, null, 2))}</pre>`
      } else {
        table = undefined
        body.innerHTML = '<p class="muted" style="padding:0 16px">This component has no debug info.</p>'
      }
    },
  }
}
