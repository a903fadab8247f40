// The membership heartbeat: compact JSON with short keys, signed by gossipsub (StrictSign), so the
// message's `from` proves who sent it. decode() never throws: it returns a reason instead.

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
}

interface Wire { v: 1, id: string, n: string, a: string[], h: string, s: 'v' | 'p' | 't', q: number, ver: string, c: Record<string, string>, i?: number }

const STATE_TO_WIRE = { viewer: 'v', participant: 'p', terminating: 't' } as const
const WIRE_TO_STATE: Record<string, PeerState> = { v: 'viewer', p: 'participant', t: 'terminating' }

export function encodeHeartbeat (hb: Heartbeat): Uint8Array {
  const w: Wire = { v: 1, id: hb.peerId, n: hb.name, a: hb.addrs, h: hb.httpAddr, s: STATE_TO_WIRE[hb.state], q: hb.seq, ver: hb.version, c: hb.components }
  if (hb.intervalMs !== undefined) w.i = hb.intervalMs
  return new TextEncoder().encode(JSON.stringify(w))
}

export type DecodeResult = { ok: true, hb: Heartbeat } | { ok: false, reason: 'too_large' | 'malformed' }

const isStr = (x: unknown): x is string => typeof x === 'string' && x.length <= 1024
const decoder = new TextDecoder('utf-8', { fatal: true })

export function decodeHeartbeat (data: Uint8Array): DecodeResult {
  if (data.length > MAX_HEARTBEAT_BYTES) return { ok: false, reason: 'too_large' }
  let w: Partial<Wire>
  try {
    w = JSON.parse(decoder.decode(data))
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (w === null || typeof w !== 'object' || w.v !== 1) return { ok: false, reason: 'malformed' }
  const state = typeof w.s === 'string' ? WIRE_TO_STATE[w.s] : undefined
  if (!isStr(w.id) || w.id === '' || !isStr(w.n) || !isStr(w.h) || !isStr(w.ver) || state === undefined ||
      !Number.isSafeInteger(w.q) || (w.q as number) < 0 ||
      (w.i !== undefined && (!Number.isSafeInteger(w.i) || w.i <= 0)) ||
      !Array.isArray(w.a) || w.a.length > 64 || !w.a.every(isStr) ||
      w.c === null || typeof w.c !== 'object' || Array.isArray(w.c) ||
      !Object.entries(w.c).every(([k, v]) => isStr(k) && isStr(v))) {
    return { ok: false, reason: 'malformed' }
  }
  return { ok: true, hb: { peerId: w.id, name: w.n, addrs: w.a, httpAddr: w.h, state, seq: w.q as number, version: w.ver, components: { ...w.c }, ...(w.i !== undefined ? { intervalMs: w.i } : {}) } }
}
