// One node shows the whole fleet: /api/v0/web/peers/{peerId}/components[/{id}] and
// /api/v0/web/peers/{peerId}/peers fetch another member's read-only API over libp2p (direct,
// relayed, or forwarded by a member connected to it), and this node answers the same questions
// for its peers. Only the read-only paths of api.ts and peers.ts are ever served to peers.
import type { ClusterNode, LocalApi } from '../cluster/index.js'
import type { Controller } from '../runtime/controller.js'
import { detail, summary, targetDetail } from './api.js'
import { peersBody } from './peers.js'
import { selfLinks } from './fleet-links.js'
import type { NodeHistory } from './node-history.js'
import { sendText, type HttpServer } from './server.js'

/** Answers an allow-listed API path locally, with the same bodies the HTTP API sends. */
export function localApi (controller: Controller, cluster: ClusterNode, prefix = '/api/v0/web', history?: NodeHistory): LocalApi {
  return (path: string) => {
    if (path === `${prefix}/components`) return { status: 200, body: controller.components().map(summary) }
    if (path === `${prefix}/cluster/links/self`) return { status: 200, body: selfLinks(cluster, history) }
    if (path === `${prefix}/peers`) return { status: 200, body: peersBody(cluster, controller) }
    const mod = path.startsWith(`${prefix}/modules/`) ? /^(.+)\/components$/.exec(path.slice(prefix.length + '/modules/'.length)) : null
    if (mod) return controller.hasModule(mod[1]) ? { status: 200, body: controller.components(mod[1]).map(summary) } : { status: 404, body: { error: `module ${mod[1]} not found` } }
    if (path.startsWith(`${prefix}/components/`)) {
      const id = path.slice(prefix.length + '/components/'.length)
      const t = targetDetail(controller, id)
      if (t !== undefined) return t
      const c = controller.component(id)
      return c ? { status: 200, body: detail(c) } : { status: 404, body: { error: `component ${id} not found` } }
    }
    return { status: 404, body: { error: `${path} not found` } }
  }
}

/** Serves our API to fleet peers and registers the per-peer HTTP routes. */
export function registerRemoteAPI (server: HttpServer, cluster: ClusterNode, controller: Controller, prefix = '/api/v0/web', history?: NodeHistory): void {
  cluster.serveApi(localApi(controller, cluster, prefix, history))
  const relay = (path: (params: Record<string, string>) => string) => async (_req: unknown, res: Parameters<Parameters<HttpServer['route']>[2]>[1], params: Record<string, string>): Promise<void> => {
    const r = await cluster.requestApi(params.peerId, path(params))
    res.setHeader('X-Shoal-Via', r.via)
    sendText(res, r.status, r.body, 'application/json; charset=utf-8')
  }
  server.route('GET', `${prefix}/peers/:peerId/components`, relay(() => '/api/v0/web/components'))
  server.route('GET', `${prefix}/peers/:peerId/components/*id`, relay(p => `/api/v0/web/components/${p.id}`))
  server.route('GET', `${prefix}/peers/:peerId/peers`, relay(() => '/api/v0/web/peers'))
}
