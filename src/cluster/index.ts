// The cluster library: a libp2p fleet with gossip membership and rendezvous ownership.
export type { Cluster, ClusterNode, ClusterOptions, ClusterLog, DiscoveryMethod, OwnershipTable, PeerInfo, PeerState, TargetKey } from './types.js'
export { startCluster } from './node.js'
export type { ClusterDeps } from './node.js'
export { singleNodeCluster } from './single.js'
export { generateFleetKey, readFleetKey, loadOrCreatePeerKey, peerKeyPath } from './keys.js'
export { keyFromBigInt, keyFromString, Rendezvous } from './hrw.js'
export { DEFAULT_LISTEN_ADDRS, DEFAULT_PORT, gossipTopic, dhtProtocol, toMultiaddrString } from './options.js'
