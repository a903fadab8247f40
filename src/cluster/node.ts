// A fleet member: a libp2p node that gossips signed heartbeats on the fleet topic and keeps the
// membership table that rendezvous ownership is computed from. No coordinator: every node joins
// through any other, learns the rest from gossip (and the DHT), and dials them.

import { readJoinFile } from './join-file.js'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { gossipsub, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId, PeerDiscovery } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { decodeHeartbeat, encodeHeartbeat } from './heartbeat.js'
import type { Heartbeat } from './heartbeat.js'
import { loadOrCreatePeerKey, readFleetKey } from './keys.js'
import { Membership } from './membership.js'
import type { MembershipEvent } from './membership.js'
import { clusterMetrics } from './metrics.js'
import type { ClusterMetrics } from './metrics.js'
import { dhtProtocol, gossipTopic, resolveOptions } from './options.js'
import type { ResolvedOptions } from './options.js'
import type { ClusterLog, ClusterNode, ClusterOptions, PeerState } from './types.js'
import { ClusterView } from './view.js'

export interface ClusterDeps {
  registry: Registry
  log: ClusterLog
}

type Services = { pubsub: GossipSub, ping: Ping, identify: unknown, dht: unknown }

export async function startCluster (opts: ClusterOptions, deps: ClusterDeps): Promise<ClusterNode> {
  if (!opts.enabled) throw new Error('cluster: startCluster called with enabled=false; use singleNodeCluster()')
  const o = resolveOptions(opts)
  const privateKey = await loadOrCreatePeerKey(o.storageDir)
  const psk = o.keyFile !== undefined ? await readFleetKey(o.keyFile) : undefined
  const usesWs = [...o.listenAddrs, ...o.joinAddrs, ...o.advertiseAddrs].some(a => /\/wss?(\/|$)/.test(a))
  const peerDiscovery: Array<(c: any) => PeerDiscovery> = []
  if (o.discoverPeers.has('mdns')) {
    peerDiscovery.push(mdns({ serviceTag: `_shoal-${o.fleetName.replace(/[^A-Za-z0-9-]/g, '-')}._udp.local`, interval: 10_000 }))
  }

  const libp2p = await createLibp2p({
    privateKey,
    addresses: { listen: o.listenAddrs, announce: o.advertiseAddrs },
    transports: usesWs ? [tcp(), webSockets()] : [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(psk !== undefined ? { connectionProtector: preSharedKey({ psk }) } : {}),
    // Ping every heartbeat so a frozen (SIGSTOPped) peer's connection is aborted within ~2 s
    // (libp2p's default is ~13 s); at least 1 s of timeout so a busy host does not cut live peers.
    connectionMonitor: {
      pingInterval: o.heartbeatMs,
      pingTimeout: { minTimeout: Math.max(1000, o.heartbeatMs), maxTimeout: Math.max(2000, 2 * o.heartbeatMs) },
      abortConnectionOnPingFailure: true,
    },
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        maxInboundDataLength: 64 * 1024,
      }),
      dht: kadDHT({
        protocol: dhtProtocol(o.fleetName),
        clientMode: false,
        peerInfoMapper: passthroughMapper, // keep private/loopback addresses: fleets live on LANs
        logPrefix: 'shoal:cluster:dht',
        datastorePrefix: `/shoal-${o.fleetName}-dht`,
        metricsPrefix: 'shoal_cluster_dht',
      }),
    },
  })
  const node = new Node(libp2p as unknown as Libp2p<Services>, o, deps.log, clusterMetrics(deps.registry))
  try {
    await node.start()
  } catch (err) {
    await node.abort()
    throw err
  }
  return node
}

class Node extends ClusterView implements ClusterNode {
  readonly peerId: string
  private readonly libp2p: Libp2p<Services>
  private readonly o: ResolvedOptions
  private readonly log: ClusterLog
  private readonly metrics: ClusterMetrics
  private readonly topic: string
  private readonly timers: NodeJS.Timeout[] = []
  private publishSoon: NodeJS.Timeout | undefined
  private seq = Date.now()
  private stopped = false
  private readonly startedAt = Date.now()
  private readyLatched = false
  /** join address → the peer that answered there, to skip re-dialling connected ones. */
  private readonly joined = new Map<string, string>()
  private readonly lastDial = new Map<string, number>()
  /** Peers that identified without our fleet's protocol: never dialled again. */
  private readonly foreign = new Set<string>()

