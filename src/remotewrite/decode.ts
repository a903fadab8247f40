// Remote-write 1.0 WriteRequest decoder for the receiving side (prometheus.receive_http).
// Hand-written so doubles are read as raw bits: StaleNaN (0x7ff0000000000002) is recognised
// exactly, which a decoded JS number cannot tell apart from any other NaN.

import type { Label, MetricType } from '../storage/series.js'
import { STALE_NAN_HI, STALE_NAN_LO } from './codec.js'

export interface DecodedSample {
  value: number
  timestamp: number
  /** True when the value bits were exactly StaleNaN. */
  stale: boolean
}

export interface DecodedExemplar {
  labels: Label[]
  value: number
  timestamp: number
}

export interface DecodedTimeSeries {
  labels: Label[]
  samples: DecodedSample[]
  exemplars: DecodedExemplar[]
  /** Native histograms are not supported; counted so the receiver can report them. */
  histogramCount: number
}

export interface DecodedMetadata {
  type: MetricType
  metricFamilyName: string
  help: string
  unit: string
}

export interface DecodedWriteRequest {
  timeseries: DecodedTimeSeries[]
  metadata: DecodedMetadata[]
}

export class DecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'DecodeError'
  }
}

const TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset']
const utf8 = new TextDecoder('utf-8', { fatal: true })

class Reader {
  pos: number
  private readonly view: DataView
  constructor (readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get more (): boolean { return this.pos < this.end }

  /** A varint as an int64 JS number (exact up to 2^53; negatives via two's complement). */
  varint (): number {
    let lo = 0
    let hi = 0
    let shift = 0
    const buf = this.buf
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError('truncated varint')
      const b = buf[this.pos++]
      if (shift < 28) lo |= (b & 127) << shift
      else if (shift === 28) { lo |= (b & 15) << 28; hi |= (b & 127) >> 4 } else hi |= (b & 127) << (shift - 32)
      if (b < 128) {
        lo >>>= 0
        if ((hi & 0x80000000) !== 0) return -((~hi >>> 0) * 4294967296 + (~lo >>> 0) + 1)
        return (hi >>> 0) * 4294967296 + lo
      }
      shift += 7
    }
    throw new DecodeError('varint too long')
  }

  /** Reads a fixed64 double; `stale` tells whether its bits were StaleNaN. */
  double (): { value: number, stale: boolean } {
    if (this.pos + 8 > this.end) throw new DecodeError('truncated fixed64')
    const lo = this.view.getUint32(this.pos, true)
    const hi = this.view.getUint32(this.pos + 4, true)
    const value = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return { value, stale: hi === STALE_NAN_HI && lo === STALE_NAN_LO }
  }

  /** Returns [start, end) of a length-delimited field's body and skips past it. */
  sub (): [number, number] {
    const len = this.varint()
    const start = this.pos
    if (len < 0 || start + len > this.end) throw new DecodeError('truncated length-delimited field')
    this.pos = start + len
    return [start, start + len]
  }

  string (): string {
    const [s, e] = this.sub()
    return utf8.decode(this.buf.subarray(s, e))
  }

  skip (wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); break
      case 1: this.pos += 8; break
      case 2: this.sub(); break
      case 5: this.pos += 4; break
      default: throw new DecodeError(`unsupported wire type ${wireType}`)
    }
    if (this.pos > this.end) throw new DecodeError('truncated field')
  }

  at (range: [number, number]): Reader { return new Reader(this.buf, range[0], range[1]) }
}

function readLabel (r: Reader): Label {
  let name = ''
  let value = ''
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x0a) name = r.string()
    else if (tag === 0x12) value = r.string()
    else r.skip(tag & 7)
  }
  return { name, value }
}

function readSample (r: Reader): DecodedSample {
  let value = 0
  let stale = false
  let timestamp = 0
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x09) ({ value, stale } = r.double())
    else if (tag === 0x10) timestamp = r.varint()
    else r.skip(tag & 7)
  }
  return { value, timestamp, stale }
}

function readExemplar (r: Reader): DecodedExemplar {
  const ex: DecodedExemplar = { labels: [], value: 0, timestamp: 0 }
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x0a) ex.labels.push(readLabel(r.at(r.sub())))
    else if (tag === 0x11) ex.value = r.double().value
    else if (tag === 0x18) ex.timestamp = r.varint()
    else r.skip(tag & 7)
  }
  return ex
}

function readTimeSeries (r: Reader): DecodedTimeSeries {
  const ts: DecodedTimeSeries = { labels: [], samples: [], exemplars: [], histogramCount: 0 }
  while (r.more) {
    const tag = r.varint()
    switch (tag) {
      case 0x0a: ts.labels.push(readLabel(r.at(r.sub()))); break
      case 0x12: ts.samples.push(readSample(r.at(r.sub()))); break
      case 0x1a: ts.exemplars.push(readExemplar(r.at(r.sub()))); break
      case 0x22: r.sub(); ts.histogramCount++; break
      default: r.skip(tag & 7)
    }
  }
  return ts
}

function readMetadata (r: Reader): DecodedMetadata {
  const md: DecodedMetadata = { type: 'unknown', metricFamilyName: '', help: '', unit: '' }
  while (r.more) {
    const tag = r.varint()
    switch (tag) {
      case 0x08: md.type = TYPES[r.varint()] ?? 'unknown'; break
      case 0x12: md.metricFamilyName = r.string(); break
      case 0x22: md.help = r.string(); break
      case 0x2a: md.unit = r.string(); break
      default: r.skip(tag & 7)
    }
  }
  return md
}

/** Decodes an (already decompressed) remote-write 1.0 WriteRequest. Throws DecodeError. */
export function decodeWriteRequest (buf: Uint8Array): DecodedWriteRequest {
  const r = new Reader(buf, 0, buf.length)
  const out: DecodedWriteRequest = { timeseries: [], metadata: [] }
  try {
    while (r.more) {
      const tag = r.varint()
      if (tag === 0x0a) out.timeseries.push(readTimeSeries(r.at(r.sub())))
      else if (tag === 0x1a) out.metadata.push(readMetadata(r.at(r.sub())))
      else r.skip(tag & 7)
    }
  } catch (err) {
    if (err instanceof DecodeError) throw err
    throw new DecodeError(`invalid write request: ${(err as Error).message}`)
  }
  return out
}
