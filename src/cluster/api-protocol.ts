// The fleet's read-only API over libp2p (/shoal/<fleet>/api/1.0.0), so one node can show every
// other node's components even when it cannot reach their HTTP ports (NAT, firewalls, sites).
//
// One request per stream. Request: UTF-8 JSON {"p": path, "t"?: targetPeerId, "z"?: 1}, then the
// client closes its write side. Response: "<status>\n<JSON body>", or, when the request said "z"
// (it takes gzip) and the body is not tiny, "<status>z\n<gzip of the JSON body>"; then the server
// closes. Older peers ignore "z" and answer plain, so both kinds of client and server mix.
// With "t" naming another peer, the server forwards the request one hop to that peer over a
// connection it already has and relays the answer (never further: the forwarded request has no "t").

import { gunzipSync, gzipSync } from 'node:zlib'
import type { Connection, Stream } from '@libp2p/interface'
import type { LocalApi } from './types.js'

export const apiProtocol = (fleet: string): string => `/shoal/${fleet}/api/1.0.0`

export const MAX_REQUEST_BYTES = 4096
/** On the wire (compressed, when it is): room for the detail page of a large pool, which gzips well. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024
/** A response body once decompressed: bounds what a peer can make us allocate. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024
/** Bodies below this go plain: gzip would not pay for its header and CPU. */
const COMPRESS_FROM = 1024
/** Server side: the whole exchange, including a forward hop. */
export const SERVE_TIMEOUT_MS = 10_000
/** Per peer: a burst of RATE_BURST requests, then RATE_PER_SEC. */
export const RATE_BURST = 20
export const RATE_PER_SEC = 10

const PREFIX = '/api/v0/web'

/** The read-only paths peers may ask for; nothing else is ever answered. */
export function allowedPath (p: string): boolean {
  if (p === `${PREFIX}/components` || p === `${PREFIX}/peers` || p === `${PREFIX}/cluster/links/self`) return true
  const m = /^\/api\/v0\/web\/components\/(.+)$/.exec(p)
  return m !== null && m[1].length <= 512 && /^[A-Za-z0-9_.\-/]+$/.test(m[1]) && !m[1].split('/').includes('..')
}

export interface WireRequest { p: string, t?: string, /** the client takes gzip */ z?: 1 }

export function encodeRequest (r: WireRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(r))
}

export function decodeRequest (data: Uint8Array): WireRequest | undefined {
  try {
    const r = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Partial<WireRequest>
    if (r === null || typeof r !== 'object' || typeof r.p !== 'string' || r.p.length > 1024) return undefined
    if (r.t !== undefined && (typeof r.t !== 'string' || r.t.length > 128)) return undefined
    const out: WireRequest = r.t === undefined ? { p: r.p } : { p: r.p, t: r.t }
    if (r.z === 1) out.z = 1
    return out
  } catch {
    return undefined
  }
}

export function encodeResponse (status: number, body: string, gzip = false): Uint8Array {
  if (gzip && body.length >= COMPRESS_FROM) {
    const z = gzipSync(body, { level: 6 })
    const head = Buffer.from(`${status}z\n`)
    return Buffer.concat([head, z])
  }
  return new TextEncoder().encode(`${status}\n${body}`)
}

