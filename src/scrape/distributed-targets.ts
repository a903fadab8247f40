// Which of a scrape component's targets this node scrapes when a fleet shares them (as Alloy's
// DistributedTargets): a target belongs to the top `replicationFactor` live peers that run the
// same config for the component, by rendezvous hashing of its targetKey. Driven by the
// cluster's change events; the pool applies the answer (setOwnership) and the UI shows owners.

/** A fleet member as ownership needs it (src/cluster's PeerInfo is one). */
export interface TargetOwner {
  readonly peerId: string
  readonly name: string
  readonly isSelf: boolean
}

/** The part of the cluster that ownership reads (src/cluster's Cluster satisfies it). */
export interface OwnershipCluster {
  /** False for the single-node stand-in: then every target is local. */
  readonly enabled: boolean
  self (): TargetOwner
  /** False until the fleet has formed (--cluster.wait-for-size): clustered targets wait. */
  ready (): boolean
  /** Owners of `key` for `componentId`, best first (may throw: the target then stays local). */
  lookup (key: bigint, rf: number, componentId: string): readonly TargetOwner[]
  /** Announces this node's config hash for the component: peers with another hash share nothing with it. */
  setComponentHash (componentId: string, hash: string): void
  /** Membership, ownership or readiness changed. Returns an unsubscribe function. */
  onChange (listener: () => void): () => void
}

export interface DistributedTargetsInit {
  /** Full component id: ownership is per component. */
  componentId: string
  /** `clustering { enabled }` of the component. */
  enabled: boolean
  /** @default 1 */
  replicationFactor?: number
  /** Hash of the arguments that decide what is scraped (peers must match it to share targets). */
  configHash: string
}

export class DistributedTargets {
  readonly #cluster: OwnershipCluster
  #componentId: string
  #enabled: boolean
  #rf: number

  constructor (cluster: OwnershipCluster, init: DistributedTargetsInit) {
    this.#cluster = cluster
    this.#componentId = init.componentId
    this.#enabled = init.enabled
    this.#rf = 1
    this.update(init)
  }

  /** New arguments: clustering switched on or off, another replication factor or config hash. */
  update (init: DistributedTargetsInit): void {
    this.#componentId = init.componentId
    this.#enabled = init.enabled
    this.#rf = Math.max(1, init.replicationFactor ?? 1)
    if (this.clustered) this.#cluster.setComponentHash(this.#componentId, init.configHash)
  }

  /** True when the component shares its targets with a fleet. */
  get clustered (): boolean { return this.#enabled && this.#cluster.enabled }

  /** Whether this node scrapes the target now. Bound, so it can be handed to the pool as is. */
  readonly isLocal = (key: bigint): boolean => {
    if (!this.clustered) return true
    if (!this.#cluster.ready()) return false
    let owners: readonly TargetOwner[]
    try {
      owners = this.#cluster.lookup(key, this.#rf, this.#componentId)
    } catch {
      return true // as Alloy: a failed lookup keeps the target here rather than losing it
    }
    // With no candidate at all (we should be one), keep the target rather than lose it.
    return owners.length === 0 || owners.some(p => p.isSelf)
  }

  /** Who scrapes the target: this node when it is local, else its first owner (null when unknown). */
  owner (key: bigint): TargetOwner | null {
    if (this.isLocal(key)) return this.self()
    try {
      return this.#cluster.lookup(key, this.#rf, this.#componentId)[0] ?? null
    } catch {
      return null
    }
  }

  self (): TargetOwner {
    const s = this.#cluster.self()
    return { peerId: s.peerId, name: s.name, isSelf: true }
  }

  /** Calls `listener` whenever ownership may have changed (and never on its own timer). */
  onChange (listener: () => void): () => void {
    return this.#cluster.onChange(listener)
  }
}
