// The membership heartbeat: compact JSON with short keys, signed by gossipsub (StrictSign), so the
// message's `from` proves who sent it. decode() never throws: it returns a reason instead.
// Two kinds: the full record (on the membership topic) and, while nothing changed, a small
// "alive" beat (on the alive topic) that names the record by its digest (docs/fleet-scale.md).

import { createHash } from 'node:crypto'
import type { PeerState } from './types.js'

export const MAX_HEARTBEAT_BYTES = 16 * 1024

export interface Heartbeat {
  peerId: string
  name: string
  addrs: string[]
  httpAddr: string
  state: PeerState
  /** Strictly increasing per sender; starts at the wall clock (ms) so a restart stays ahead. */
  seq: number
  version: string
  components: Record<string, string>
  /** The sender's heartbeat interval (ms) when it sent this; absent from older nodes. */
  intervalMs?: number
  /** recordDigest() of this record; absent from older nodes (they understand full beats only). */
  digest?: string
  /** shortId()s of peers whose full record the sender lacks: they should send one soon. */
  want?: string[]
  /** The sender runs the failure detector (swim/): it sends heartbeats only for older members,
   *  and newer nodes know it from the detector instead. Ignored by older decoders. */
  swim?: boolean
}

/** "Still alive, record unchanged": the sender is gossipsub's signed `from`. */
export interface Alive {
  peerId: string
  seq: number
  intervalMs: number
  /** recordDigest() of the sender's current record. */
  digest: string
  want?: string[]
}

interface Wire { v: 1, id: string, n: string, a: string[], h: string, s: 'v' | 'p' | 't', q: number, ver: string, c: Record<string, string>, i?: number, d?: string, w?: string[], sw?: 1 }

/** Most peers a beat asks for records of (a newcomer learns the rest from the join greetings). */
export const MAX_WANT = 16
const DIGEST_CHARS = 8
const SHORT_ID_CHARS = 6

/** 6 bytes (8 base64url characters) of sha256 over the record's fields: changes whenever anything but seq/interval does. */
export function recordDigest (r: Pick<Heartbeat, 'name' | 'addrs' | 'httpAddr' | 'state' | 'version' | 'components'>): string {
  const comps = Object.entries(r.components).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
  return createHash('sha256').update(JSON.stringify([r.name, r.addrs, r.httpAddr, r.state, r.version, comps]))
    .digest('base64url').slice(0, DIGEST_CHARS)
}

/** How a beat names a peer in `want`: the tail of its id (a collision only costs an extra full beat). */
export const shortId = (peerId: string): string => peerId.slice(-SHORT_ID_CHARS)

const STATE_TO_WIRE = { viewer: 'v', participant: 'p', terminating: 't' } as const
const WIRE_TO_STATE: Record<string, PeerState> = { v: 'viewer', p: 'participant', t: 'terminating' }

export function encodeHeartbeat (hb: Heartbeat): Uint8Array {
  const w: Wire = { v: 1, id: hb.peerId, n: hb.name, a: hb.addrs, h: hb.httpAddr, s: STATE_TO_WIRE[hb.state], q: hb.seq, ver: hb.version, c: hb.components }
  if (hb.intervalMs !== undefined) w.i = hb.intervalMs
  if (hb.digest !== undefined) w.d = hb.digest
  if (hb.want !== undefined && hb.want.length > 0) w.w = hb.want
  if (hb.swim === true) w.sw = 1
  return new TextEncoder().encode(JSON.stringify(w))
}

/**
 * Alive beats are binary: most beats are these, and next to gossipsub's signed envelope the
 * JSON would be a large share of the traffic. Layout: version 1 (1 byte), seq (uint64),
 * interval ms (uint32), digest (6 bytes), then 0–MAX_WANT short ids of 6 ASCII bytes each.
 */
const ALIVE_HEAD = 19
const SHORT_ID_BYTES = 6

