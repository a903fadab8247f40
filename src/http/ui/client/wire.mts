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
  /** The target's 64-bit key in hex: names it in /components/{id}/targets/{key}/…. */
  key?: string
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

/** One scrape in a target's history (GET /api/v0/web/components/{id}/targets/{key}/history). */
export interface ScrapeRecord {
  /** RFC 3339 start of the scrape. */
  time: string
  durationSeconds: number
  /** Samples in the scrape (scrape_samples_scraped). */
  samples: number
  up: boolean
  /** '' when up. */
  error: string
}

export interface TargetHistory {
  /** false: this node does not scrape the target (its owner has the history). */
  local: boolean
  scrapes: ScrapeRecord[]
}

/** A peer in a target's rendezvous ranking. */
export interface RankedPeer { peerId: string, name: string, state: string, /** the HRW score, 0 … 2^32-1 */ score: number }

/** GET /api/v0/web/components/{id}/targets/{key}/ownership: why a target is where it is. */
export interface TargetOwnership {
  key: string
  url: string
  clustered: boolean
  replicationFactor: number
  /** The first `replicationFactor` of `ranking` scrape the target. */
  owners: RankedPeer[]
  /** Takes over when the (last) owner leaves; null when nobody else could. */
  successor: RankedPeer | null
  /** The top 3 of the ranking over the participating peers, best first. */
  ranking: RankedPeer[]
  /** How many peers take part in the ranking. */
  participants: number
  /** Members left out of the ranking, and why. */
  excluded: Array<{ peerId: string, name: string, reason: 'config-mismatch' | 'viewer' | 'terminating', state: string }>
}

export type LinkKind = 'tcp' | 'websockets' | 'relayed' | 'gossip'

/** How one member reaches another, as the first sees it. */
export interface LinkInfo {
  peerId: string
  name: string
  kind: LinkKind
  /** Round-trip time of the best open connection, ms; null before it was measured or without a link. */
  rttMs: number | null
  /** When the link last carried a round trip (ping answered), RFC 3339; '' when never. */
  lastUsed: string
  /** Remote address of the best open connection ('' without one). */
  addr: string
}

/** A node's recent load, sampled in process (one point every `stepSeconds`, oldest first). */
export interface NodeHistory {
  stepSeconds: number
  /** RFC 3339 time of the last point ('' with none). */
  end: string
  samplesPerSecond: number[]
  targetsOwned: number[]
}

/** GET /api/v0/web/cluster/links/self: one member's own links (also served to peers). */
export interface SelfLinks {
  peerId: string
  name: string
  links: LinkInfo[]
  history: NodeHistory
}

/** One member in GET /api/v0/web/cluster/links. */
export interface MemberLinks {
  peerId: string
  name: string
  state: string
  isSelf: boolean
  /** This node got the member's answer ('self' for itself). */
  reachable: boolean
  /** How the answer came (X-Shoal-Via's values). */
  via: 'self' | 'direct' | 'relay' | 'forward' | 'none'
  error?: string
  /** The member's own links; absent when it could not be asked. */
  links?: LinkInfo[]
  history?: NodeHistory
}

/** GET /api/v0/web/cluster/links: each member's view of its own links, collected over the fleet. */
export interface FleetLinks {
  /** This node's peerId. */
  self: string
  collectedAt: string
  members: MemberLinks[]
}
