// The JSON shapes of the HTTP API (/api/v0/web: Alloy's shapes plus shoal's fields), types only.
// The one definition both sides use: the server builds these (src/http, src/scrape, the scrape
// component) and the browser code reads them. It lives here because the browser build only
// compiles this folder; the server imports it with `import type`, so nothing of it runs there.

export interface Health { state: string, message: string, updatedTime: string }

export interface ComponentSummary {
  moduleID: string
  localID: string
  id: string
  name: string
  /** Alloy's node type ("block"). */
  type?: string
  /** builtin, or custom (an instance of a declare). */
  componentType?: 'builtin' | 'custom'
  label: string
  health: Health
  referencesTo: string[]
  referencedBy: string[]
  /** A declared component's instance: the module id of its inner components. */
  createdModuleIDs?: string[]
}

/** Alloy's "alloyjson" encoding of values: typed, secrets redacted. */
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

export type TargetHealth = 'up' | 'down' | 'unknown'

/** One target as the UI shows it (Alloy's TargetStatus, plus discovered labels and counts). */
export interface TargetDebugInfo {
  job: string
  url: string
  health: TargetHealth
  labels: Record<string, string>
  discovered_labels: Record<string, string>
  last_error: string
  /** RFC 3339, or "" before the first scrape. */
  last_scrape: string
  /** Go duration string, as Alloy prints time.Duration ("12.5ms"). */
  last_scrape_duration: string
  series?: number
  samples: number
}

/** A target in a clustered scrape component's debug info: who scrapes it. */
export interface ScrapeTarget extends TargetDebugInfo {
  local?: boolean
  owner?: { peerId: string, name: string } | null
}

/** GET /api/v0/web/peers: Alloy's {name, addr, isSelf, state} plus shoal's fields. */
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
