// Fleet self-metrics read when collected, for the alerts in operations/alerts.yaml: the member
// count as this node sees it (nodes that disagree show a split), this node's own state (one
// stuck as viewer owns nothing), peers whose config hash differs per component, and members by
// the kind of link this node has to them. One set of families per Registry; the latest node
// started on it is the one read (a cluster restarted in the same process replaces the source).

import { Gauge, type Registry } from 'prom-client'
import type { PeerInfo, PeerState } from './types.js'
import { LINK_KINDS, type LinkKind } from './links.js'

export interface FleetMetricsSource {
  peers (): PeerInfo[]
  self (): PeerInfo
  /** Link kind per member other than self. */
  linkKinds (): LinkKind[]
}

const sources = new WeakMap<Registry, FleetMetricsSource | undefined>()
const STATES: readonly PeerState[] = ['viewer', 'participant', 'terminating']

export function fleetMetrics (registry: Registry, source: FleetMetricsSource): () => void {
  const had = sources.has(registry)
  sources.set(registry, source)
  if (!had) register(registry)
  // detach: a stopped node is no longer read (its gauges go empty rather than stale)
  return () => { if (sources.get(registry) === source) sources.set(registry, undefined) }
}

function register (registry: Registry): void {
  const registers = [registry]
  const src = (): FleetMetricsSource | undefined => sources.get(registry)
  new Gauge({
    name: 'shoal_cluster_members',
    help: 'Live fleet members this node knows of, itself included.',
    registers,
    collect (this: Gauge) { const s = src(); this.reset(); if (s) this.set(s.peers().length) },
  })
  new Gauge({
    name: 'shoal_cluster_self_state',
    help: 'This node\'s announced state: 1 for the current one (viewer, participant, terminating).',
    labelNames: ['state'] as const,
    registers,
    collect (this: Gauge<'state'>) {
      const s = src()
      this.reset()
      if (!s) return
      const now = s.self().state
      for (const state of STATES) this.set({ state }, state === now ? 1 : 0)
    },
  })
  new Gauge({
    name: 'shoal_cluster_config_mismatched_peers',
    help: 'Members whose config hash for a clustered component differs from this node\'s (they own none of its targets).',
    labelNames: ['component_id'] as const,
    registers,
    collect (this: Gauge<'component_id'>) {
      const s = src()
      this.reset()
      if (!s) return
      const counts = new Map<string, number>()
      for (const id of Object.keys(s.self().components)) counts.set(id, 0)
      for (const p of s.peers()) {
        if (p.isSelf) continue
        for (const id of p.mismatched) counts.set(id, (counts.get(id) ?? 0) + 1)
      }
      for (const [component_id, n] of counts) this.set({ component_id }, n)
    },
  })
  new Gauge({
    name: 'shoal_cluster_links',
    help: 'Other members by how this node reaches them: tcp, websockets, relayed, or gossip (no link, heard through others).',
    labelNames: ['kind'] as const,
    registers,
    collect (this: Gauge<'kind'>) {
      const s = src()
      this.reset()
      if (!s) return
      const counts: Record<string, number> = {}
      for (const k of LINK_KINDS) counts[k] = 0
      for (const k of s.linkKinds()) counts[k]++
      for (const kind of LINK_KINDS) this.set({ kind }, counts[kind])
    },
  })
}
