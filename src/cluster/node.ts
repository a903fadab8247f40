// A fleet member: a libp2p node that gossips signed heartbeats on the fleet topic and keeps the
// membership table that rendezvous ownership is computed from. No coordinator: every node joins
// through any other, learns the rest from gossip (and the DHT), and dials them.
// Across networks: TCP and WebSockets, circuit relay v2 for members nobody can dial (a
// `relay` node is the hop; relay-reservation.ts), DCUtR to upgrade relayed links, and a read-only
// API protocol that lets any member show any other (api-service.ts).

import { createHash } from 'node:crypto'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
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
import { circuitRelayServer, circuitRelayTransport, RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { autoNAT } from '@libp2p/autonat'
import { dcutr } from '@libp2p/dcutr'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId, PeerDiscovery, Stream } from '@libp2p/interface'
import { advertisable, isCircuit, isWebSocket } from './addresses.js'
import { apiProtocol } from './api-protocol.js'
import { ApiService } from './api-service.js'
import type { Registry } from 'prom-client'
import { decodeAlive, decodeHeartbeat, encodeAlive, encodeHeartbeat, MAX_WANT, recordDigest, shortId } from './heartbeat.js'
import type { Heartbeat } from './heartbeat.js'
import { loadOrCreatePeerKey, readFleetKey } from './keys.js'
import { Membership } from './membership.js'
import type { MembershipEvent } from './membership.js'
import { fleetMetrics } from './fleet-metrics.js'
import { describeLinks, linkKind, noteRoundTrip, type LinkInfo } from './links.js'
import { clusterMetrics } from './metrics.js'
import type { ClusterMetrics } from './metrics.js'
import { aliveTopic, dhtProtocol, gossipTopic, resolveOptions } from './options.js'
import { EARLY_HEARTBEAT_EVERY, fullEvery, heartbeatInterval, joinRetryDelay, MAX_DIRECT_CONNECTIONS, PING_MISSES, PING_TIMEOUT_MS, PINGS_PER_SECOND, pingEvery } from './scale.js'
import type { ResolvedOptions } from './options.js'
import type { ApiReply, ClusterNode, ClusterOptions, LocalApi, PeerState } from './types.js'
import type { Logger } from '../logging/logger.js'
import { ClusterView } from './view.js'
import { addressesWithMetadata, lazyWindowUpdates, listenOn, muxerOf, omitInlinedKeys } from './libp2p-private.js'
import type { MuxerPing } from './libp2p-private.js'
import { Detector } from './swim/detector.js'
import { systemClock } from './swim/types.js'
import type { MemberEvent } from './swim/types.js'
import { SwimLinks, swimProtocol } from './swim-transport.js'
import { RelayReservation } from './relay-reservation.js'
import { decodeRecord, encodeRecord } from './swim-record.js'

/** How many base heartbeat intervals past its sync hold a starting node waits for missing records. */
const RECORDS_WAIT_BEATS = 5

export interface ClusterDeps {
  registry: Registry
  log: Logger
}

type Services = { pubsub: GossipSub, ping: Ping, identify: unknown, dht: unknown, autoNAT: unknown, dcutr: unknown }

/** Per relayed connection (our relays only carry fleet members' API requests, DCUtR and pings). */
export const RELAY_DATA_LIMIT = 16 * 1024 * 1024
export const RELAY_DURATION_LIMIT_MS = 10 * 60_000

