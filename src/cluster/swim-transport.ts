// The failure detector's transport on libp2p: detector messages (swim/codec.ts) over one stream
// per direction per linked member on /shoal/<fleet>/swim/1.0.0, length-prefixed, on links the
// node already has (fleet key, Noise and yamux as for everything else). Opening a stream per
// message would cost a yamux SYN and a protocol negotiation each time, several times the message.
//
// A member we have no link to (a site that only the hub can reach, a WebSockets-only or
// relay-only member) is reached one hop through a member we do have a link to: the message goes
// to that hop wrapped with its destination, and the hop hands it on over its own link, naming us
// as the sender. The receiver remembers the hop and answers through it. Hops never dial and never
// forward further, so a message crosses at most two links. The detector's indirect probes then
// cover the rest (k other members probe for us, each through its own links).
//
// Frames: varint length, then a kind byte:
//   0 detector message                      (from the link's remote peer)
//   1 to-id, detector message               (please hand on to `to`)
//   2 from-id, detector message             (handed on from `from` by the link's remote peer)
// ids are varint-length UTF-8 peer ids.

import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { MAX_MESSAGE_BYTES } from './swim/codec.js'
import type { SwimTransport } from './swim/types.js'

export const swimProtocol = (fleet: string): string => `/shoal/${fleet}/swim/1.0.0`

/** The part of libp2p the transport uses. */
export interface SwimLinksComponents {
  handle (protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>, options?: StreamHandlerOptions): Promise<void>
  unhandle (protocol: string): Promise<void>
  getConnections (peer?: PeerId): Connection[]
}

export interface SwimLinksInit {
  protocol: string
  /** Our peer id. */
  self: string
  /** A detector message from `from` (the link's remote peer, or the member a hop names). */
  onMessage: (from: string, data: Uint8Array) => void
  /** We hold no link to `id` (the message went through hops): a chance to dial it. */
  onNoLink?: (id: string) => void
  /** Hops tried for a member we have no link to and no known route for. Default 2. */
  hops?: number
  /** Frames queued per member while its stream opens. Default 32. */
  maxQueue?: number
  /** Members whose hop we remember. Default 4096. */
  maxRoutes?: number
}

interface Outbound { conn: Connection, stream: Stream | undefined, queue: Uint8Array[], failed: boolean }

