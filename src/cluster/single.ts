// The null object used when clustering is disabled: one node that owns everything.

import { hostname } from 'node:os'
import type { Cluster, OwnershipTable, PeerInfo } from './types.js'

export function singleNodeCluster (name: string = hostname()): Cluster {
  const me: PeerInfo = {
    peerId: 'local', name, addrs: [], httpAddr: '', state: 'participant', lastHeartbeat: Date.now(),
    version: '', components: {}, mismatched: [], isSelf: true,
  }
  const snapshot = (): PeerInfo => ({ ...me, components: { ...me.components }, lastHeartbeat: Date.now() })
  return {
    enabled: false,
    self: snapshot,
    peers: () => [snapshot()],
    lookup: () => [snapshot()],
    lookupMany (keys: Uint32Array): OwnershipTable {
      const owners = new Int32Array(keys.length >>> 1) // all zeros: index 0 = self
      return { peers: [snapshot()], rf: 1, owners, selfIndex: 0, ownedBySelf: () => true }
    },
    ready: () => true,
    setComponentHash (componentId: string, hash: string): void { me.components[componentId] = hash },
    onChange: () => () => {},
  }
}