export async function startCluster (opts: ClusterOptions, deps: ClusterDeps): Promise<ClusterNode> {
  if (!opts.enabled) throw new Error('cluster: startCluster called with enabled=false; use singleNodeCluster()')
  const o = resolveOptions(opts)
  const privateKey = await loadOrCreatePeerKey(o.storageDir)
  const privateKeyPeerId = peerIdFromPrivateKey(privateKey).toString()
  const psk = o.keyFile !== undefined ? await readFleetKey(o.keyFile) : undefined
  // A node that listens on WebSockets only (a site whose firewall lets only that through) also
  // dials only WebSockets; everyone else speaks both. Relayed links work on top of either.
  const wsOnly = o.listenAddrs.length > 0 && o.listenAddrs.every(isWebSocket)
  const peerDiscovery: Array<(c: any) => PeerDiscovery> = []
  if (o.discoverPeers.has('mdns')) {
    peerDiscovery.push(mdns({ serviceTag: `_shoal-${o.fleetName.replace(/[^A-Za-z0-9-]/g, '-')}._udp.local`, interval: 10_000 }))
  }

  const libp2p = await createLibp2p({
    privateKey,
    addresses: {
      listen: o.listenAddrs,
      announceFilter: (addrs: Multiaddr[]) => {
        const self = privateKeyPeerId
        return advertisable(addrs.map(a => a.toString()), o.advertiseAddrs, self).map(a => multiaddr(a))
      },
    },
    transports: [...(wsOnly ? [] : [tcp()]), webSockets(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    connectionEncrypters: [noise()],
    // window updates as Go's yamux sends them: not one per gossip copy (yamux-window.ts)
    streamMuxers: [lazyWindowUpdates(yamux())],
    ...(psk !== undefined ? { connectionProtector: preSharedKey({ psk }) } : {}),
    // libp2p's monitor pings every connection every interval, which grows with the fleet: the
    // node pings its connections itself within a fixed budget (Node.pingSome).
    connectionMonitor: { enabled: false },
    connectionManager: {
      // a fleet restarting behind one address (loopback, NAT) dials in faster than libp2p's 5/s per host
      inboundConnectionThreshold: 100,
      maxIncomingPendingConnections: 50,
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
        // A hub is the only link of many sites: it must keep them all in its mesh (the default Dhi
        // of 12 makes it refuse grafts from inbound peers and prune the rest), or sites hear each
        // other only through lazy gossip and flap. Fleets are pnet-closed, so no Sybil defence by
        // IP either: many sites behind one NAT share an address at the hub.
        Dhi: 1000,
        // Every node hears every heartbeat about once per mesh link, so a small mesh keeps the
        // duplicates down (a hub still keeps all its sites: they graft it and Dhi allows them).
        // D 3 instead of 4: fewer duplicates, fewer membership bytes (docs/fleet-scale.md); a lost mesh link
        // is regrafted at the next gossipsub heartbeat, and IHAVE covers what it missed meanwhile.
        D: 3,
        Dlo: 2,
        Dscore: 2,
        Dout: 1,
        // Lazy gossip (IHAVE) to a fixed few peers, not a quarter of all: with every member
        // connected, the default factor would send every message id to hundreds of peers.
        Dlazy: 2,
        gossipFactor: 0,
        // Each id in one IHAVE round (the last gossipsub heartbeat's messages), not three: every
        // member that has a beat still advertises it once to Dlazy random peers, so a node off the
        // mesh hears of it ~Dlazy times. Three rounds cost three times the ids per
        // heartbeat per node for no faster delivery (docs/fleet-scale.md).
        mcacheGossip: 1,
        // 12-byte message ids (default: the 36-byte public key + seqno) keep IHAVE/IWANT small
        msgIdFn: shortMsgId,
        // A duplicate is recognised by sender ‖ seqno before its signature is checked (gossipsub
        // otherwise verifies every copy: one per mesh link); only valid messages enter the cache.
        fastMsgIdFn: fastMsgId,
        // Invalid heartbeats (garbage, forged sender, oversized) cost the sender score on our
        // topic, so a misbehaving peer is graylisted instead of being forwarded forever.
        scoreParams: {
          IPColocationFactorWeight: 0,
          topics: Object.fromEntries([gossipTopic(o.fleetName), aliveTopic(o.fleetName)].map(t => [t, createTopicScoreParams({
            topicWeight: 1,
            invalidMessageDeliveriesWeight: -10,
            invalidMessageDeliveriesDecay: 0.9,
          })])),
        },
      }),
      // AutoNAT confirms public addresses (it ignores private ones, so on LANs nodes stay "unverified")
      autoNAT: autoNAT({ protocolPrefix: `shoal/${o.fleetName}`, startupDelay: 10_000, refreshInterval: 10 * 60_000 }),
      dcutr: dcutr(),
      ...(o.relay
        ? {
            relay: circuitRelayServer({
              reservations: { maxReservations: 1024, defaultDataLimit: BigInt(RELAY_DATA_LIMIT), defaultDurationLimit: RELAY_DURATION_LIMIT_MS },
            }),
          }
        : {}),
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
  const node = new Node(libp2p, o, deps.log, clusterMetrics(deps.registry))
  fleetMetrics(deps.registry, {
    peers: () => node.peers(),
    self: () => node.self(),
    linkKinds: () => node.peers().filter(p => !p.isSelf).map(p => linkKind(libp2p.getConnections(peerIdFromString(p.peerId)))),
  })
  try {
    await node.start()
  } catch (err) {
    await node.abort()
    throw err
  }
  return node
}

export { omitInlinedKeys }

/** Sender ‖ seqno of a received message, unverified: the key of gossipsub's duplicate cache. */
export function fastMsgId (msg: { from?: Uint8Array, seqno?: Uint8Array, data?: Uint8Array }): string {
  if (msg.from === undefined || msg.seqno === undefined) return createHash('sha256').update(msg.data ?? new Uint8Array()).digest('base64')
  return Buffer.from(msg.seqno).toString('base64') + Buffer.from(msg.from).toString('base64')
}

/** First 12 bytes of sha256(sender key ‖ seqno): unique enough for a 2-minute seen-cache. */
function shortMsgId (msg: Message): Uint8Array {
  if (msg.type !== 'signed') return createHash('sha256').update(msg.data).digest().subarray(0, 12)
  return createHash('sha256').update(msg.from.publicKey?.raw ?? msg.key.raw).update(msg.sequenceNumber.toString(16)).digest().subarray(0, 12)
}

class Node extends ClusterView implements ClusterNode {
  readonly peerId: string
  private readonly libp2p: Libp2p<Services>
  private readonly o: ResolvedOptions
  private readonly log: Logger
  private readonly metrics: ClusterMetrics
  private readonly topic: string
  private readonly alive: string
  private readonly timers: NodeJS.Timeout[] = []
  private publishSoon: NodeJS.Timeout | undefined
  private seq = Date.now()
  private stopped = false
  private readonly startedAt = Date.now()
  private readyLatched = false
  /**
   * Until this time the node does not trust its view of the fleet (just started, or just woke
   * from a stall): it owns nothing and stays a viewer, so it never scrapes what others own.
   */
  private syncUntil = 0
  /** Until then a starting node also waits for the records of peers it only heard alive. */
  private recordsUntil = 0
  /** The node was ready once: the record wait above is a start-up rule only. */
  private wasSynced = false
  private syncTimer: NodeJS.Timeout | undefined
  private heardPeer = false
  private lastTick = Date.now()
  /** The state the agent asked for; announced as viewer while not ready. */
  private wantedState: PeerState = 'viewer'
  /** join address → the peer that answered there, to skip re-dialling connected ones. */
  private readonly joined = new Map<string, string>()
  /** The join round under way, if any (rounds never overlap: a slow dial outlasts short intervals). */
  private rejoining: Promise<void> | undefined
  /** The node has join addresses (or a join file). */
  private joins = false
  /** While alone: how many join rounds in a row found nobody, and when the next one is due. */
  private joinFailures = 0
  private nextJoinAt = Infinity
  /** Per peer: when we last dialled it and how long to wait before the next try (doubles on failure). */
  private readonly lastDial = new Map<string, { at: number, wait: number }>()
  private readonly api: ApiService
  private readonly reservation: RelayReservation
  /** Peers that identified without our fleet's protocol: never dialled again. */
  private readonly foreign = new Set<string>()
  private publishTimer: NodeJS.Timeout | undefined
  private lastEarly = 0
  /** When each connection was last pinged by us. */
  private readonly pinged = new WeakMap<Connection, number>()
  private readonly pinging = new WeakSet<Connection>()
  /** Unanswered pings in a row per connection. */
  private readonly pingMisses = new WeakMap<Connection, number>()
  /** Wire size of our last full heartbeat's and alive beat's payload (for scripts/fleet-scale.ts). */
  lastHeartbeatBytes = 0
  lastAliveBytes = 0
  /** The next heartbeat carries the full record: a member joined, one asked for it, or we start. */
  private fullDue = true
  /** Alive beats since the last full one, and the digest that one carried. */
  private sinceFull = 0
  private sentDigest = ''
  /** Full beats and alive beats published (for scripts/fleet-scale.ts and tests). */
  readonly sent = { full: 0, alive: 0 }
  /** The failure detector and its transport (membership 'swim'; undefined with 'heartbeats'). */
  private readonly detector: Detector | undefined
  private readonly links: SwimLinks | undefined
  private readonly swimProto: string
  /** The record our detector announces (encoded), to update it only when it changed. */
  private announcedRecord = ''
  /** Linked peers that identified without the swim protocol: older nodes (heartbeats only). */
  private readonly olderLinks = new Set<string>()

  constructor (libp2p: Libp2p<Services>, o: ResolvedOptions, log: Logger, metrics: ClusterMetrics) {
    const peerId = libp2p.peerId.toString()
    const membership = new Membership({
      self: {
        peerId, name: o.nodeName, addrs: [], httpAddr: o.httpAddr, state: 'viewer', lastHeartbeat: Date.now(),
        version: o.version, components: {}, mismatched: [], isSelf: true,
      },
      timeoutMs: o.heartbeatMs * o.missedHeartbeats,
      missedHeartbeats: o.missedHeartbeats,
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
    this.alive = aliveTopic(o.fleetName)
    this.api = new ApiService(libp2p, { protocol: apiProtocol(o.fleetName), self: peerId, isMember: id => this.membership.has(id) })
    this.swimProto = swimProtocol(o.fleetName)
    this.reservation = new RelayReservation({
      getConnections: () => libp2p.getConnections(),
      peerStore: libp2p.peerStore,
      getMultiaddrs: () => libp2p.getMultiaddrs(),
      addressesWithMetadata: () => addressesWithMetadata(libp2p),
      listen: async addrs => { await listenOn(libp2p, addrs) },
    }, {
      relay: o.relay,
      advertiseAddrs: o.advertiseAddrs,
      isMember: id => this.membership.has(id),
      onReserved: () => { this.schedulePublish() },
      log,
    })
    if (o.membership === 'swim') {
      this.links = new SwimLinks(libp2p, {
        protocol: this.swimProto,
        self: peerId,
        onMessage: (from, data) => { this.metrics.gossipReceived.inc(); this.detector?.receive(from, data) },
        onNoLink: id => { this.maybeDial(peerIdFromString(id)) },
      })
      this.detector = new Detector({ transport: this.links, clock: systemClock }, {
        id: peerId,
        meta: this.selfRecord(),
        // a restart (same peer id) must outbid what the fleet remembers of the previous run
        incarnation: Math.floor(Date.now() / 1000),
        ...swimTiming(o),
        onEvent: ev => { this.onDetectorEvent(ev) },
      })
    }
    this.setReadiness(() => this.isReady())
  }

  /** Our record as the detector carries it. */
  private selfRecord (): Uint8Array {
    const s = this.membership.selfInfo
    const data = encodeRecord({ name: s.name, addrs: s.addrs, httpAddr: s.httpAddr, state: s.state, version: s.version, components: s.components })
    this.announcedRecord = Buffer.from(data).toString('latin1')
    return data
  }

  /** Detector verdicts feed the membership table that ownership is computed from. */
  private onDetectorEvent (ev: MemberEvent): void {
    if (this.stopped) return
    switch (ev.kind) {
      case 'join':
      case 'update':
      case 'alive': {
        const r = decodeRecord(ev.meta)
        if (r === undefined) { this.metrics.gossipRejected.inc({ reason: 'malformed' }); return }
        if (r.state === 'terminating') { this.membership.removeDetected(ev.id, 'terminating'); return }
        this.membership.setDetected({ peerId: ev.id, ...r, lastHeartbeat: Date.now(), mismatched: [], isSelf: false })
        if (this.libp2p.getConnections(peerIdFromString(ev.id)).every(c => c.limits !== undefined)) {
          this.dialMember({ peerId: ev.id, addrs: r.addrs })
        }
        return
      }
      case 'suspect':
        this.log.debug('peer suspected', { peer: ev.id, incarnation: ev.inc, health: this.detector?.health })
        return
      case 'dead':
        this.membership.removeDetected(ev.id, 'unreachable')
        return
      case 'left':
        this.membership.removeDetected(ev.id, 'terminating')
    }
  }

  /** Older members (heartbeats only) need our heartbeats, and we need theirs. */
  private heartbeatsNeeded (): boolean {
    return this.detector === undefined || this.olderLinks.size > 0 || this.membership.heartbeatPeers > 0
  }

  async start (): Promise<void> {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, (_from, msg) => this.validate(msg))
    pubsub.topicValidators.set(this.alive, (_from, msg) => this.validateAlive(msg))
    pubsub.subscribe(this.topic)
    pubsub.subscribe(this.alive)
    omitInlinedKeys(pubsub)
    this.libp2p.addEventListener('peer:identify', ev => {
      const { peerId, protocols } = ev.detail
      const id = peerId.toString()
      if (!protocols.includes(dhtProtocol(this.o.fleetName))) {
        this.foreign.add(id)
        this.log.warn('hanging up on a peer of another fleet (or not a shoal node)', { peer: id })
        void this.libp2p.hangUp(peerId).catch(() => {})
        return
      }
      if (protocols.includes(RELAY_V2_HOP_CODEC)) void this.reservation.ensure()
      if (this.detector === undefined) return
      if (!protocols.includes(this.swimProto)) {
        // an older node: it hears us only by heartbeats, which go out while it is linked or a member
        if (!this.olderLinks.has(id)) { this.olderLinks.add(id); this.greet(); this.schedulePublish() }
        return
      }
      this.olderLinks.delete(id)
      this.links?.warm(id)
      // a member we do not hold alive (newcomer, our join address, a healed partition): swap full state
      const st = this.detector.stateOf(id)
      if (st !== 'alive' && st !== 'suspect') this.detector.join(id)
    })
    // a peer identified before it served the swim protocol (it was still starting) says so in a push
    this.libp2p.addEventListener('peer:update', ev => {
      const id = ev.detail.peer.id.toString()
      if (this.detector === undefined || !this.olderLinks.has(id) || !ev.detail.peer.protocols.includes(this.swimProto)) return
      this.olderLinks.delete(id)
      const st = this.detector.stateOf(id)
      if (st !== 'alive' && st !== 'suspect') this.detector.join(id)
    })
    this.libp2p.addEventListener('connection:close', ev => { void this.onConnectionClose(ev.detail) })
    await this.api.start()
    if (this.links !== undefined && this.detector !== undefined) {
      await this.links.start()
      this.detector.start()
    }
    this.reservation.start()
    if (this.o.discoverPeers.has('dht') || this.o.discoverPeers.has('mdns')) {
      this.libp2p.addEventListener('peer:discovery', ev => { this.maybeDial(ev.detail.id) })
    }
    this.membership.selfInfo.addrs = this.multiaddrs()
    this.updatePeerGauge()
    this.every(Math.max(25, Math.min(250, this.o.heartbeatMs / 4)), () => { this.tick() })
    // Not synced until we heard the fleet: one and a half heartbeat intervals after the first
    // peer's heartbeat, or once joining found nobody; at most 10 s (or 5 heartbeats).
    const joining = this.o.discoverPeers.has('bootstrap') && (this.o.joinAddrs.length > 0 || this.o.joinFile !== undefined)
    this.joins = joining
    this.holdSync(Date.now() + (joining ? Math.max(10_000, 5 * this.o.heartbeatMs) : Math.ceil(1.5 * this.o.heartbeatMs)), true)
    if (joining) {
      void this.rejoin().then(() => {
        if (!this.heardPeer && this.libp2p.getConnections().length === 0) this.holdSync(Date.now())
      })
      if (this.o.rejoinIntervalMs > 0) this.every(this.o.rejoinIntervalMs, () => { void this.rejoin() })
    }
    if (this.o.waitForSize > 0 && this.o.waitTimeoutMs > 0) {
      // wake listeners when waiting ends by timeout, so they re-check ready()
      const t = setTimeout(() => { this.invalidate() }, this.o.waitTimeoutMs)
      t.unref()
      this.timers.push(t)
    }
    void this.publish()
    this.log.info('node started', { peer: this.peerId, addrs: this.multiaddrs().join(','), fleet: this.o.fleetName })
  }

  setState (state: PeerState): void {
    if (this.stopped) return
    this.wantedState = state
    this.refreshState()
  }

  multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map(a => a.toString())
  }

  peerLinks (): LinkInfo[] {
    return describeLinks(this.peers(), id => this.libp2p.getConnections(peerIdFromString(id)))
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.membership.selfInfo.state = 'terminating'
    if (this.detector !== undefined) {
      this.detector.updateMeta(this.selfRecord())
      this.detector.leave()
    }
    await this.publish()
    // let the goodbye leave the socket before the connections close
    await new Promise(resolve => setTimeout(resolve, Math.min(200, this.o.heartbeatMs / 2)))
    await this.shutdown()
    this.log.info('node stopped', { peer: this.peerId })
  }

  async abort (): Promise<void> {
    await this.shutdown()
  }

  private async shutdown (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const t of this.timers) clearTimeout(t) // clears intervals too
    if (this.publishSoon !== undefined) clearTimeout(this.publishSoon)
    if (this.publishTimer !== undefined) clearTimeout(this.publishTimer)
    this.close()
    this.reservation.stop()
    this.detector?.stop()
    await this.links?.stop()
    await this.libp2p.stop()
  }

  private every (ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    t.unref()
    this.timers.push(t)
  }

  private isReady (): boolean {
    const now = Date.now()
    if (now < this.syncUntil) return false
    // A starting node that hears members' alive beats before their records (the records went out
    // before it was in the gossip mesh; it asked for them with `want`) would own their targets
    // meanwhile. Wait for those records, at most a few beats: a peer that never sends one
    // (another fleet's config, a broken node) must not hold us back for good.
    if (!this.wasSynced && now < this.recordsUntil && this.membership.lackingRecords > 0) return false
    this.wasSynced = true
    if (this.readyLatched) return true
    const sizeOk = this.membership.size >= this.o.waitForSize
    const timedOut = this.o.waitTimeoutMs > 0 && Date.now() - this.startedAt >= this.o.waitTimeoutMs
    if (sizeOk || timedOut) this.readyLatched = true
    return this.readyLatched
  }

  /** Holds the node unsynced until `until` (never extends an earlier deadline unless `force`). */
  private holdSync (until: number, force = false): void {
    if (!force && until >= this.syncUntil) return
    this.syncUntil = until
    this.recordsUntil = until + RECORDS_WAIT_BEATS * this.o.heartbeatMs
    if (!this.wasSynced) {
      const t = setTimeout(() => { this.refreshState() }, Math.max(0, this.recordsUntil - Date.now()) + 5)
      t.unref()
      this.timers.push(t)
    }
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer)
    const wait = until - Date.now()
    if (wait > 0) {
      this.syncTimer = setTimeout(() => { this.syncTimer = undefined; this.refreshState() }, wait + 5)
      this.syncTimer.unref()
      this.timers.push(this.syncTimer)
    }
    this.refreshState()
  }

  /** Announces the wanted state, or viewer while the node is not ready to own targets. */
  private refreshState (): void {
    if (this.stopped) return
    const effective: PeerState = this.wantedState === 'participant' && !this.isReady() ? 'viewer' : this.wantedState
    if (this.membership.selfInfo.state !== effective) {
      this.membership.selfInfo.state = effective
      this.schedulePublish()
    }
    this.invalidate()
  }

  /** The expiry tick; a long gap since the last one means this process was frozen (SIGSTOP). */
  private tick (): void {
    const now = Date.now()
    const gap = now - this.lastTick
    this.lastTick = now
    if (gap > this.o.missedHeartbeats * this.o.heartbeatMs) {
      // Our stall, not the peers' silence: keep them, and distrust our view until fresh
      // heartbeats had time to arrive (the fleet may have moved our targets meanwhile).
      this.membership.touchAll(now)
      this.detector?.resync()
      this.log.warn('this process was stalled; re-syncing with the fleet', { stalled_ms: gap })
      this.holdSync(now + Math.ceil(1.5 * this.o.heartbeatMs), true)
      return
    }
    this.membership.expire()
    // with the detector, its probes find frozen members; pings only keep older members' links honest
    if (this.heartbeatsNeeded()) this.pingSome(now)
    if (this.joins && this.rejoining === undefined && this.o.rejoinIntervalMs > 0) {
      if (this.nextJoinAt === Infinity && this.alone()) this.nextJoinAt = now + joinRetryDelay(this.joinFailures++, this.o.rejoinIntervalMs, Math.random())
      else if (now >= this.nextJoinAt) void this.rejoin()
    }
  }

  /** The heartbeat interval in effect: the configured one, stretched in big fleets (scale.ts). */
  heartbeatIntervalMs (): number { return heartbeatInterval(this.o.heartbeatMs, this.membership.size) }

  /**
   * Pings direct connections that are due, at most PINGS_PER_SECOND in all: each one every
   * heartbeat in small fleets, less often with many. A failed ping aborts the connection, which
   * starts the fast-drop check (onConnectionClose): that is how a frozen peer is noticed early.
   */
  private pingSome (now: number): void {
    const conns = this.libp2p.getConnections().filter(c => c.status === 'open')
    const every = pingEvery(this.o.heartbeatMs, conns.length, this.heartbeatIntervalMs())
    let budget = Math.max(1, Math.ceil(PINGS_PER_SECOND * Math.min(250, this.o.heartbeatMs / 4) / 1000))
    for (const c of conns) {
      if (budget === 0) break
      const last = this.pinged.get(c)
      if (last === undefined) { this.pinged.set(c, now - Math.random() * every); continue } // spread new ones out
      if (now - last < every) continue
      this.pinged.set(c, now)
      budget--
      void this.pingConnection(c)
    }
  }

  /** Only an unanswered ping aborts the link; other failures (stream limits, a closing muxer) do not. */
  private async pingConnection (c: Connection): Promise<void> {
    if (this.pinging.has(c)) return
    this.pinging.add(c)
    // generous: a loaded host answers seconds late, and the heartbeat timeout (not this) is what
    // drops a silent member in small fleets; this only closes links to frozen peers in big ones
    const timeout = AbortSignal.timeout(Math.max(PING_TIMEOUT_MS, 2 * this.o.heartbeatMs))
    let stream: Stream | undefined
    const sent = performance.now()
    try {
      const muxer = muxerOf(c)
      if (muxer !== undefined) {
        await muxerPing(muxer, timeout)
      } else {
        stream = await c.newStream('/ipfs/ping/1.0.0', { signal: timeout, runOnLimitedConnection: true })
        await pingOver(stream, timeout)
      }
      noteRoundTrip(c, performance.now() - sent)
      this.pingMisses.delete(c)
    } catch (err) {
      stream?.abort(err as Error)
      if (this.stopped || c.status !== 'open' || !timeout.aborted) return
      // One late answer is what a busy peer (or our own busy event loop) looks like; a frozen one
      // misses every ping. Re-dialling a link that was only slow costs both ends a handshake, and
      // on loaded hosts that turned into a storm that kept newcomers from joining.
      const misses = (this.pingMisses.get(c) ?? 0) + 1
      this.pingMisses.set(c, misses)
      if (misses < PING_MISSES) return
      this.log.debug('pings unanswered; closing the connection', { peer: c.remotePeer.toString(), misses })
      c.abort(err as Error)
    } finally {
      this.pinging.delete(c)
    }
  }

  private schedulePublish (): void {
    if (this.publishSoon !== undefined || this.stopped) return
    this.publishSoon = setTimeout(() => {
      this.publishSoon = undefined
      this.announceRecord()
      if (this.heartbeatsNeeded()) void this.publish()
    }, 20)
    this.publishSoon.unref()
  }

  /** A changed record (state, addresses, component hashes) goes out with a higher incarnation. */
  private announceRecord (): void {
    if (this.detector === undefined || this.stopped) return
    const self = this.membership.selfInfo
    self.addrs = this.multiaddrs()
    const data = encodeRecord({ name: self.name, addrs: self.addrs, httpAddr: self.httpAddr, state: self.state, version: self.version, components: self.components })
    if (Buffer.from(data).toString('latin1') === this.announcedRecord) return
    this.detector.updateMeta(this.selfRecord())
  }

  /**
   * Publishes now and schedules the next regular heartbeat one interval (as it is now) later.
   * The full record goes out when it changed, when fullDue (a newcomer, a request, our start),
   * every fullEvery() beats (scale.ts), and always while an older node (full beats only) is a member;
   * otherwise a small alive beat naming the record by its digest.
   */
  private async publish (): Promise<void> {
    if (this.stopped) return
    const intervalMs = this.heartbeatIntervalMs()
    if (this.publishTimer !== undefined) clearTimeout(this.publishTimer)
    this.publishTimer = setTimeout(() => { void this.publish() }, intervalMs)
    this.publishTimer.unref()
    if (this.detector !== undefined) this.announceRecord()
    if (!this.heartbeatsNeeded()) return
    const self = this.membership.selfInfo
    self.addrs = this.multiaddrs()
    self.lastHeartbeat = Date.now()
    const digest = recordDigest(self)
    const want = this.membership.wanted().slice(0, MAX_WANT).map(shortId)
    // with the detector, heartbeats are for older members only: full, without a digest, so they
    // answer with full beats too (they treat us as an older node) and we need no alive beats
    const full = this.detector !== undefined || this.fullDue || digest !== this.sentDigest ||
      this.sinceFull >= fullEvery(this.o.heartbeatMs, intervalMs) - 1 || self.state === 'terminating' || this.membership.hasLegacy()
    let topic = this.topic
    let data: Uint8Array
    if (full) {
      const hb: Heartbeat = {
        peerId: this.peerId, name: self.name, addrs: self.addrs, httpAddr: self.httpAddr, state: self.state,
        seq: ++this.seq, version: self.version, components: self.components, intervalMs, want,
        ...(this.detector !== undefined ? { swim: true } : { digest }),
      }
      data = encodeHeartbeat(hb)
      this.lastHeartbeatBytes = data.length
      this.fullDue = false
      this.sinceFull = 0
      this.sentDigest = digest
      this.sent.full++
    } else {
      topic = this.alive
      data = encodeAlive({ seq: ++this.seq, intervalMs, digest, want })
      this.lastAliveBytes = data.length
      this.sinceFull++
      this.sent.alive++
    }
    try {
      await this.libp2p.services.pubsub.publish(topic, data)
    } catch (err) {
      this.log.debug('heartbeat not published', { err })
    }
  }

  /** A beat asked for our full record (its sender lacks it or holds an outdated one). */
  private askedFor (want: string[] | undefined): void {
    if (want !== undefined && want.includes(shortId(this.peerId))) this.greet()
  }

  /** Gossipsub topic validator: runs before a message is delivered or forwarded; never throws. */
  private validate (msg: Message): TopicValidatorResult {
    this.metrics.gossipReceived.inc()
    if (msg.type !== 'signed') return this.reject('unsigned')
    const decoded = decodeHeartbeat(msg.data)
    if (!decoded.ok) return this.reject(decoded.reason)
    if (this.detector !== undefined && (decoded.hb.swim === true || this.membership.isDetected(decoded.hb.peerId))) {
      // a newer node's beat for older members: the detector knows it already; pass it on
      return decoded.hb.peerId === msg.from.toString() ? TopicValidatorResult.Accept : this.reject('wrong_sender')
    }
    const why = this.membership.check(decoded.hb, msg.from.toString())
    if (why !== undefined) {
      // stale/quarantined heartbeats can be honest reorderings: ignore without penalising the relay
      return why === 'wrong_sender' ? this.reject(why) : this.reject(why, TopicValidatorResult.Ignore)
    }
    this.membership.apply(decoded.hb)
    if (decoded.hb.state !== 'terminating') this.dialMember(decoded.hb)
    this.askedFor(decoded.hb.want)
    return TopicValidatorResult.Accept
  }

  /** Validator of the alive topic: the same checks as a full beat, minus the record. */
  private validateAlive (msg: Message): TopicValidatorResult {
    this.metrics.gossipReceived.inc()
    if (msg.type !== 'signed') return this.reject('unsigned')
    const decoded = decodeAlive(msg.data, msg.from.toString())
    if (!decoded.ok) return this.reject(decoded.reason)
    if (this.membership.isDetected(decoded.alive.peerId)) return TopicValidatorResult.Accept
    const why = this.membership.checkAlive(decoded.alive)
    if (why !== undefined) return this.reject(why, TopicValidatorResult.Ignore)
    // a peer whose record we lack or hold outdated is named in our next beat's `want`, which
    // goes out early where intervals are long (a member back from a drop, a missed change)
    if (this.membership.applyAlive(decoded.alive) !== 'current') this.earlyBeat()
    this.askedFor(decoded.alive.want)
    return TopicValidatorResult.Accept
  }

  private reject (reason: string, result = TopicValidatorResult.Reject): TopicValidatorResult {
    this.metrics.gossipRejected.inc({ reason })
    return result
  }

  private onMembershipEvent (ev: MembershipEvent): void {
    // a newcomer (or a member back from a drop) may know nothing of us: our next beat is full
    if (ev.kind === 'join') this.fullDue = true
    if (ev.kind === 'join' && !this.heardPeer) {
      this.heardPeer = true
      // in a big fleet (long intervals) wait for the early heartbeats members send newcomers
      const theirs = this.membership.intervalOf(ev.peerId)
      const early = theirs > this.o.heartbeatMs ? Math.min(theirs, 5 * this.o.heartbeatMs) : 0
      this.holdSync(Date.now() + Math.ceil(1.5 * this.o.heartbeatMs) + early, true)
    } else if (ev.kind === 'join') {
      this.greet()
    }
    if (ev.membershipChange) this.metrics.membershipChanges.inc()
    if (ev.kind !== 'update') this.log.info(ev.kind === 'join' ? 'peer joined' : 'peer left', { peer: ev.peerId, reason: ev.reason })
    if (ev.kind === 'join') void this.reservation.ensure() // the relay may have identified before it joined
    this.updatePeerGauge()
    // wait-for-size may just have been met: announce participant if so
    this.refreshState()
  }

  /** A newcomer (or a member that asked for our record) gets it in our next heartbeat, which is
   *  full. In a fleet with long intervals that one comes early, at a random moment so the whole
   *  fleet does not answer at once, and at most once every EARLY_HEARTBEAT_EVERY base intervals
   *  so churn stays cheap. */
  private greet (): void {
    this.fullDue = true
    this.earlyBeat()
  }

  /** The next heartbeat soon (at a random moment within 5 base intervals) where intervals are
   *  long, at most once every EARLY_HEARTBEAT_EVERY base intervals. */
  private earlyBeat (): void {
    const interval = this.heartbeatIntervalMs()
    const now = Date.now()
    if (interval <= this.o.heartbeatMs || now - this.lastEarly < EARLY_HEARTBEAT_EVERY * this.o.heartbeatMs) return
    this.lastEarly = now
    const t = setTimeout(() => { void this.publish() }, Math.random() * Math.min(interval, 5 * this.o.heartbeatMs))
    t.unref()
    this.timers.push(t)
  }

  private updatePeerGauge (): void {
    const counts: Record<PeerState, number> = { viewer: 0, participant: 0, terminating: 0 }
    for (const p of this.membership.peers()) counts[p.state]++
    for (const [state, n] of Object.entries(counts)) this.metrics.peers.set({ state }, n)
  }

  /**
   * A direct link to a member closed. Drop the member at once only if it is really gone: a ping
   * (which re-dials, through a relay too) fails AND no heartbeat sent after the close arrives
   * through other members within two heartbeat intervals. A member we cannot reach ourselves
   * stays as long as its heartbeats come in some other way; relayed links coming and going
   * (duration/data limits) never count.
   */
  private async onConnectionClose (conn: Connection): Promise<void> {
    const peer = conn.remotePeer
    const id = peer.toString()
    if (this.libp2p.getConnections(peer).length === 0) this.olderLinks.delete(id)
    if (this.stopped || conn.limits !== undefined || !this.membership.has(id)) return
    if (this.libp2p.getConnections(peer).some(c => c.status === 'open' && c.limits === undefined)) return
    // the detector's probe (through others if need be) tells whether it is gone
    if (this.membership.isDetected(id)) { this.detector?.probeSoon(id); return }
    const t0 = Date.now()
    try {
      await this.libp2p.services.ping.ping(peer, { signal: AbortSignal.timeout(Math.max(1000, this.o.heartbeatMs)) })
      return
    } catch { /* not answering: look for heartbeats via others */ }
    // two of its intervals, but no more than three of ours: in a big fleet a member reachable only
    // through others may flap once (back at its next heartbeat) rather than a dead one linger
    const wait = t0 + Math.min(2 * this.membership.intervalOf(id), 3 * this.o.heartbeatMs) - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait).unref())
    const p = this.membership.get(id)
    // a heartbeat already in flight when the link closed arrives within milliseconds; a later one proves life
    if (this.stopped || p === undefined || p.lastHeartbeat > t0 + Math.min(250, this.o.heartbeatMs / 2)) return
    if (this.membership.dropUnreachable(id)) this.log.debug('peer unreachable after disconnect', { peer: id })
  }

  /** Heartbeats carry addresses: remember them all (relay ones serve API requests), and connect
   *  directly to members we only hear about through others. */
  private dialMember (hb: Pick<Heartbeat, 'peerId' | 'addrs'>): void {
    const peer = peerIdFromString(hb.peerId)
    if (this.libp2p.getConnections(peer).some(c => c.limits === undefined)) return
    const addrs = []
    for (const a of hb.addrs) {
      try { addrs.push(multiaddr(a)) } catch { /* unparseable address: skip */ }
    }
    if (addrs.length === 0) return
    void this.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).then(() => { this.maybeDial(peer) }, () => {})
  }

  /** Dials a member's direct addresses (never a relay: gossip does not run over relayed links, so
   *  such a link would only use up the relay), backing off on failure. */
  private maybeDial (peer: PeerId): void {
    const id = peer.toString()
    if (this.stopped || id === this.peerId || this.foreign.has(id) || this.libp2p.getConnections(peer).some(c => c.limits === undefined)) return
    // enough links for the gossip mesh and the fast paths: the rest we hear of through gossip
    if (this.libp2p.getConnections().length >= MAX_DIRECT_CONNECTIONS) return
    const now = Date.now()
    const base = Math.max(5000, 5 * this.o.heartbeatMs)
    // Both ends of a pair hear of each other at about the same time: the lower peer id dials, the
    // other only if no link came within one back-off (it cannot be dialled, say). One link per
    // pair instead of two halves the pings and keeps-alive each node pays for.
    if (!this.lastDial.has(id) && this.peerId > id) { this.lastDial.set(id, { at: now, wait: base }); return }
    const last = this.lastDial.get(id) ?? { at: 0, wait: base }
    if (now - last.at < last.wait) return
    this.lastDial.set(id, { at: now, wait: last.wait })
    void (async () => {
      const known = await this.libp2p.peerStore.get(peer).catch(() => undefined)
      const direct = (known?.addresses ?? []).map(a => a.multiaddr).filter(a => !isCircuit(a.toString()))
        .map(a => a.toString().includes('/p2p/') ? a : a.encapsulate(`/p2p/${id}`))
      if (direct.length === 0) return
      await this.libp2p.dial(direct, { signal: AbortSignal.timeout(10_000) })
      this.lastDial.set(id, { at: Date.now(), wait: base })
    })().catch(err => {
      this.lastDial.set(id, { at: Date.now(), wait: Math.min(300_000, last.wait * 2) })
      this.log.debug('dial failed', { peer: id, err })
    })
  }

  serveApi (answer: LocalApi): void { this.api.serve(answer) }

  async requestApi (peerId: string, path: string, signal?: AbortSignal): Promise<ApiReply> {
    return await this.api.request(peerId, path, signal)
  }

  /**
   * Dials join addresses whose peer is not connected: at start, every rejoin interval, and, while
   * the node is alone, again after a short jittered back-off (joinRetryDelay) instead of a whole
   * rejoin interval: a join that failed (peer restarting, busy, not up yet) must not leave a node
   * outside the fleet for a minute.
   */
  private async rejoin (): Promise<void> {
    if (this.rejoining !== undefined) { await this.rejoining; return }
    this.nextJoinAt = Infinity
    this.rejoining = this.joinRound().finally(() => {
      this.rejoining = undefined
      if (!this.alone()) this.joinFailures = 0 // else tick() schedules the next round
    })
    await this.rejoining
  }

  /** No member heard and no open link: nobody will tell us about the fleet but a join address. */
  private alone (): boolean {
    return this.membership.size === 1 && !this.libp2p.getConnections().some(c => c.status === 'open')
  }

  private async joinRound (): Promise<void> {
    let fromFile: string[] = []
    if (this.o.joinFile !== undefined) {
      try { fromFile = readJoinFile(this.o.joinFile) } catch (err) { this.log.warn('cannot read join file', { file: this.o.joinFile, err }) }
    }
    await Promise.all([...new Set([...this.o.joinAddrs, ...fromFile])].map(async addr => {
      const known = this.joined.get(addr)
      if (known !== undefined && (this.foreign.has(known) || this.libp2p.getConnections(peerIdFromString(known)).length > 0)) return
      try {
        const conn = await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
        if (conn.remotePeer.toString() === this.peerId) return
        this.joined.set(addr, conn.remotePeer.toString())
      } catch (err) {
        if (!this.stopped) this.log.warn('cannot reach join address', { addr, err })
      }
    }))
  }
}

