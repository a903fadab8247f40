// The read-only Cluster over a Membership: cached rendezvous tables per component, debounced
// change notification, wait-for-size readiness.

import { Rendezvous, toTargetKey } from './hrw.js'
import type { Membership } from './membership.js'
import type { Cluster, OwnershipTable, PeerInfo, TargetKey } from './types.js'

export interface ViewHooks {
  /** Our own announcement changed (state or a component hash): publish a heartbeat soon. */
  selfChanged?: () => void
  /** The ownership-relevant view changed (after debouncing). */
  rebalanced?: () => void
  debounceMs?: number
}

export class ClusterView implements Cluster {
  readonly enabled = true
  protected readonly membership: Membership
  private readonly tables = new Map<string, Rendezvous>()
  private readonly listeners = new Set<() => void>()
  private readonly hooks: ViewHooks
  private debounce: NodeJS.Timeout | undefined
  private lastSignature: string
  private readyNow: () => boolean = () => true

  constructor (membership: Membership, hooks: ViewHooks = {}) {
    this.membership = membership
    this.hooks = hooks
    this.lastSignature = membership.ownershipSignature()
  }

  setReadiness (fn: () => boolean): void { this.readyNow = fn }

  self (): PeerInfo { return { ...this.membership.selfInfo, components: { ...this.membership.selfInfo.components }, mismatched: [] } }
  peers (): PeerInfo[] { return this.membership.peers() }
  ready (): boolean { return this.readyNow() }

  lookup (key: TargetKey | bigint, rf: number, componentId: string): PeerInfo[] {
    return this.table(componentId).lookup(toTargetKey(key), rf)
  }

  lookupMany (keys: Uint32Array, rf: number, componentId: string): OwnershipTable {
    return this.table(componentId).lookupMany(keys, rf)
  }

  setComponentHash (componentId: string, hash: string): void {
    const c = this.membership.selfInfo.components
    if (c[componentId] === hash) return
    c[componentId] = hash
    this.invalidate()
    this.hooks.selfChanged?.()
  }

  onChange (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Call on any membership event: drops cached tables now, tells listeners a little later. */
  invalidate (): void {
    this.tables.clear()
    if (this.debounce !== undefined) return
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      const sig = this.membership.ownershipSignature()
      if (sig !== this.lastSignature) {
        this.lastSignature = sig
        this.hooks.rebalanced?.()
      }
      for (const l of [...this.listeners]) {
        try { l() } catch { /* a listener's failure is its own business */ }
      }
    }, this.hooks.debounceMs ?? 50)
    this.debounce.unref()
  }

  close (): void {
    if (this.debounce !== undefined) clearTimeout(this.debounce)
    this.debounce = undefined
    this.listeners.clear()
  }

  private table (componentId: string): Rendezvous {
    let t = this.tables.get(componentId)
    if (t === undefined) {
      t = new Rendezvous(this.membership.candidates(componentId))
      this.tables.set(componentId, t)
    }
    return t
  }
}
