// GET /api/v0/web/cluster/links: the fleet map's data. Every member answers for its own links
// (/cluster/links/self, also served to peers over the fleet's API protocol); this node asks each
// member over libp2p (direct, relayed or forwarded) and marks those it cannot reach. Answers are
// kept for a moment, so several open UIs cost the fleet one round of requests.
import type { Cluster, ClusterNode } from '../cluster/index.js'
import type { NodeHistory } from './node-history.js'
import { sendJSON, type HttpServer } from './server.js'
import type { FleetLinks, MemberLinks, SelfLinks } from './ui/client/wire.mjs'

export const SELF_LINKS_PATH = '/api/v0/web/cluster/links/self'
/** Members asked at once. */
const CONCURRENCY = 16
const PEER_TIMEOUT_MS = 4_000
/** How long a collected answer is reused. */
const CACHE_MS = 2_000

type Fleet = Cluster & Partial<Pick<ClusterNode, 'requestApi'>>

export function selfLinks (cluster: Cluster, history: NodeHistory | undefined): SelfLinks {
  const me = cluster.self()
  return {
    peerId: me.peerId,
    name: me.name,
    links: cluster.peerLinks?.() ?? [],
    history: history?.snapshot() ?? { stepSeconds: 0, end: '', samplesPerSecond: [], targetsOwned: [] },
  }
}

export async function collectLinks (cluster: Fleet, history: NodeHistory | undefined): Promise<FleetLinks> {
  const me = selfLinks(cluster, history)
  const peers = cluster.peers()
  const members = new Array<MemberLinks>(peers.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < peers.length) {
      const i = next++
      const p = peers[i]
      const base = { peerId: p.peerId, name: p.name, state: p.state, isSelf: p.isSelf }
      if (p.isSelf) { members[i] = { ...base, reachable: true, via: 'self', links: me.links, history: me.history }; continue }
      if (cluster.requestApi === undefined) { members[i] = { ...base, reachable: false, via: 'none', error: 'no fleet API' }; continue }
      const r = await cluster.requestApi(p.peerId, SELF_LINKS_PATH, AbortSignal.timeout(PEER_TIMEOUT_MS))
      let body: Partial<SelfLinks & { error: string }> | undefined
      try { body = JSON.parse(r.body) as Partial<SelfLinks & { error: string }> } catch {}
      if (r.status === 200 && Array.isArray(body?.links)) {
        members[i] = { ...base, reachable: true, via: r.via, links: body.links, ...(body.history ? { history: body.history } : {}) }
      } else {
        members[i] = { ...base, reachable: false, via: r.via, error: body?.error ?? `HTTP ${r.status}` }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, peers.length) }, worker))
  return { self: me.peerId, collectedAt: new Date().toISOString(), members }
}

export function registerLinksAPI (server: HttpServer, cluster: () => Fleet, history: NodeHistory | undefined, prefix = '/api/v0/web'): void {
  let cached: { at: number, links: Promise<FleetLinks> } | undefined
  server.route('GET', `${prefix}/cluster/links/self`, (_req, res) => { sendJSON(res, 200, selfLinks(cluster(), history)) })
  server.route('GET', `${prefix}/cluster/links`, async (_req, res) => {
    if (cached === undefined || Date.now() - cached.at > CACHE_MS) cached = { at: Date.now(), links: collectLinks(cluster(), history) }
    try {
      sendJSON(res, 200, await cached.links)
    } catch (err) {
      cached = undefined
      sendJSON(res, 500, { error: (err as Error).message })
    }
  })
}