export function encodeAlive (a: Omit<Alive, 'peerId'>): Uint8Array {
  const want = (a.want ?? []).filter(w => w.length === SHORT_ID_BYTES && /^[\x21-\x7e]+$/.test(w)).slice(0, MAX_WANT)
  const buf = Buffer.alloc(ALIVE_HEAD + want.length * SHORT_ID_BYTES)
  buf[0] = 1
  buf.writeBigUInt64BE(BigInt(a.seq), 1)
  buf.writeUInt32BE(Math.min(a.intervalMs, 0xffffffff), 9)
  Buffer.from(a.digest, 'base64url').copy(buf, 13, 0, 6)
  want.forEach((w, i) => buf.write(w, ALIVE_HEAD + i * SHORT_ID_BYTES, 'latin1'))
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length)
}

export type DecodeResult = { ok: true, hb: Heartbeat } | { ok: false, reason: 'too_large' | 'malformed' }

const isStr = (x: unknown): x is string => typeof x === 'string' && x.length <= 1024
const isDigest = (x: unknown): boolean => x === undefined || (typeof x === 'string' && x.length <= 64)
/** Only a digest alive beats can carry counts; another form (a later version) is as good as none. */
const DIGEST_RE = /^[A-Za-z0-9_-]{8}$/
const isWant = (x: unknown): boolean => x === undefined || (Array.isArray(x) && x.length <= MAX_WANT && x.every(y => typeof y === 'string' && y.length <= 64))
const isInterval = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) > 0
const decoder = new TextDecoder('utf-8', { fatal: true })

export function decodeHeartbeat (data: Uint8Array): DecodeResult {
  if (data.length > MAX_HEARTBEAT_BYTES) return { ok: false, reason: 'too_large' }
  let w: Partial<Wire>
  try {
    w = JSON.parse(decoder.decode(data)) as Partial<Wire>
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (w === null || typeof w !== 'object' || w.v !== 1) return { ok: false, reason: 'malformed' }
  const state = typeof w.s === 'string' ? WIRE_TO_STATE[w.s] : undefined
  if (!isStr(w.id) || w.id === '' || !isStr(w.n) || !isStr(w.h) || !isStr(w.ver) || state === undefined ||
      !Number.isSafeInteger(w.q) || (w.q as number) < 0 ||
      (w.i !== undefined && !isInterval(w.i)) || !isDigest(w.d) || !isWant(w.w) ||
      !Array.isArray(w.a) || w.a.length > 64 || !w.a.every(isStr) ||
      w.c === null || typeof w.c !== 'object' || Array.isArray(w.c) ||
      !Object.entries(w.c).every(([k, v]) => isStr(k) && isStr(v))) {
    return { ok: false, reason: 'malformed' }
  }
  const hb: Heartbeat = { peerId: w.id, name: w.n, addrs: w.a, httpAddr: w.h, state, seq: w.q as number, version: w.ver, components: { ...w.c } }
  if (w.i !== undefined) hb.intervalMs = w.i
  if (w.d !== undefined && DIGEST_RE.test(w.d)) hb.digest = w.d
  if (w.w !== undefined) hb.want = w.w
  if (w.sw === 1) hb.swim = true
  return { ok: true, hb }
}

export type DecodeAliveResult = { ok: true, alive: Alive } | { ok: false, reason: 'too_large' | 'malformed' }

/** `from` is the message's verified signer. */
export function decodeAlive (data: Uint8Array, from: string): DecodeAliveResult {
  if (data.length > ALIVE_HEAD + MAX_WANT * SHORT_ID_BYTES) return { ok: false, reason: 'too_large' }
  if (data.length < ALIVE_HEAD || data[0] !== 1 || (data.length - ALIVE_HEAD) % SHORT_ID_BYTES !== 0) return { ok: false, reason: 'malformed' }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length)
  const seq = buf.readBigUInt64BE(1)
  const intervalMs = buf.readUInt32BE(9)
  if (seq > BigInt(Number.MAX_SAFE_INTEGER) || intervalMs === 0) return { ok: false, reason: 'malformed' }
  const alive: Alive = { peerId: from, seq: Number(seq), intervalMs, digest: buf.toString('base64url', 13, ALIVE_HEAD) }
  if (data.length > ALIVE_HEAD) {
    const want: string[] = []
    for (let o = ALIVE_HEAD; o < data.length; o += SHORT_ID_BYTES) want.push(buf.toString('latin1', o, o + SHORT_ID_BYTES))
    alive.want = want
  }
  return { ok: true, alive }
}