  constructor (libp2p: Libp2p<Services>, o: ResolvedOptions, log: ClusterLog, metrics: ClusterMetrics) {
    const peerId = libp2p.peerId.toString()
    const membership = new Membership({
      self: {
        peerId, name: o.nodeName, addrs: [], httpAddr: o.httpAddr, state: 'viewer', lastHeartbeat: Date.now(),
        version: o.version, components: {}, mismatched: [], isSelf: true,
      },
      timeoutMs: o.heartbeatMs * o.missedHeartbeats,
      quarantineMs: o.heartbeatMs,
      onEvent: ev => { this.onMembershipEvent(ev) },
    })
    super(membership, {
      selfChanged: () => { this.schedulePublish() },
      rebalanced: () => { this.metrics.rebalances.inc() },
    })
    this.peerId = peerId
    this.libp2p = libp2p
    this.o = o
    this.log = log
    this.metrics = metrics
    this.topic = gossipTopic(o.fleetName)
    this.setReadiness(() => this.isReady())
  }

  async start (): Promise<void> {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, (_from, msg) => this.validate(msg))
    pubsub.subscribe(this.topic)
    this.libp2p.addEventListener('peer:identify', ev => {
      const { peerId, protocols } = ev.detail
      if (!protocols.includes(dhtProtocol(this.o.fleetName))) {
        this.foreign.add(peerId.toString())
        this.log.warn('cluster: hanging up on a peer of another fleet (or not a shoal node)', { peer: peerId.toString() })
        void this.libp2p.hangUp(peerId).catch(() => {})
      }
    })
    this.libp2p.addEventListener('peer:disconnect', ev => { void this.onDisconnect(ev.detail) })
    if (this.o.discoverPeers.has('dht') || this.o.discoverPeers.has('mdns')) {
      this.libp2p.addEventListener('peer:discovery', ev => { this.maybeDial(ev.detail.id) })
    }
    this.membership.selfInfo.addrs = this.multiaddrs()
    this.updatePeerGauge()
    this.every(this.o.heartbeatMs, () => { void this.publish() })
    this.every(Math.max(25, Math.min(250, this.o.heartbeatMs / 4)), () => { this.membership.expire() })
    if (this.o.discoverPeers.has('bootstrap') && (this.o.joinAddrs.length > 0 || this.o.joinFile !== undefined)) {
      void this.rejoin()
      if (this.o.rejoinIntervalMs > 0) this.every(this.o.rejoinIntervalMs, () => { void this.rejoin() })
    }
    if (this.o.waitForSize > 0 && this.o.waitTimeoutMs > 0) {
      // wake listeners when waiting ends by timeout, so they re-check ready()
      const t = setTimeout(() => { this.invalidate() }, this.o.waitTimeoutMs)
      t.unref()
      this.timers.push(t)
    }
    void this.publish()
    this.log.info('cluster: node started', { peer: this.peerId, addrs: this.multiaddrs().join(','), fleet: this.o.fleetName })
  }

  setState (state: PeerState): void {
    if (this.stopped || this.membership.selfInfo.state === state) return
    this.membership.selfInfo.state = state
    this.invalidate()
    this.schedulePublish()
  }

  multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.membership.selfInfo.state = 'terminating'
    await this.publish()
    // let the goodbye leave the socket before the connections close
    await new Promise(resolve => setTimeout(resolve, Math.min(200, this.o.heartbeatMs / 2)))
    await this.shutdown()
    this.log.info('cluster: node stopped', { peer: this.peerId })
  }

  async abort (): Promise<void> {
    await this.shutdown()
  }

  private async shutdown (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.timers) clearTimeout(t) // clears intervals too
    if (this.publishSoon !== undefined) clearTimeout(this.publishSoon)
    this.close()
    await this.libp2p.stop()
  }

  private every (ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    t.unref()
    this.timers.push(t)
  }

  private isReady (): boolean {
    if (this.readyLatched) return true
    const sizeOk = this.membership.size >= this.o.waitForSize
    const timedOut = this.o.waitTimeoutMs > 0 && Date.now() - this.startedAt >= this.o.waitTimeoutMs
    if (sizeOk || timedOut) this.readyLatched = true
    return this.readyLatched
  }

  private schedulePublish (): void {
    if (this.publishSoon !== undefined || this.stopped) return
    this.publishSoon = setTimeout(() => { this.publishSoon = undefined; void this.publish() }, 20)
    this.publishSoon.unref()
  }

  private async publish (): Promise<void> {
    if (this.stopped) return
    const self = this.membership.selfInfo
    self.addrs = this.multiaddrs()
    self.lastHeartbeat = Date.now()
    const hb: Heartbeat = {
      peerId: this.peerId, name: self.name, addrs: self.addrs, httpAddr: self.httpAddr, state: self.state,
      seq: ++this.seq, version: self.version, components: self.components,
    }
    try {
      await this.libp2p.services.pubsub.publish(this.topic, encodeHeartbeat(hb))
    } catch (err) {
      this.log.debug('cluster: heartbeat not published', { err })
    }
  }

  /** Gossipsub topic validator: runs before a message is delivered or forwarded; never throws. */
  private validate (msg: Message): TopicValidatorResult {
    this.metrics.gossipReceived.inc()
    if (msg.type !== 'signed') return this.reject('unsigned')
    const decoded = decodeHeartbeat(msg.data)
    if (!decoded.ok) return this.reject(decoded.reason)
    const why = this.membership.check(decoded.hb, msg.from.toString())
    if (why !== undefined) {
      // stale/quarantined heartbeats can be honest reorderings: ignore without penalising the relay
      return why === 'wrong_sender' ? this.reject(why) : this.reject(why, TopicValidatorResult.Ignore)
    }
    this.membership.apply(decoded.hb)
    if (decoded.hb.state !== 'terminating') this.dialMember(decoded.hb)
    return TopicValidatorResult.Accept
  }

  private reject (reason: string, result = TopicValidatorResult.Reject): TopicValidatorResult {
    this.metrics.gossipRejected.inc({ reason })
    return result
  }

  private onMembershipEvent (ev: MembershipEvent): void {
    if (ev.membershipChange) this.metrics.membershipChanges.inc()
    if (ev.kind !== 'update') this.log.info(ev.kind === 'join' ? 'cluster: peer joined' : 'cluster: peer left', { peer: ev.peerId, reason: ev.reason })
    this.updatePeerGauge()
    this.invalidate()
  }

  private updatePeerGauge (): void {
    const counts: Record<PeerState, number> = { viewer: 0, participant: 0, terminating: 0 }
    for (const p of this.membership.peers()) counts[p.state]++
    for (const [state, n] of Object.entries(counts)) this.metrics.peers.set({ state }, n)
  }

  /** A member's connection closed: if a ping (which re-dials) fails too, drop it now rather
   *  than waiting for missed heartbeats. */
  private async onDisconnect (peer: PeerId): Promise<void> {
    const id = peer.toString()
    if (this.stopped || !this.membership.has(id)) return
    try {
      await this.libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(Math.max(1000, this.o.heartbeatMs)) })
    } catch {
      if (!this.stopped && this.membership.dropUnreachable(id)) this.log.debug('cluster: peer unreachable after disconnect', { peer: id })
    }
  }

  /** Heartbeats carry addresses: connect to members we only hear about through others. */
  private dialMember (hb: Heartbeat): void {
    if (this.libp2p.getConnections(peerIdFromString(hb.peerId)).length > 0) return
    const addrs = []
    for (const a of hb.addrs) {
      try { addrs.push(multiaddr(a)) } catch { /* unparseable address: skip */ }
    }
    if (addrs.length === 0) return
    const peer = peerIdFromString(hb.peerId)
    void this.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).then(() => { this.maybeDial(peer) }, () => {})
  }

  private maybeDial (peer: PeerId): void {
    const id = peer.toString()
    if (this.stopped || id === this.peerId || this.foreign.has(id) || this.libp2p.getConnections(peer).length > 0) return
    const now = Date.now()
    if (now - (this.lastDial.get(id) ?? 0) < Math.max(5000, 5 * this.o.heartbeatMs)) return
    this.lastDial.set(id, now)
    void this.libp2p.dial(peer, { signal: AbortSignal.timeout(10_000) }).catch(err => {
      this.log.debug('cluster: dial failed', { peer: id, err })
    })
  }

  /** Dials join addresses whose peer is not connected (at start and every rejoin interval). */
  private async rejoin (): Promise<void> {
    let fromFile: string[] = []
    if (this.o.joinFile !== undefined) {
      try { fromFile = readJoinFile(this.o.joinFile) } catch (err) { this.log.warn('cluster: cannot read join file', { file: this.o.joinFile, err }) }
    }
    await Promise.all([...new Set([...this.o.joinAddrs, ...fromFile])].map(async addr => {
      const known = this.joined.get(addr)
      if (known !== undefined && (this.foreign.has(known) || this.libp2p.getConnections(peerIdFromString(known)).length > 0)) return
      try {
        const conn = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
        if (conn.remotePeer.toString() === this.peerId) return
        this.joined.set(addr, conn.remotePeer.toString())
      } catch (err) {
        if (!this.stopped) this.log.warn('cluster: cannot reach join address', { addr, err })
      }
    }))
  }
}
