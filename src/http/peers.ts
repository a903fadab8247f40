// GET /api/v0/web/peers: the fleet as this node sees it. Alloy's array of
// {name, addr, isSelf, state}, extended with shoal's fields.
import type { Cluster, PeerInfo } from '../cluster/index.js'
import type { Controller } from '../runtime/controller.js'
import { sendJSON, type HttpServer } from './server.js'
import type { Peer } from './ui/client/wire.mjs'

export type PeerJSON = Peer

/** Counts, per component, the targets each peer owns, from the scrape components' debug info. */
function ownedCounts (controller: Controller): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>()
  for (const c of controller.allComponents()) {
    const info = c.debugInfo as { targets?: Array<{ owner?: { peerId?: string } }> } | undefined
    if (!info || !Array.isArray(info.targets)) continue
    for (const t of info.targets) {
      const p = t.owner?.peerId
      if (!p) continue
      const rec = out.get(p) ?? out.set(p, {}).get(p)!
      rec[c.id] = (rec[c.id] ?? 0) + 1
    }
  }
  return out
}

export function peerJSON (p: PeerInfo, owned: Record<string, number>, now = Date.now()): PeerJSON {
  const components: PeerJSON['components'] = {}
  for (const [id, hash] of Object.entries(p.components)) components[id] = { configHash: hash, match: !p.mismatched.includes(id) }
  for (const id of p.mismatched) if (!components[id]) components[id] = { configHash: '', match: false }
  return {
    name: p.name,
    addr: p.httpAddr || p.addrs[0] || '',
    isSelf: p.isSelf,
    state: p.state,
    peerId: p.peerId,
    addresses: p.addrs,
    httpAddr: p.httpAddr,
    version: p.version,
    lastHeartbeat: new Date(p.lastHeartbeat).toISOString(),
    lastHeartbeatAgeMs: Math.max(0, now - p.lastHeartbeat),
    components,
    targetsOwned: owned,
  }
}

/** The body of GET /api/v0/web/peers (also served to fleet peers over libp2p). */
export function peersBody (cluster: Cluster, controller: Controller): PeerJSON[] {
  const owned = ownedCounts(controller)
  const now = Date.now()
  return cluster.peers().map(p => peerJSON(p, owned.get(p.peerId) ?? {}, now))
}

export function registerPeersAPI (server: HttpServer, cluster: () => Cluster, controller: Controller, prefix = '/api/v0/web'): void {
  server.route('GET', `${prefix}/peers`, (_req, res) => { sendJSON(res, 200, peersBody(cluster(), controller)) })
}
