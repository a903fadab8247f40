// Binary wire form of detector messages. Version byte first: a later release that changes the
// layout bumps it, and a receiver drops versions it does not speak instead of misreading them.
// decode() never throws: bad bytes come back as undefined.

import type { MemberState, Message, Update } from './types.js'

export const WIRE_VERSION = 1
/** Largest message accepted (a full-state sync of a big fleet is the largest). */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024
const MAX_ID_BYTES = 256
export const MAX_META_BYTES = 16 * 1024

const TYPES = ['ping', 'ack', 'ping-req', 'nack', 'gossip', 'sync', 'sync-reply'] as const
const STATES: MemberState[] = ['alive', 'suspect', 'dead', 'left']
const STATE_CODE: Record<MemberState, number> = { alive: 0, suspect: 1, dead: 2, left: 3 }
const HAS_META = 4
const HAS_FROM = 8

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Bytes an update takes on the wire (for piggyback budgets, without encoding it). */
export function updateSize (u: Update): number {
  let n = 1 + strSize(u.id) + varintSize(u.inc)
  if (u.meta !== undefined) n += varintSize(u.meta.length) + u.meta.length
  if (u.from !== undefined) n += strSize(u.from)
  return n
}

/** Bytes of a message's head (everything before its updates), for budgets. */
export const HEAD_BYTES = 2 + 5 + 1 + MAX_ID_BYTES / 4

function strSize (s: string): number {
  const n = isAscii(s) ? s.length : Buffer.byteLength(s)
  return varintSize(n) + n
}

function isAscii (s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false
  return true
}

function varintSize (n: number): number {
  let size = 1
  while (n >= 0x80) { n = Math.floor(n / 128); size++ }
  return size
}

class Writer {
  buf: Uint8Array
  pos = 0
  constructor (size: number) { this.buf = new Uint8Array(size) }
  byte (b: number): void { this.buf[this.pos++] = b }
  varint (n: number): void {
    while (n >= 0x80) { this.buf[this.pos++] = (n % 128) | 0x80; n = Math.floor(n / 128) }
    this.buf[this.pos++] = n
  }
  bytes (b: Uint8Array): void { this.varint(b.length); this.buf.set(b, this.pos); this.pos += b.length }
  str (s: string): void {
    // ids are ASCII (base58 peer ids): written in place, without a temporary encoding
    const n = s.length
    if (n < 0x80 && this.pos + 1 + n <= this.buf.length) {
      const at = this.pos + 1
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        this.buf[at + i] = c
      }
      if (i === n) { this.buf[this.pos] = n; this.pos = at + n; return }
    }
    this.bytes(utf8.encode(s))
  }
}

class Reader {
  pos = 0
  constructor (readonly buf: Uint8Array) {}
  byte (): number {
    if (this.pos >= this.buf.length) throw new RangeError('short')
    return this.buf[this.pos++]
  }
  varint (): number {
    let n = 0
    let mul = 1
    for (let i = 0; i < 8; i++) {
      const b = this.byte()
      n += (b & 0x7f) * mul
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(n)) throw new RangeError('varint')
        return n
      }
      mul *= 128
    }
    throw new RangeError('varint')
  }
  bytes (max: number): Uint8Array {
    const n = this.varint()
    if (n > max || this.pos + n > this.buf.length) throw new RangeError('length')
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
  str (): string {
    const b = this.bytes(MAX_ID_BYTES)
    let ascii = true
    for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) { ascii = false; break }
    const s = ascii ? String.fromCharCode.apply(null, b as unknown as number[]) : fromUtf8.decode(b)
    if (s === '') throw new RangeError('empty id')
    return s
  }
}

function writeUpdate (w: Writer, u: Update): void {
  w.byte(STATE_CODE[u.state] | (u.meta !== undefined ? HAS_META : 0) | (u.from !== undefined ? HAS_FROM : 0))
  w.str(u.id)
  w.varint(u.inc)
  if (u.meta !== undefined) w.bytes(u.meta)
  if (u.from !== undefined) w.str(u.from)
}

function readUpdate (r: Reader): Update {
  const flags = r.byte()
  if (flags > 15) throw new RangeError('flags')
  const u: Update = { state: STATES[flags & 3], id: r.str(), inc: r.varint() }
  if ((flags & HAS_META) !== 0) u.meta = r.bytes(MAX_META_BYTES).slice()
  if ((flags & HAS_FROM) !== 0) u.from = r.str()
  return u
}

export function encodeMessage (m: Message): Uint8Array {
  const ups = m.type === 'nack' ? [] : m.type === 'sync' ? m.members : m.updates
  let size = 2 + 10 + 4
  if (m.type === 'ping' || m.type === 'ping-req') size += strSize(m.target)
  for (const u of ups) size += updateSize(u)
  const w = new Writer(size)
  w.byte(WIRE_VERSION)
  w.byte(m.type === 'sync' ? (m.reply ? 6 : 5) : TYPES.indexOf(m.type))
  if (m.type === 'ping' || m.type === 'ack' || m.type === 'ping-req' || m.type === 'nack') w.varint(m.seq)
  if (m.type === 'ping' || m.type === 'ping-req') w.str(m.target)
  if (m.type !== 'nack') {
    w.varint(ups.length)
    for (const u of ups) writeUpdate(w, u)
  }
  return w.buf.subarray(0, w.pos)
}

export function decodeMessage (data: Uint8Array): Message | undefined {
  if (data.length > MAX_MESSAGE_BYTES || data.length < 2 || data[0] !== WIRE_VERSION) return undefined
  try {
    const r = new Reader(data)
    r.byte()
    const t = r.byte()
    const readUpdates = (): Update[] => {
      const n = r.varint()
      if (n > data.length) throw new RangeError('count')
      const out: Update[] = []
      for (let i = 0; i < n; i++) out.push(readUpdate(r))
      return out
    }
    let m: Message
    switch (t) {
      case 0: { const seq = r.varint(); m = { type: 'ping', seq, target: r.str(), updates: readUpdates() }; break }
      case 1: { const seq = r.varint(); m = { type: 'ack', seq, updates: readUpdates() }; break }
      case 2: { const seq = r.varint(); m = { type: 'ping-req', seq, target: r.str(), updates: readUpdates() }; break }
      case 3: m = { type: 'nack', seq: r.varint() }; break
      case 4: m = { type: 'gossip', updates: readUpdates() }; break
      case 5: case 6: m = { type: 'sync', reply: t === 6, members: readUpdates() }; break
      default: return undefined
    }
    if (r.pos !== data.length) return undefined
    return m
  } catch {
    return undefined
  }
}