export function decodeResponse (data: Uint8Array): { status: number, body: string } | undefined {
  const nl = data.indexOf(10)
  if (nl < 1 || nl > 4) return undefined
  let head = new TextDecoder().decode(data.subarray(0, nl))
  const zipped = head.endsWith('z')
  if (zipped) head = head.slice(0, -1)
  if (!/^\d{3}$/.test(head)) return undefined
  const status = Number(head)
  if (status < 100 || status > 599) return undefined
  const rest = data.subarray(nl + 1)
  if (!zipped) return { status, body: new TextDecoder().decode(rest) }
  try {
    return { status, body: gunzipSync(rest, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8') }
  } catch {
    return undefined
  }
}

const errorBody = (msg: string): string => JSON.stringify({ error: msg })

/** Reads a stream to its end; aborts it past `limit` bytes or when `signal` fires. */
export async function readAll (stream: Stream, limit: number, signal: AbortSignal): Promise<Uint8Array> {
  const onAbort = (): void => { stream.abort(new Error('timed out')) }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const parts: Uint8Array[] = []
    let size = 0
    for await (const chunk of stream) {
      const buf = chunk.subarray()
      size += buf.byteLength
      if (size > limit) {
        stream.abort(new Error(`message larger than ${limit} bytes`))
        throw new Error(`message larger than ${limit} bytes`)
      }
      parts.push(buf)
    }
    if (signal.aborted) throw new Error('timed out')
    const out = new Uint8Array(size)
    let off = 0
    for (const p of parts) { out.set(p, off); off += p.byteLength }
    return out
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

async function sendAll (stream: Stream, data: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(data)) await stream.onDrain({ signal })
  await stream.close({ signal })
}

/** Client side of one exchange on an already opened stream. */
export async function exchange (stream: Stream, req: WireRequest, signal: AbortSignal): Promise<{ status: number, body: string }> {
  await sendAll(stream, encodeRequest({ ...req, z: 1 }), signal)
  const res = decodeResponse(await readAll(stream, MAX_RESPONSE_BYTES + 8, signal))
  if (res === undefined) throw new Error('malformed API response')
  return res
}

/** A token bucket per peer. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  constructor (private readonly burst = RATE_BURST, private readonly perSec = RATE_PER_SEC, private readonly now: () => number = Date.now) {}

  take (peer: string): boolean {
    const now = this.now()
    const b = this.buckets.get(peer) ?? { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perSec / 1000)
    b.at = now
    if (this.buckets.size > 1000) this.prune(now)
    this.buckets.set(peer, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  private prune (now: number): void {
    const full = this.burst * 1000 / this.perSec
    for (const [k, v] of this.buckets) if (now - v.at > full) this.buckets.delete(k)
  }
}

export interface ApiServerDeps {
  self: string
  isMember: (peerId: string) => boolean
  /** Opens a stream to a peer we already have a connection with (for one forward hop). */
  openExisting: (peerId: string, signal: AbortSignal) => Promise<Stream | undefined>
  answer: () => LocalApi | undefined
  limiter: RateLimiter
}

/** Answers one inbound request stream. Never throws. */
export async function serveStream (stream: Stream, connection: Connection, deps: ApiServerDeps): Promise<void> {
  const signal = AbortSignal.timeout(SERVE_TIMEOUT_MS)
  let status = 500
  let body = errorBody('internal error')
  let req: WireRequest | undefined
  try {
    const remote = connection.remotePeer.toString()
    const raw = await readAll(stream, MAX_REQUEST_BYTES, signal)
    req = decodeRequest(raw)
    if (!deps.isMember(remote)) {
      status = 403; body = errorBody('not a live member of this fleet')
    } else if (!deps.limiter.take(remote)) {
      status = 429; body = errorBody('too many requests')
    } else if (req === undefined) {
      status = 400; body = errorBody('malformed request')
    } else if (!allowedPath(req.p)) {
      status = 404; body = errorBody(`path ${req.p} is not served to peers`)
    } else if (req.t !== undefined && req.t !== deps.self) {
      ;({ status, body } = await forward(req.t, req.p, deps, signal))
    } else {
      ;({ status, body } = await answerLocal(req.p, deps))
    }
  } catch (err) {
    status = 500; body = errorBody((err as Error).message)
  }
  const gzip = req?.z === 1
  if (body.length > MAX_BODY_BYTES) { status = 502; body = errorBody(`response larger than ${MAX_BODY_BYTES} bytes`) }
  let wire = encodeResponse(status, body, gzip)
  if (wire.byteLength > MAX_RESPONSE_BYTES) wire = encodeResponse(502, errorBody(`response larger than ${MAX_RESPONSE_BYTES} bytes${gzip ? ' compressed' : ''}`))
  try {
    await sendAll(stream, wire, signal)
  } catch (err) {
    stream.abort(err as Error)
  }
}

async function answerLocal (path: string, deps: ApiServerDeps): Promise<{ status: number, body: string }> {
  const answer = deps.answer()
  if (answer === undefined) return { status: 503, body: errorBody('API not ready') }
  const r = await answer(path)
  return { status: r.status, body: JSON.stringify(r.body) }
}

async function forward (target: string, path: string, deps: ApiServerDeps, signal: AbortSignal): Promise<{ status: number, body: string }> {
  if (!deps.isMember(target)) return { status: 404, body: errorBody(`peer ${target} is not a live member`) }
  const stream = await deps.openExisting(target, signal).catch(() => undefined)
  if (stream === undefined) return { status: 502, body: errorBody(`no connection to ${target}`) }
  return await exchange(stream, { p: path }, signal)
}

