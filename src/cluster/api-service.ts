// The fleet's API protocol (api-protocol.ts) on a node: it serves our answers and forwards one hop
// over links we already have, and asks any member over our own link (direct or relayed) or, when
// that fails, through up to three members we are directly linked to.

import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { allowedPath, exchange, RateLimiter, serveStream } from './api-protocol.js'
import type { ApiReply, LocalApi } from './types.js'

type ApiConnection = Pick<Connection, 'status' | 'limits' | 'remotePeer' | 'newStream'>

/** The part of libp2p the API protocol uses. */
export interface ApiServiceComponents {
  handle (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: StreamHandlerOptions): Promise<void>
  dial (peer: PeerId, options: { signal: AbortSignal }): Promise<ApiConnection>
  getConnections (peer?: PeerId): ApiConnection[]
  peerStore: { get (peer: PeerId): Promise<{ protocols: string[] }> }
}

export interface ApiServiceInit {
  protocol: string
  /** Our peer id. */
  self: string
  /** Only live members are asked, served or forwarded to. */
  isMember: (peerId: string) => boolean
  /** A request's whole budget when the caller gives no signal. Default 15 s. */
  timeoutMs?: number
  /** Our own dial of the member. Default 8 s. */
  dialTimeoutMs?: number
  /** Each try through a linked member. Default 6 s. */
  hopTimeoutMs?: number
  /** Linked members tried as hops. Default 3. */
  maxHops?: number
}

export class ApiService {
  private readonly net: ApiServiceComponents
  private readonly o: Required<ApiServiceInit>
  private answer: LocalApi | undefined
  private readonly limiter = new RateLimiter()

  constructor (components: ApiServiceComponents, init: ApiServiceInit) {
    this.net = components
    this.o = { timeoutMs: 15_000, dialTimeoutMs: 8000, hopTimeoutMs: 6000, maxHops: 3, ...init }
  }

  async start (): Promise<void> {
    await this.net.handle(this.o.protocol, (stream, connection) => {
      void serveStream(stream, connection, {
        self: this.o.self,
        isMember: this.o.isMember,
        openExisting: async (id, signal) => await this.openExisting(id, signal),
        answer: () => this.answer,
        limiter: this.limiter,
      })
    }, { maxInboundStreams: 8, maxOutboundStreams: 32, runOnLimitedConnection: true })
  }

  serve (answer: LocalApi): void { this.answer = answer }

  async request (peerId: string, path: string, signal: AbortSignal = AbortSignal.timeout(this.o.timeoutMs)): Promise<ApiReply> {
    const fail = (status: number, error: string): ApiReply => ({ status, body: JSON.stringify({ error }), via: 'none' })
    if (!allowedPath(path)) return fail(404, `path ${path} is not served to peers`)
    if (peerId === this.o.self) {
      if (this.answer === undefined) return fail(503, 'API not ready')
      const r = await this.answer(path)
      return { status: r.status, body: JSON.stringify(r.body), via: 'self' }
    }
    if (!this.o.isMember(peerId)) return fail(404, `peer ${peerId} is not a live member of this fleet`)
    const errors: string[] = []
    const peer = peerIdFromString(peerId)
    // 1. our own link: an open one, or a dial of its direct and relay addresses
    try {
      const conn = await this.net.dial(peer, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.o.dialTimeoutMs)]) })
      const stream = await conn.newStream(this.o.protocol, { signal, runOnLimitedConnection: true })
      const r = await exchange(stream, { p: path }, signal)
      return { ...r, via: conn.limits !== undefined ? 'relay' : 'direct' }
    } catch (err) {
      errors.push(`dial: ${(err as Error).message}`)
    }
    // 2. one hop through a member we are directly connected to (relays first: they see the most)
    const hops: ApiConnection[] = []
    for (const c of this.net.getConnections()) {
      const id = c.remotePeer.toString()
      if (c.status !== 'open' || c.limits !== undefined || id === peerId || !this.o.isMember(id) || hops.some(h => h.remotePeer.equals(c.remotePeer))) continue
      const p = await this.net.peerStore.get(c.remotePeer).catch(() => undefined)
      if (p?.protocols.includes(RELAY_V2_HOP_CODEC) === true) hops.unshift(c)
      else hops.push(c)
    }
    for (const c of hops.slice(0, this.o.maxHops)) {
      if (signal.aborted) break
      try {
        const stream = await c.newStream(this.o.protocol, { signal })
        const r = await exchange(stream, { p: path, t: peerId }, AbortSignal.any([signal, AbortSignal.timeout(this.o.hopTimeoutMs)]))
        if (r.status === 502 && r.body.includes('no connection to')) { errors.push(`via ${c.remotePeer.toString()}: no connection`); continue }
        return { ...r, via: 'forward' }
      } catch (err) {
        errors.push(`via ${c.remotePeer.toString()}: ${(err as Error).message}`)
      }
    }
    return fail(signal.aborted ? 504 : 502, `no route to ${peerId}: ${errors.join('; ')}`)
  }

  /** A stream to a peer over a link we already have (for forwarding: we never dial for others). */
  private async openExisting (peerId: string, signal: AbortSignal): Promise<Stream | undefined> {
    const conns = this.net.getConnections(peerIdFromString(peerId)).filter(c => c.status === 'open')
    conns.sort((a, b) => (a.limits === undefined ? 0 : 1) - (b.limits === undefined ? 0 : 1))
    if (conns.length === 0) return undefined
    return await conns[0].newStream(this.o.protocol, { signal, runOnLimitedConnection: true })
  }
}
