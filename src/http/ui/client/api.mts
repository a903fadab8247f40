// Types of the JSON API (/api/v0/web, Alloy's shapes plus shoal's fields) and a fetch helper
// whose URLs are relative to <base href>, so the UI works under a path prefix.
import { LOCAL, type Scope, type Via } from './scope.mjs'

import type { ComponentSummary, JSONStmt } from './wire.mjs'
export type { ComponentSummary, FleetLinks, Health, JSONStmt, JSONValue, LinkInfo, LinkKind, MemberLinks, NodeHistory, Peer, RankedPeer, ScrapeRecord, ScrapeTarget, TargetHistory, TargetOwnership } from './wire.mjs'

export interface ComponentDetail extends ComponentSummary {
  arguments: JSONStmt[] | null
  exports: JSONStmt[] | null
  debugInfo: unknown
}

export class HTTPError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

/** GETs `<path>` of the scope's API (this node's by default) relative to the UI's base, as parsed JSON. */
export async function api<T> (path: string, signal?: AbortSignal, scope: Scope = LOCAL): Promise<T> {
  const res = await fetch(new URL(scope.apiBase + path, document.baseURI), { signal, headers: { Accept: 'application/json' } })
  if (scope.peerId !== undefined) scope.via = (res.headers.get('X-Shoal-Via') ?? 'none') as Via
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`
    try { const j = await res.json() as { error?: string }; if (j.error) msg = j.error } catch {}
    throw new HTTPError(res.status, msg)
  }
  return await res.json() as T
}
