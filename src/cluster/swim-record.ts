// A member's record as the failure detector carries it (the opaque `meta` of its alive updates):
// compact JSON of what a heartbeat's full record holds, minus what the detector already says
// (id, liveness, incarnation). decodeRecord() never throws: bad bytes come back as undefined.

import type { PeerInfo, PeerState } from './types.js'

export type MemberRecord = Pick<PeerInfo, 'name' | 'addrs' | 'httpAddr' | 'state' | 'version' | 'components'>

interface Wire { n: string, a: string[], h: string, s: 'v' | 'p' | 't', ver: string, c: Record<string, string> }

const STATE_TO_WIRE = { viewer: 'v', participant: 'p', terminating: 't' } as const
const WIRE_TO_STATE: Record<string, PeerState> = { v: 'viewer', p: 'participant', t: 'terminating' }
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length <= 1024
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeRecord (r: MemberRecord): Uint8Array {
  const w: Wire = { n: r.name, a: r.addrs, h: r.httpAddr, s: STATE_TO_WIRE[r.state], ver: r.version, c: r.components }
  return new TextEncoder().encode(JSON.stringify(w))
}

export function decodeRecord (data: Uint8Array): MemberRecord | undefined {
  let w: Partial<Wire>
  try { w = JSON.parse(decoder.decode(data)) as Partial<Wire> } catch { return undefined }
  if (w === null || typeof w !== 'object') return undefined
  const state = typeof w.s === 'string' ? WIRE_TO_STATE[w.s] : undefined
  if (!isStr(w.n) || !isStr(w.h) || !isStr(w.ver) || state === undefined ||
      !Array.isArray(w.a) || w.a.length > 64 || !w.a.every(isStr) ||
      w.c === null || typeof w.c !== 'object' || Array.isArray(w.c) ||
      !Object.entries(w.c).every(([k, v]) => isStr(k) && isStr(v))) return undefined
  return { name: w.n, addrs: w.a, httpAddr: w.h, state, version: w.ver, components: { ...w.c } }
}
