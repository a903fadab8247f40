// Cluster metrics on the registry the caller passes. Reuses metrics already registered there, so a
// cluster restarted in the same process (config reload, tests) does not throw.

import { Counter, Gauge } from 'prom-client'
import type { Registry } from 'prom-client'

export interface ClusterMetrics {
  peers: Gauge<'state'>
  gossipReceived: Counter
  gossipRejected: Counter<'reason'>
  membershipChanges: Counter
  rebalances: Counter
}

function reuse<T> (registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make()
}

export function clusterMetrics (registry: Registry): ClusterMetrics {
  const registers = [registry]
  return {
    peers: reuse(registry, 'cluster_node_peers', () => new Gauge({ name: 'cluster_node_peers', help: 'Known live peers (including self) by state.', labelNames: ['state'] as const, registers })),
    gossipReceived: reuse(registry, 'cluster_node_gossip_received_events_total', () => new Counter({ name: 'cluster_node_gossip_received_events_total', help: 'Membership gossip messages received.', registers })),
    gossipRejected: reuse(registry, 'cluster_node_gossip_rejected_total', () => new Counter({ name: 'cluster_node_gossip_rejected_total', help: 'Membership gossip messages rejected or ignored, by reason.', labelNames: ['reason'] as const, registers })),
    membershipChanges: reuse(registry, 'shoal_cluster_membership_changes_total', () => new Counter({ name: 'shoal_cluster_membership_changes_total', help: 'Peers joining, leaving or changing state.', registers })),
    rebalances: reuse(registry, 'shoal_cluster_rebalances_total', () => new Counter({ name: 'shoal_cluster_rebalances_total', help: 'Changes of the participant set or their config hashes that can move targets.', registers })),
  }
}