const DIRECT = 0
const FORWARD = 1
const FORWARDED = 2
const MAX_ID_BYTES = 256
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export class SwimLinks implements SwimTransport {
  private readonly net: SwimLinksComponents
  private readonly o: Required<Omit<SwimLinksInit, 'onNoLink'>> & Pick<SwimLinksInit, 'onNoLink'>
  private readonly out = new Map<string, Outbound>()
  /** member → the hop its messages came through (we have no link to it). */
  private readonly routes = new Map<string, string>()
  private running = false
  readonly stats = { framesOut: 0, framesIn: 0, bytesOut: 0, bytesIn: 0, viaHop: 0, handedOn: 0, dropped: 0 }

  constructor (components: SwimLinksComponents, init: SwimLinksInit) {
    this.net = components
    this.o = { hops: 2, maxQueue: 32, maxRoutes: 4096, ...init }
  }

  async start (): Promise<void> {
    this.running = true
    await this.net.handle(this.o.protocol, (stream, connection) => { void this.read(stream, connection) },
      { maxInboundStreams: 4, maxOutboundStreams: 4, runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    this.running = false
    for (const o of this.out.values()) o.stream?.abort(new Error('stopping'))
    this.out.clear()
    await this.net.unhandle(this.o.protocol).catch(() => {})
  }

  send (to: string, data: Uint8Array): void {
    if (!this.running || to === this.o.self) return
    if (this.write(to, frame(DIRECT, undefined, data))) return
    const hops = this.hopsFor(to)
    if (hops.length === 0) { this.stats.dropped++; return }
    const f = frame(FORWARD, to, data)
    for (const h of hops) if (this.write(h, f)) this.stats.viaHop++
    this.o.onNoLink?.(to)
  }

  /** Opens our stream to a member we just linked to, so its first probe does not wait for the
   *  protocol negotiation (a probe timeout is a fraction of a second). */
  warm (id: string): void {
    if (!this.running || id === this.o.self || this.out.has(id)) return
    const conn = this.pickConn(id)
    if (conn === undefined) return
    const o: Outbound = { conn, stream: undefined, queue: [], failed: false }
    this.out.set(id, o)
    void this.open(id, o)
  }

  /** Whether we hold an open link to `id`. */
  linked (id: string): boolean { return this.pickConn(id) !== undefined }

  /** Writes a frame over a link we have (never dials); false: no open link. */
  private write (to: string, f: Uint8Array): boolean {
    let o = this.out.get(to)
    if (o !== undefined && (o.failed || o.conn.status !== 'open' || (o.stream !== undefined && o.stream.writeStatus !== 'writable'))) {
      this.out.delete(to)
      o = undefined
    }
    if (o === undefined) {
      const conn = this.pickConn(to)
      if (conn === undefined) return false
      const fresh: Outbound = { conn, stream: undefined, queue: [f], failed: false }
      this.out.set(to, fresh)
      void this.open(to, fresh)
      return true
    }
    if (o.stream === undefined) {
      if (o.queue.length < this.o.maxQueue) o.queue.push(f)
      else this.stats.dropped++
      return true
    }
    this.push(o, f)
    return true
  }

  private push (o: Outbound, f: Uint8Array): void {
    try {
      // best effort: a full send buffer is yamux's to drain, and detector messages are small
      o.stream?.send(f)
      this.stats.framesOut++
      this.stats.bytesOut += f.length
    } catch {
      o.failed = true
      this.stats.dropped++
    }
  }

  private async open (to: string, o: Outbound): Promise<void> {
    try {
      o.stream = await o.conn.newStream(this.o.protocol, { runOnLimitedConnection: true, signal: AbortSignal.timeout(5000) })
      o.stream.addEventListener('close', () => { if (this.out.get(to) === o) this.out.delete(to) })
      const q = o.queue
      o.queue = []
      for (const f of q) this.push(o, f)
    } catch {
      o.failed = true
      this.stats.dropped += o.queue.length
      o.queue = []
      if (this.out.get(to) === o) this.out.delete(to)
    }
  }

  /** An open link to `id`, direct ones first. */
  private pickConn (id: string): Connection | undefined {
    let peer: PeerId
    try { peer = peerIdFromString(id) } catch { return undefined }
    let limited: Connection | undefined
    for (const c of this.net.getConnections(peer)) {
      if (c.status !== 'open') continue
      if (c.limits === undefined) return c
      limited ??= c
    }
    return limited
  }

  /** Where to send a message for a member we have no link to: the hop its messages came
   *  through, else a few random members we have links to. */
  private hopsFor (to: string): string[] {
    const known = this.routes.get(to)
    if (known !== undefined && this.pickConn(known) !== undefined) return [known]
    const ids = new Set<string>()
    for (const c of this.net.getConnections()) {
      const id = c.remotePeer.toString()
      if (c.status === 'open' && id !== to) ids.add(id)
    }
    const all = [...ids]
    for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [all[i], all[j]] = [all[j], all[i]] }
    return all.slice(0, this.o.hops)
  }

  private remember (member: string, hop: string): void {
    if (this.routes.get(member) === hop) return
    this.routes.delete(member)
    if (this.routes.size >= this.o.maxRoutes) this.routes.delete(this.routes.keys().next().value as string)
    this.routes.set(member, hop)
  }

  /** Reads one inbound stream's frames until it ends. */
  private async read (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    let buf: Uint8Array = new Uint8Array(0)
    try {
      for await (const chunk of stream) {
        const c = chunk.subarray()
        buf = buf.length === 0 ? c : concat(buf, c)
        let at = 0
        for (;;) {
          const head = readVarint(buf, at)
          if (head === undefined) break
          const [len, start] = head
          if (len > MAX_MESSAGE_BYTES + 2 * MAX_ID_BYTES + 8) throw new Error('swim frame too large')
          if (start + len > buf.length) break
          this.onFrame(remote, buf.subarray(start, start + len))
          at = start + len
        }
        buf = at === 0 ? buf : buf.slice(at)
      }
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  private onFrame (remote: string, f: Uint8Array): void {
    if (!this.running || f.length < 1) return
    this.stats.framesIn++
    this.stats.bytesIn += f.length
    const kind = f[0]
    if (kind === DIRECT) {
      this.routes.delete(remote)
      this.o.onMessage(remote, f.subarray(1))
      return
    }
    const id = readId(f, 1)
    if (id === undefined) return
    const [peer, rest] = id
    const data = f.subarray(rest)
    if (kind === FORWARD) {
      if (peer === this.o.self) { this.o.onMessage(remote, data); return }
      // one hop only, over a link we already have
      if (peer !== remote && this.write(peer, frame(FORWARDED, remote, data))) this.stats.handedOn++
      else this.stats.dropped++
    } else if (kind === FORWARDED) {
      if (peer === this.o.self) return
      this.remember(peer, remote)
      this.o.onMessage(peer, data)
    }
  }
}

function frame (kind: number, id: string | undefined, data: Uint8Array): Uint8Array {
  const idBytes = id === undefined ? undefined : utf8.encode(id)
  const body = 1 + (idBytes === undefined ? 0 : varintSize(idBytes.length) + idBytes.length) + data.length
  const out = new Uint8Array(varintSize(body) + body)
  let at = writeVarint(out, 0, body)
  out[at++] = kind
  if (idBytes !== undefined) { at = writeVarint(out, at, idBytes.length); out.set(idBytes, at); at += idBytes.length }
  out.set(data, at)
  return out
}

function readId (f: Uint8Array, at: number): [string, number] | undefined {
  const head = readVarint(f, at)
  if (head === undefined) return undefined
  const [len, start] = head
  if (len === 0 || len > MAX_ID_BYTES || start + len > f.length) return undefined
  try { return [fromUtf8.decode(f.subarray(start, start + len)), start + len] } catch { return undefined }
}

function varintSize (n: number): number {
  let size = 1
  while (n >= 0x80) { n = Math.floor(n / 128); size++ }
  return size
}

function writeVarint (buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) { buf[at++] = (n % 128) | 0x80; n = Math.floor(n / 128) }
  buf[at++] = n
  return at
}

/** [value, offset after it], or undefined when the buffer ends first. */
function readVarint (buf: Uint8Array, at: number): [number, number] | undefined {
  let n = 0
  let mul = 1
  for (let i = 0; i < 5; i++) {
    if (at + i >= buf.length) return undefined
    const b = buf[at + i]
    n += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return [n, at + i + 1]
    mul *= 128
  }
  throw new Error('swim frame length')
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
