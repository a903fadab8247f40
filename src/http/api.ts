// The JSON API, in the paths and shapes of Grafana Alloy's /api/v0/web.
import type { Controller, ComponentInfo } from '../runtime/controller.js'
import { encodeBody, encodeExports } from './alloyjson.js'
import { sendJSON, type HttpServer } from './server.js'
import type { ComponentSummary } from './ui/client/wire.mjs'

export type { ComponentSummary } from './ui/client/wire.mjs'

export function summary (c: ComponentInfo): ComponentSummary {
  return {
    moduleID: c.moduleId,
    localID: c.localId,
    id: c.id,
    name: c.name,
    type: 'block',
    componentType: c.type,
    label: c.label,
    health: { state: c.health.state, message: c.health.message, updatedTime: c.health.updatedTime.toISOString() },
    referencesTo: c.referencesTo,
    referencedBy: c.referencedBy,
    ...(c.createdModuleIds.length > 0 ? { createdModuleIDs: c.createdModuleIds } : {}),
  }
}

export function detail (c: ComponentInfo): ComponentSummary & { arguments: unknown, exports: unknown, debugInfo: unknown } {
  return {
    ...summary(c),
    arguments: c.type === 'custom' ? encodeExports((c.args ?? {}) as Record<string, unknown>) : encodeBody(c.kind.args, c.args),
    exports: encodeExports(c.exports),
    debugInfo: c.debugInfo ?? null,
  }
}

const TARGET_PATH = /^(.+)\/targets\/([0-9a-f]{16})\/(ownership|history)$/

/** `{id}/targets/{key}/ownership|history` under /components/: a target's detail; undefined for other paths. */
export function targetDetail (controller: Controller, rest: string): { status: number, body: unknown } | undefined {
  const m = TARGET_PATH.exec(rest)
  if (!m) return undefined
  const [, id, key, part] = m
  const inst = controller.component(id) === undefined ? undefined : controller.instance(id)
  if (inst === undefined) return { status: 404, body: { error: `component ${id} not found` } }
  if (inst.targetDetail === undefined) return { status: 404, body: { error: `component ${id} has no targets` } }
  const body = inst.targetDetail(key, part as 'ownership' | 'history')
  return body === undefined ? { status: 404, body: { error: `target ${key} not found in ${id}` } } : { status: 200, body }
}

export function registerComponentAPI (server: HttpServer, controller: Controller, prefix = '/api/v0/web'): void {
  server.route('GET', `${prefix}/components`, (_req, res) => {
    sendJSON(res, 200, controller.components().map(summary))
  })
  // Alloy's /modules/{moduleID}/components: the components inside a declared component's instance.
  server.route('GET', `${prefix}/modules/*rest`, (_req, res, params) => {
    const m = /^(.+)\/components$/.exec(params.rest)
    if (!m) return sendJSON(res, 404, { error: `${params.rest} not found` })
    if (!controller.hasModule(m[1])) return sendJSON(res, 404, { error: `module ${m[1]} not found` })
    sendJSON(res, 200, controller.components(m[1]).map(summary))
  })
  // Ids inside modules hold slashes ("mod.a/prometheus.scrape.x").
  server.route('GET', `${prefix}/components/*id`, (_req, res, params) => {
    const t = targetDetail(controller, params.id)
    if (t !== undefined) return sendJSON(res, t.status, t.body)
    const c = controller.component(params.id)
    if (!c) return sendJSON(res, 404, { error: `component ${params.id} not found` })
    sendJSON(res, 200, detail(c))
  })
}
