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

/**
 * Up to the knee, every this many heartbeats one carries the full record even if nothing changed;
 * the others are small alive beats. Only a safety net: a receiver that missed a record (or holds
 * an outdated one) names the sender in `want` in each of its beats until the record comes, so
 * losses repair themselves within a beat or two. 40 (a full beat every 40 s with 1 s beats) keeps
 * the net while full beats, several times an alive copy's bytes, are 2.5 % of beats instead of
 * 10 %: a measured cut in membership bytes (docs/fleet-scale.md).
 */
export const FULL_EVERY = 40

/**
 * Beats per periodic full record at heartbeat interval `intervalMs`: FULL_EVERY, times the
 * square root of the stretch past the knee (≈ N / FLEET_KNEE), so in big fleets, where each
 * full beat is paid by every member, the net is rarer still: every 80 beats (~5 min) at 200
 * nodes, 200 (~83 min) at 500, 400 (~11 h) at 1000. A full beat is then 0.25 % of beats there.
 */
export function fullEvery (baseMs: number, intervalMs: number): number {
  return FULL_EVERY * Math.max(1, Math.round(Math.sqrt(intervalMs / baseMs)))
}

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

/** Past the knee a link is pinged at least every this fraction of the heartbeat interval. */
export const PINGS_PER_INTERVAL = 10

/**
 * How often each direct connection is pinged when `connections` share the ping budget, with the
 * heartbeat interval in effect `intervalMs` (default: base). Up to the knee this is the budget
 * alone (every heartbeat up to 20 links): detection in small fleets is the heartbeat timeout's
 * anyway. Where beats are stretched, pings need not outpace them by more than
 * PINGS_PER_INTERVAL: two misses find a frozen linked peer within ~a fifth of one interval
 * (+ the ping timeout), still ~15× sooner than its heartbeat timeout (3 intervals). At 1000
 * nodes (100 s beats, 64 links): every 10 s instead of 3.2 s, a third of the ping bytes.
 */
export function pingEvery (baseMs: number, connections: number, intervalMs = baseMs): number {
  return Math.max(baseMs, Math.ceil(connections * 1000 / PINGS_PER_SECOND), Math.floor(intervalMs / PINGS_PER_INTERVAL))
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