/**
 * Detector timing from the heartbeat options: a protocol period of half a heartbeat (≥ 200 ms),
 * a direct-probe timeout of half a period (the rest is for the indirect probes), and a suspicion
 * of missedHeartbeats (≥ 2) periods × max(1, log10 N), up to twice that while fewer than three
 * other members confirm it. With the defaults (1 s, 3) a dead member is suspected within ~1.5
 * periods and removed 1.5–3 s later (sooner the more members notice it).
 */
function swimTiming (o: ResolvedOptions): { probeIntervalMs: number, probeTimeoutMs: number, suspicionMult: number, suspicionMaxMult: number, gossipIntervalMs: number } {
  const period = Math.max(200, Math.round(o.heartbeatMs / 2))
  return { probeIntervalMs: period, probeTimeoutMs: Math.round(period / 2), suspicionMult: Math.max(2, o.missedHeartbeats), suspicionMaxMult: 2, gossipIntervalMs: Math.min(200, period) }
}

/**
 * A yamux ping frame: 30 bytes each way through noise, where the ping protocol costs a stream
 * (open, protocol negotiation, 32 bytes each way, close: several hundred). The muxer is asked
 * without our timeout, so its ping stays outstanding and a late pong still matches it (yamux
 * treats a pong nobody waits for as a protocol error and closes the link); the next ping while
 * one is outstanding waits for the same pong, so misses still count as before.
 */
