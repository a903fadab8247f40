// Public types of the cluster: the read-only view components get (like Alloy's cluster.Cluster)
// and the options the CLI maps its --cluster.* flags onto.

import type { LinkInfo } from './links.js'

export type PeerState = 'viewer' | 'participant' | 'terminating'

/** A target's 64-bit hash as two unsigned 32-bit halves. Chosen over bigint: no allocation and
 *  Math.imul-friendly, so ownership of 100k targets is a few ms. `lookup` also accepts a bigint. */
export interface TargetKey { hi: number, lo: number }

export interface PeerInfo {
  peerId: string
  name: string
  addrs: string[]
  httpAddr: string
  state: PeerState
  /** ms since epoch when the last heartbeat arrived (for self: when it was last published). */
  lastHeartbeat: number
  version: string
  /** componentId → config hash, as the peer announced them. */
  components: Record<string, string>
  /** componentIds whose hash differs from ours (or is missing): such a peer owns nothing for them. */
  mismatched: string[]
  isSelf: boolean
}

export interface Cluster {
  readonly enabled: boolean
  self (): PeerInfo
  /** All known live peers including self, sorted by peerId. */
  peers (): PeerInfo[]
  /** Top-`rf` live participants (self included) for `key`, best first; peers whose hash for
   *  `componentId` differs from ours are left out. */
  lookup (key: TargetKey | bigint, rf: number, componentId: string): PeerInfo[]
  /** Batch form of lookup for many keys, `keys` = [hi0, lo0, hi1, lo1, …]. */
  lookupMany (keys: Uint32Array, rf: number, componentId: string): OwnershipTable
  /** False until wait-for-size is met or its timeout passed. */
  ready (): boolean
  setComponentHash (componentId: string, hash: string): void
  /** How this node reaches each other member (src/cluster/links.ts); absent without a fleet. */
  peerLinks? (): LinkInfo[]
  /** Membership or ownership changed (debounced a little). Returns an unsubscribe function. */
  onChange (listener: () => void): () => void
}

export interface OwnershipTable {
  /** Candidate peers; `owners` holds indexes into this array. */
  readonly peers: readonly PeerInfo[]
  readonly rf: number
  /** rf entries per target, best first; -1 where fewer than rf candidates exist. */
  readonly owners: Int32Array
  /** Index of self in `peers`, or -1 when self is not a candidate (viewer or mismatched). */
  readonly selfIndex: number
  /** True when self is among the owners of target i. */
  ownedBySelf (i: number): boolean
}

export interface ClusterNode extends Cluster {
  readonly peerId: string
  /** viewer → participant once config is loaded; 'terminating' is set by stop(). */
  setState (state: PeerState): void
  /** Listening multiaddrs with /p2p/<id> (for joining this node). */
  multiaddrs (): string[]
  /** Graceful: publish `terminating`, then shut libp2p down. */
  stop (): Promise<void>
  /** Crash-like stop for tests and fatal paths: no goodbye, connections just close. */
  abort (): Promise<void>
  /** Answers fleet members' read-only API requests with `answer` (until set: 503). */
  serveApi (answer: LocalApi): void
  /** Fetches an allow-listed read-only API path from a member over libp2p: directly, through a
   *  relay, or forwarded one hop by a member connected to it. Never throws. */
  requestApi (peerId: string, path: string, signal?: AbortSignal): Promise<ApiReply>
}

/** Answers a local read-only API path (see api-protocol.ts allowedPath). */
export type LocalApi = (path: string) => { status: number, body: unknown } | Promise<{ status: number, body: unknown }>

export interface ApiReply {
  status: number
  /** JSON text. */
  body: string
  /** How the answer came: self, a direct or relayed connection, or forwarded by another member. */
  via: 'self' | 'direct' | 'relay' | 'forward' | 'none'
}

export type DiscoveryMethod = 'bootstrap' | 'mdns' | 'dht'

export interface ClusterOptions {
  enabled: boolean
  /** Default: os.hostname(). */
  nodeName?: string
  /** Multiaddrs; a /ws address adds the WebSockets transport. Default DEFAULT_LISTEN_ADDRS. */
  listenAddrs?: string[]
  advertiseAddrs?: string[]
  /** Multiaddrs with or without /p2p/<id>, or host:port. */
  joinAddrs?: string[]
  /** Default ['bootstrap', 'dht']. */
  discoverPeers?: DiscoveryMethod[]
  /** Default 'shoal'. Part of the gossip topic and DHT protocol so fleets never mix. */
  fleetName?: string
  /** Re-dial join addresses this often so a fleet heals after all nodes restarted. Default 60 s; 0 = off. */
  rejoinIntervalMs?: number
  /** Peer-list file, re-read at every rejoin (see bootstrap/README.md). */
  joinFile?: string
  /** pnet swarm key file; peers without the same key cannot connect. */
  keyFile?: string
  /** Advertised UI address (host:port). */
  httpAddr?: string
  /** Default 1000. */
  heartbeatMs?: number
  /** A peer is dropped after this many heartbeats are missed. Default 3. */
  missedHeartbeats?: number
  /** ready() stays false until this many peers (incl. self) are known, or waitTimeoutMs passed. */
  waitForSize?: number
  /** Default 0 = wait forever when waitForSize > 0 (Alloy: 0 means no timeout). */
  waitTimeoutMs?: number
  /** Where peer.key lives: `<storageDir>/cluster/peer.key`. Without it the key is ephemeral. */
  storageDir?: string
  /** Reported in heartbeats. */
  version?: string
  /** Serve as a circuit-relay v2 hop for members that cannot be dialled (behind NAT/firewalls). */
  relay?: boolean
  /**
   * How members detect each other's failures (docs/fleet-scale.md, "Rolling upgrade").
   * 'swim': probes and disseminated changes (swim/), plus heartbeats only while a heartbeat-only
   * member is in the fleet. 'heartbeats' (default for now): the previous release's all-to-all
   * heartbeats; such a node and 'swim' nodes keep each other.
   */
  membership?: 'swim' | 'heartbeats'
}
