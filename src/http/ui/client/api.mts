// Types of the JSON API (/api/v0/web, Alloy's shapes plus shoal's fields) and a fetch helper
// whose URLs are relative to <base href>, so the UI works under a path prefix.
import { LOCAL, type Scope, type Via } from './scope.mjs'

export interface Health { state: string, message: string, updatedTime: string }

export interface ComponentSummary {
  moduleID: string
  localID: string
  id: string
  name: string
  label: string
  health: Health
  referencesTo: string[]
  referencedBy: string[]
}

export type JSONValue =
  | { type: 'null', value: null }
  | { type: 'number', value: number | string }
  | { type: 'string', value: string }
  | { type: 'bool', value: boolean }
  | { type: 'array', value: JSONValue[] }
  | { type: 'object', value: Array<{ key: string, value: JSONValue }> }
  | { type: 'function', value: string }
  | { type: 'capsule', value: string }

export type JSONStmt =
  | { name: string, type: 'attr', value: JSONValue }
  | { name: string, type: 'block', label?: string, body: JSONStmt[] }

export interface ComponentDetail extends ComponentSummary {
  arguments: JSONStmt[] | null
  exports: JSONStmt[] | null
  debugInfo: unknown
}

export interface ScrapeTarget {
  job: string
  url: string
  health: string
  labels: Record<string, string>
  discovered_labels: Record<string, string>
  last_error: string
  last_scrape: string
  last_scrape_duration: string
  series?: number
  samples: number
  local?: boolean
  owner?: { peerId: string, name: string } | null
}

export interface Peer {
  name: string
  addr: string
  isSelf: boolean
  state: string
  peerId: string
  addresses: string[]
  httpAddr: string
  version: string
  lastHeartbeat: string
  lastHeartbeatAgeMs: number
  components: Record<string, { configHash: string, match: boolean }>
  targetsOwned: Record<string, number>
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
