// Shared helpers for cluster tests: real libp2p nodes on 127.0.0.1.
import { Registry } from 'prom-client'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { gossipsub, StrictNoSign, StrictSign } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { dhtProtocol } from '../../src/cluster/options.js'
import { startCluster } from '../../src/cluster/node.js'
import type { ClusterNode, ClusterOptions } from '../../src/cluster/types.js'
import { callbackLogger, type Logger } from '../../src/logging/logger.js'

/** Silent unless SHOAL_TEST_LOG is set. */
export const quietLog: Logger = callbackLogger((level, msg, f) => {
  if (process.env.SHOAL_TEST_LOG !== undefined) process.stderr.write(`${(Date.now() % 1e6).toString().padStart(6)} ${level} ${msg} ${JSON.stringify(f, (_k, v) => v instanceof Error ? v.message : v)}\n`)
})

export interface TestNode { node: ClusterNode, registry: Registry }

export async function startTestNode (opts: Partial<ClusterOptions> = {}): Promise<TestNode> {
  const registry = new Registry()
  const node = await startCluster({
    enabled: true,
    listenAddrs: ['/ip4/127.0.0.1/tcp/0'],
    discoverPeers: ['bootstrap', 'dht'],
    heartbeatMs: 300,
    rejoinIntervalMs: 2000,
    ...opts,
  }, { registry, log: quietLog })
  return { node, registry }
}

/** Polls until cond() holds; returns elapsed ms, or throws after timeoutMs with describe(). */
export async function waitFor (cond: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<number> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs}ms ${describe()}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  return Date.now() - t0
}

export const ids = (n: ClusterNode): string[] => n.peers().map(p => p.peerId).sort()

export async function metricValue (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get()
  const v = m?.values.find(x => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}

/** Connections and gossip subscribers of each node, for failure messages. */
export function debugState (...nodes: TestNode[]): string {
  return JSON.stringify(nodes.map(n => {
    const l = (n.node as unknown as { libp2p: any }).libp2p
    return {
      self: n.node.peerId.slice(-6),
      peers: n.node.peers().map(p => p.peerId.slice(-6)),
      conns: l.getConnections().map((c: any) => `${c.remotePeer.toString().slice(-6)}:${c.status}:${c.direction}`),
      subs: l.services.pubsub.getSubscribers('/shoal/shoal/membership/1').map((p: any) => p.toString().slice(-6)),
      meshPeers: l.services.pubsub.getMeshPeers('/shoal/shoal/membership/1').map((p: any) => p.toString().slice(-6)),
    }
  }))
}

/**
 * A libp2p node that speaks the fleet's protocols (its DHT protocol, so it is not hung up on as a
 * foreigner) but is not a shoal node: the sender of hostile gossip in the abuse tests.
 */
export async function rogueNode (opts: { signed?: boolean, maxInboundDataLength?: number } = {}): Promise<{ node: Awaited<ReturnType<typeof createLibp2p>>, pubsub: GossipSub }> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: opts.signed === false ? StrictNoSign : StrictSign,
        ...(opts.maxInboundDataLength !== undefined ? { maxInboundDataLength: opts.maxInboundDataLength } : {}),
      }),
      dht: kadDHT({ protocol: dhtProtocol('shoal'), clientMode: false, peerInfoMapper: passthroughMapper }),
    },
  })
  return { node, pubsub: node.services.pubsub }
}
