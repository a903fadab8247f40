// "/" (or "/peer/{id}" through this node): every component, as the dependency graph and as a table.
import { api, type ComponentSummary } from './api.mjs'
import { graphSVG } from './graph.mjs'
import { badge, componentPath, esc, since } from './html.mjs'
import type { Page } from './page.mjs'
import { LOCAL, type Scope } from './scope.mjs'

export function componentsPage (el: HTMLElement, scope: Scope = LOCAL): Page {
  el.innerHTML = `<h1>Components <span class="muted" data-n></span></h1>
<div class="card flush stack"><h2>Graph</h2><div class="graph" data-graph></div></div>
<div class="card flush"><div class="table-wrap"><table class="components"><thead><tr><th>Health</th><th>Component</th><th>Name</th><th>Label</th><th>Message</th><th>Updated</th><th class="num">Refs</th></tr></thead><tbody></tbody></table></div></div>`
  let lastGraph = ''
  const href = (id: string): string => scope.page(componentPath(id))
  return {
    title: 'Components',
    async refresh (signal) {
      const comps = await api<ComponentSummary[]>('components', signal, scope)
      comps.sort((a, b) => a.id.localeCompare(b.id))
      el.querySelector('[data-n]')!.textContent = String(comps.length)
      const key = JSON.stringify(comps.map(c => [c.id, c.health.state, c.health.message, c.referencesTo]))
      if (key !== lastGraph) { el.querySelector('[data-graph]')!.innerHTML = graphSVG(comps, href); lastGraph = key }
      const now = Date.now()
      el.querySelector('tbody')!.innerHTML = comps.map(c => `<tr data-id="${esc(c.id)}"><td>${badge(c.health.state)}</td>` +
        `<td class="mono"><a href="${esc(href(c.id))}">${esc(c.id)}</a></td><td>${esc(c.name)}</td><td>${esc(c.label)}</td>` +
        `<td>${esc(c.health.message)}</td><td title="${esc(c.health.updatedTime)}">${since(c.health.updatedTime, now)}</td>` +
        `<td class="num" title="references ${c.referencesTo.length}, referenced by ${c.referencedBy.length}">${c.referencesTo.length} / ${c.referencedBy.length}</td></tr>`).join('') ||
        '<tr><td colspan="7" class="muted">No components loaded.</td></tr>'
    },
  }
}