async function muxerPing (muxer: MuxerPing, signal: AbortSignal): Promise<void> {
  const pong = muxer.ping()
  pong.catch(() => {}) // a closed muxer: our timeout reports it
  await new Promise<void>((resolve, reject) => {
    if (signal.aborted) { reject(signal.reason as Error); return }
    const onAbort = (): void => { reject(signal.reason as Error) }
    signal.addEventListener('abort', onAbort, { once: true })
    pong.then(() => { signal.removeEventListener('abort', onAbort); resolve() }, (err: Error) => { signal.removeEventListener('abort', onAbort); reject(err) })
  })
}

/** The ping protocol: 32 random bytes, echoed back (connections without a yamux muxer). */
async function pingOver (stream: Stream, signal: AbortSignal): Promise<void> {
  const out = crypto.getRandomValues(new Uint8Array(32))
  const got: Uint8Array[] = []
  let n = 0
  const done = new Promise<void>((resolve, reject) => {
    stream.addEventListener('message', ev => {
      const chunk = ev.data.subarray()
      got.push(chunk)
      n += chunk.length
      if (n >= 32) resolve()
    })
    stream.addEventListener('close', () => { if (n < 32) reject(new Error('ping stream closed early')) })
    signal.addEventListener('abort', () => { reject(signal.reason as Error) }, { once: true })
  })
  done.catch(() => {}) // awaited below; keeps a late abort from being unhandled
  stream.send(out)
  await done
  const echo = Buffer.concat(got).subarray(0, 32)
  if (!echo.equals(out)) throw new Error('ping echo differs')
  await stream.close({ signal })
}
