// The JSON API, in the paths and shapes of Grafana Alloy's /api/v0/web.
import type { Controller, ComponentInfo } from '../runtime/controller.js'
import { encodeBody, encodeExports } from './alloyjson.js'
import { sendJSON, type HttpServer } from './server.js'
import type { ComponentSummary } from './ui/client/wire.mjs'

export type { ComponentSummary } from './ui/client/wire.mjs'

export function summary (c: ComponentInfo): ComponentSummary {
  return {
    moduleID: '',
    localID: c.id,
    id: c.id,
    name: c.name,
    label: c.label,
    health: { state: c.health.state, message: c.health.message, updatedTime: c.health.updatedTime.toISOString() },
    referencesTo: c.referencesTo,
    referencedBy: c.referencedBy,
  }
}

export function detail (c: ComponentInfo): ComponentSummary & { arguments: unknown, exports: unknown, debugInfo: unknown } {
  return {
    ...summary(c),
    arguments: encodeBody(c.kind.args, c.args),
    exports: encodeExports(c.exports),
    debugInfo: c.debugInfo ?? null,
  }
}

export function registerComponentAPI (server: HttpServer, controller: Controller, prefix = '/api/v0/web'): void {
  server.route('GET', `${prefix}/components`, (_req, res) => {
    sendJSON(res, 200, controller.components().map(summary))
  })
  server.route('GET', `${prefix}/components/:id`, (_req, res, params) => {
    const c = controller.component(params.id)
    if (!c) return sendJSON(res, 404, { error: `component ${params.id} not found` })
    sendJSON(res, 200, detail(c))
  })
}
