// How membership traffic stays bounded as the fleet grows (docs/fleet-scale.md has the numbers).
// Every node receives every heartbeat (a few times over the gossip mesh), so per-node traffic is
// fleet-wide heartbeat rate × message size × duplicates. Up to FLEET_KNEE nodes the heartbeat
// stays at the configured interval (fast failure detection); beyond it the interval grows with
// the square of the fleet size, so the fleet-wide rate N / interval falls as 1/N and per-node
// traffic shrinks instead of growing. Each heartbeat carries its sender's interval, so receivers
// time every peer out after missedHeartbeats of *its* intervals.

/** Fleet size up to which the configured heartbeat interval is used unchanged. */
export const FLEET_KNEE = 100
/** Longest interval a peer may announce and we honour (so a bad value cannot pin a dead peer). */
export const MAX_INTERVAL_MS = 10 * 60_000
/** Direct-connection pings per second per node, spread over all connections. */
export const PINGS_PER_SECOND = 20
/** Dial members we hear of only while we have fewer direct connections than this; the gossip
 *  mesh needs a few, the SIGKILL fast path likes many, libp2p prunes above 300. */
export const MAX_DIRECT_CONNECTIONS = 64
/** Unanswered pings in a row that close a direct connection (one may just be a busy host). */
export const PING_MISSES = 2
/** Shortest wait for a ping's echo (longer with long heartbeats: 2 × heartbeat). */
export const PING_TIMEOUT_MS = 4000
/** First retry of a join that found nobody; doubles per failed round up to the rejoin interval. */
export const JOIN_RETRY_MS = 1000

/** Every this many heartbeats one carries the full record even if nothing changed (a safety net
 *  for a receiver that missed one); the others are small alive beats. */
export const FULL_EVERY = 10

/** A node answers a newcomer with an early heartbeat at most this many base intervals apart. */
export const EARLY_HEARTBEAT_EVERY = 10

/** The heartbeat interval a node uses in a fleet of `fleetSize` (self included). */
export function heartbeatInterval (baseMs: number, fleetSize: number): number {
  const k = Math.max(1, fleetSize / FLEET_KNEE)
  // whole base intervals, so the value only changes every few nodes
  return Math.min(MAX_INTERVAL_MS, baseMs * Math.ceil(k * k))
}

/** The interval we honour for a peer's announcement (undefined: an older node, use ours). */
export function peerInterval (announced: number | undefined, fallbackMs: number): number {
  if (announced === undefined || !Number.isFinite(announced)) return fallbackMs
  return Math.min(MAX_INTERVAL_MS, Math.max(50, announced))
}

/** How often each direct connection is pinged when `connections` share the ping budget. */
export function pingEvery (baseMs: number, connections: number): number {
  return Math.max(baseMs, Math.ceil(connections * 1000 / PINGS_PER_SECOND))
}

/**
 * Wait before join round `failures + 1` of a node that is still alone: 1 s, 2 s, 4 s … capped at
 * the rejoin interval, scaled by 0.5–1 (`random` in [0, 1)) so a fleet started at once does not
 * retry its join address in step.
 */
export function joinRetryDelay (failures: number, rejoinIntervalMs: number, random: number): number {
  const backoff = Math.min(rejoinIntervalMs, JOIN_RETRY_MS * 2 ** Math.min(failures, 20))
  return Math.round(backoff * (0.5 + random / 2))
}
