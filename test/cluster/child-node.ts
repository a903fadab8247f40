// Fixture for signals.test.ts: one cluster node in its own process, joining argv[2]
// (CHILD_MEMBERSHIP=heartbeats: the previous release's membership).
// Prints its peer ID on stdout, then runs until killed.
import { Registry } from 'prom-client'
import { startCluster } from '../../src/cluster/node.js'
import { quietLog } from './helpers.js'

const node = await startCluster({
  enabled: true, nodeName: 'child', listenAddrs: ['/ip4/127.0.0.1/tcp/0'], joinAddrs: [process.argv[2]],
  discoverPeers: ['bootstrap'], heartbeatMs: 1000, missedHeartbeats: 3,
  ...(process.env.CHILD_MEMBERSHIP === 'heartbeats' ? { membership: 'heartbeats' as const } : {}),
}, { registry: new Registry(), log: quietLog })
process.stdout.write(node.peerId + '\n')
setInterval(() => {}, 1 << 30)
