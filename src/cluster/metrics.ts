// Cluster metrics on the registry the caller passes. Reuses metrics already registered there, so a
// cluster restarted in the same process (config reload, tests) does not throw.

import { Counter, Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import { getOrCreate } from '../metrics/registry.js'

export interface ClusterMetrics {
  peers: Gauge<'state'>
  gossipReceived: Counter
  gossipRejected: Counter<'reason'>
  membershipChanges: Counter
  rebalances: Counter
}

export function clusterMetrics (registry: Registry): ClusterMetrics {
  return {
    peers: getOrCreate(registry, Gauge<'state'>, { name: 'cluster_node_peers', help: 'Known live peers (including self) by state.', labelNames: ['state'] as const }),
    gossipReceived: getOrCreate(registry, Counter<string>, { name: 'cluster_node_gossip_received_events_total', help: 'Membership gossip messages received.' }),
    gossipRejected: getOrCreate(registry, Counter<'reason'>, { name: 'cluster_node_gossip_rejected_total', help: 'Membership gossip messages rejected or ignored, by reason.', labelNames: ['reason'] as const }),
    membershipChanges: getOrCreate(registry, Counter<string>, { name: 'shoal_cluster_membership_changes_total', help: 'Peers joining, leaving or changing state.' }),
    rebalances: getOrCreate(registry, Counter<string>, { name: 'shoal_cluster_rebalances_total', help: 'Changes of the participant set or their config hashes that can move targets.' }),
  }
}
