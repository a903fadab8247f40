// Remote-write 1.0 WriteRequest decoder for the receiving side (prometheus.receive_http).
// Hand-written so doubles are read as raw bits: StaleNaN (0x7ff0000000000002) is recognised
// exactly, which a decoded JS number cannot tell apart from any other NaN.

import type { Label, MetricType } from '../storage/series.js'
import type { Histogram } from '../storage/histogram.js'
import { STALE_NAN_HI, STALE_NAN_LO } from './codec.js'

export interface DecodedSample {
  value: number
  timestamp: number
  /** True when the value bits were exactly StaleNaN. */
  stale: boolean
  /** Remote write 2.0's start (created) timestamp in ms; absent when none (always in 1.0). */
  start?: number
}

export interface DecodedExemplar {
  labels: Label[]
  value: number
  timestamp: number
}

export interface DecodedHistogram {
  /** undefined: a staleness marker (the sum was StaleNaN). */
  histogram: Histogram | undefined
  timestamp: number
  /** As DecodedSample.start. */
  start?: number
}

export interface DecodedTimeSeries {
  labels: Label[]
  samples: DecodedSample[]
  exemplars: DecodedExemplar[]
  histograms: DecodedHistogram[]
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

/** A write request (or disk-buffer record) whose protobuf bytes cannot be decoded. */
export class WriteRequestDecodeError extends Error {
  override name = 'WriteRequestDecodeError'
}

export const TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset']
const utf8 = new TextDecoder('utf-8', { fatal: true })

export class Reader {
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
      if (this.pos >= this.end) throw new WriteRequestDecodeError('truncated varint')
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
    throw new WriteRequestDecodeError('varint too long')
  }

  /** Reads a fixed64 double; `stale` tells whether its bits were StaleNaN. */
  double (): { value: number, stale: boolean } {
    if (this.pos + 8 > this.end) throw new WriteRequestDecodeError('truncated fixed64')
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
    if (len < 0 || start + len > this.end) throw new WriteRequestDecodeError('truncated length-delimited field')
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
      default: throw new WriteRequestDecodeError(`unsupported wire type ${wireType}`)
    }
    if (this.pos > this.end) throw new WriteRequestDecodeError('truncated field')
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

export function readSample (r: Reader): DecodedSample {
  let value = 0
  let stale = false
  let timestamp = 0
  let start = 0
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x09) ({ value, stale } = r.double())
    else if (tag === 0x10) timestamp = r.varint()
    else if (tag === 0x18) start = r.varint()
    else r.skip(tag & 7)
  }
  const out: DecodedSample = { value, timestamp, stale }
  if (start !== 0) out.start = start
  return out
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

function zigzag (v: number): number { return v % 2 === 0 ? v / 2 : -(v + 1) / 2 }

function readSpans (r: Reader, out: number[]): void {
  let offset = 0
  let length = 0
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x08) offset = zigzag(r.varint())
    else if (tag === 0x10) length = r.varint()
    else r.skip(tag & 7)
  }
  out.push(offset, length)
}

/** Repeated sint64 (packed or not) or double (packed or not) of a Histogram. */
function readRepeated (r: Reader, tag: number, out: number[]): void {
  const wire = tag & 7
  if (wire === 2) {
    const sub = r.at(r.sub())
    const dbl = (tag >>> 3) === 10 || (tag >>> 3) === 13 || (tag >>> 3) === 16
    while (sub.more) out.push(dbl ? sub.double().value : zigzag(sub.varint()))
  } else if (wire === 1) out.push(r.double().value)
  else out.push(zigzag(r.varint()))
}

/** One remote-write Histogram message (also the disk buffer's form of a histogram). */
export function readHistogram (r: Reader): DecodedHistogram {
  let float = false
  let count = 0; let sum = 0; let schema = 0; let zt = 0; let zc = 0; let resetHint = 0; let timestamp = 0; let start = 0; let stale = false
  const posSpans: number[] = []; const negSpans: number[] = []
  const posD: number[] = []; const negD: number[] = []; const posC: number[] = []; const negC: number[] = []; const custom: number[] = []
  while (r.more) {
    const tag = r.varint()
    switch (tag) {
      case 0x08: count = r.varint(); break
      case 0x11: count = r.double().value; float = true; break
      case 0x19: { const d = r.double(); sum = d.value; stale = d.stale; break }
      case 0x20: schema = zigzag(r.varint()); break
      case 0x29: zt = r.double().value; break
      case 0x30: zc = r.varint(); break
      case 0x39: zc = r.double().value; float = true; break
      case 0x42: readSpans(r.at(r.sub()), negSpans); break
      case 0x5a: readSpans(r.at(r.sub()), posSpans); break
      case 0x48: case 0x4a: readRepeated(r, tag, negD); break
      case 0x51: case 0x52: readRepeated(r, tag, negC); break
      case 0x60: case 0x62: readRepeated(r, tag, posD); break
      case 0x69: case 0x6a: readRepeated(r, tag, posC); break
      case 0x70: resetHint = r.varint(); break
      case 0x78: timestamp = r.varint(); break
      case 0x81: case 0x82: readRepeated(r, tag, custom); break
      case 0x88: start = r.varint(); break
      default: r.skip(tag & 7)
    }
  }
  if (stale) return start !== 0 ? { histogram: undefined, timestamp, start } : { histogram: undefined, timestamp }
  const histogram: Histogram = {
    float,
    schema,
    zeroThreshold: zt,
    zeroCount: zc,
    count,
    sum,
    positiveSpans: posSpans,
    positiveBuckets: float ? posC : posD,
    negativeSpans: negSpans,
    negativeBuckets: float ? negC : negD,
    customValues: custom,
    resetHint,
  }
  return start !== 0 ? { histogram, timestamp, start } : { histogram, timestamp }
}

/** A Histogram message's bytes (the disk buffer's records). Throws WriteRequestDecodeError. */
export function decodeHistogram (buf: Uint8Array): DecodedHistogram {
  try {
    return readHistogram(new Reader(buf, 0, buf.length))
  } catch (err) {
    if (err instanceof WriteRequestDecodeError) throw err
    throw new WriteRequestDecodeError(`invalid histogram: ${(err as Error).message}`)
  }
}

function readTimeSeries (r: Reader): DecodedTimeSeries {
  const ts: DecodedTimeSeries = { labels: [], samples: [], exemplars: [], histograms: [] }
  while (r.more) {
    const tag = r.varint()
    switch (tag) {
      case 0x0a: ts.labels.push(readLabel(r.at(r.sub()))); break
      case 0x12: ts.samples.push(readSample(r.at(r.sub()))); break
      case 0x1a: ts.exemplars.push(readExemplar(r.at(r.sub()))); break
      case 0x22: ts.histograms.push(readHistogram(r.at(r.sub()))); break
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

/** Decodes an (already decompressed) remote-write 1.0 WriteRequest. Throws WriteRequestDecodeError. */
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
    if (err instanceof WriteRequestDecodeError) throw err
    throw new WriteRequestDecodeError(`invalid write request: ${(err as Error).message}`)
  }
  return out
}
