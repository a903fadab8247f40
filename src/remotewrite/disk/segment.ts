// The disk buffer's on-disk format: numbered segment files of checksummed records.
//
//   segment file  <first seq, 20 digits>.seg = "SHWAL\x01" record*
//   record        u32 payload length | u32 crc32(payload) | payload
//   payload       u8 type, then
//     SERIES    (1) u32 ref, u16 count, count × (u16 len, name, u32 len, value)   (read only)
//     SAMPLES   (2) u32 count, count × (u32 ref, f64 timestamp, f64 value, u8 flags)   (read only)
//     SAMPLES_AT (4) f64 first seq, u32 count, count × sample as in SAMPLES
//     SERIES_BLOCK (5) a snappy block of entries (u32 ref, u32 length, the SERIES_PB label bytes):
//                   the series a flush introduces, compressed together (label sets share most
//                   of their bytes; at a million series the labels are most of what is written)
//     SERIES_PB (3) u32 ref, then the labels as remote-write protobuf `Label` fields (the
//                   Series' encoded form)   (read only)
//     HISTOGRAMS (6) u32 count, count × (f64 seq, u32 length, a remote-write `Histogram`
//                   message): the native histograms of the SAMPLES_AT record that follows
//                   (their samples there carry the histogram flag; stale markers need no body)
//     SAMPLES_ST (7) as SAMPLES_AT, each sample followed by f64 start (created) timestamp (0:
//                   none); written instead of SAMPLES_AT when a sample of the flush has one
//     EXEMPLARS (8) u32 count, count × (f64 seq, u16 n, n × (u16 len, name, u32 len, value)):
//                   the labels of the exemplars in the samples record that follows (their value
//                   and timestamp are the sample's; they carry the exemplar flag)
//     METADATA  (9) u32 count, count × (u16 len, family, u8 type, u32 len, help, u32 len, unit):
//                   metric metadata as of the flush, before its samples (a new segment repeats
//                   all of it), so remote write 2.0 requests sent after a restart carry it
//
// Records 7–9 are the second version of the format; segments without them read as before.
// A segment is self-contained: a series record precedes the first sample of that series in
// it, so a segment can be read (and the one before it deleted) on its own. A SAMPLES_AT record
// names the sequence number of its first sample (the numbers in between were acknowledged before
// they were written: never needed again); old SAMPLES records continue from the one before, the
// first from the number in the file name. A torn tail (a crash
// mid-write) fails its length or checksum and is cut off when the segment is opened again.
import { closeSync, fsyncSync, openSync, readSync, ftruncateSync, fstatSync, writeSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import type { Label, Labels, Metadata } from '../../storage/series.js'
import { METRIC_TYPE_CODES } from '../codec.js'
import { TYPES } from '../decode.js'

export const MAGIC = Buffer.from('SHWAL\x01', 'latin1')
export const REC_SERIES = 1
export const REC_SAMPLES = 2
export const REC_SERIES_PB = 3
export const REC_SAMPLES_AT = 4
export const REC_SERIES_BLOCK = 5
export const REC_HISTOGRAMS = 6
export const REC_SAMPLES_ST = 7
export const REC_EXEMPLARS = 8
export const REC_METADATA = 9
export const SAMPLE_BYTES = 21
/** A SAMPLES_ST sample: SAMPLE_BYTES and the start timestamp. */
export const SAMPLE_ST_BYTES = 29

export function segmentName (firstSeq: number): string {
  return String(firstSeq).padStart(20, '0') + '.seg'
}

export function parseSegmentName (name: string): number | undefined {
  const m = /^(\d{20})\.seg$/.exec(name)
  return m ? Number(m[1]) : undefined
}

/** A growable byte buffer records are encoded into before one write() call. */
export class RecordBuffer {
  buf = Buffer.allocUnsafe(1 << 16)
  /** The same bytes, for the hot sample loop (DataView stores compile to plain moves). */
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
  len = 0
  private recStart = -1

  ensure (n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
    this.view = new DataView(next.buffer, next.byteOffset, next.length)
  }

  /** Appends one sample (the caller ensured SAMPLE_BYTES of room). */
  sample (ref: number, ts: number, value: number, flags: number): void {
    const v = this.view
    const o = this.len
    v.setUint32(o, ref >>> 0, true)
    v.setFloat64(o + 4, ts, true)
    v.setFloat64(o + 12, value, true)
    v.setUint8(o + 20, flags)
    this.len = o + SAMPLE_BYTES
  }

  /** Appends one SAMPLES_ST sample (the caller ensured SAMPLE_ST_BYTES of room). */
  sampleSt (ref: number, ts: number, value: number, flags: number, start: number): void {
    this.sample(ref, ts, value, flags)
    this.view.setFloat64(this.len, start, true)
    this.len += 8
  }

  /** One entry of an EXEMPLARS record. */
  exemplar (seq: number, labels: Labels): void {
    this.f64(seq)
    this.u16(labels.length)
    for (const l of labels) { this.str16(l.name); this.str32(l.value) }
  }

  /** A METADATA record of `entries`. */
  metadata (entries: Iterable<[string, Metadata]>, count: number): void {
    this.begin(REC_METADATA)
    this.u32(count)
    for (const [family, m] of entries) {
      this.str16(family)
      this.u8(METRIC_TYPE_CODES[m.type] ?? 0)
      this.str32(m.help)
      this.str32(m.unit)
    }
    this.end()
  }

  begin (type: number): void {
    this.ensure(9)
    this.recStart = this.len
    this.len += 8
    this.buf[this.len++] = type
  }

  end (): void {
    const payloadStart = this.recStart + 8
    const payloadLen = this.len - payloadStart
    this.buf.writeUInt32LE(payloadLen, this.recStart)
    this.buf.writeUInt32LE(crc32(this.buf.subarray(payloadStart, this.len)), this.recStart + 4)
    this.recStart = -1
  }

  u8 (v: number): void { this.ensure(1); this.buf[this.len++] = v }
  u16 (v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.len); this.len += 2 }
  u32 (v: number): void { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.len); this.len += 4 }
  f64 (v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.len); this.len += 8 }
  str16 (s: string): void { const n = Buffer.byteLength(s); this.u16(n); this.ensure(n); this.buf.write(s, this.len, 'utf8'); this.len += n }
  str32 (s: string): void { const n = Buffer.byteLength(s); this.u32(n); this.ensure(n); this.buf.write(s, this.len, 'utf8'); this.len += n }

  series (ref: number, labels: readonly Label[]): void {
    this.begin(REC_SERIES)
    this.u32(ref)
    this.u16(labels.length)
    for (const l of labels) { this.str16(l.name); this.str32(l.value) }
    this.end()
  }

  /** A SERIES_PB record (the form before SERIES_BLOCK; for tests of reading old segments). */
  seriesEncoded (ref: number, encoded: string): void {
    this.begin(REC_SERIES_PB)
    this.u32(ref)
    this.ensure(encoded.length)
    this.len += this.buf.write(encoded, this.len, 'latin1')
    this.end()
  }

  reset (): void { this.len = 0 }
}

/** Collects series for one SERIES_BLOCK record. */
export class SeriesBlock {
  private buf = Buffer.allocUnsafe(1 << 16)
  len = 0
  count = 0

  add (ref: number, encoded: string): void {
    const need = 8 + encoded.length
    if (this.len + need > this.buf.length) {
      let size = this.buf.length * 2
      while (size < this.len + need) size *= 2
      const next = Buffer.allocUnsafe(size)
      this.buf.copy(next, 0, 0, this.len)
      this.buf = next
    }
    this.buf.writeUInt32LE(ref >>> 0, this.len)
    this.buf.writeUInt32LE(encoded.length, this.len + 4)
    this.len += 8 + this.buf.write(encoded, this.len + 8, 'latin1')
    this.count++
  }

  /** Appends the block as one record (compressed with `compress`) and empties it. */
  writeTo (rec: RecordBuffer, compress: (b: Uint8Array) => Uint8Array): void {
    if (this.count === 0) return
    const z = compress(this.buf.subarray(0, this.len))
    rec.begin(REC_SERIES_BLOCK)
    rec.ensure(z.length)
    rec.buf.set(z, rec.len)
    rec.len += z.length
    rec.end()
    this.len = 0
    this.count = 0
  }
}

/** Calls fn(ref, encoded labels) for each entry of an uncompressed SERIES_BLOCK payload. */
export function forEachBlockSeries (raw: Buffer, fn: (ref: number, encoded: string) => void): void {
  let o = 0
  while (o + 8 <= raw.length) {
    const ref = raw.readUInt32LE(o)
    const n = raw.readUInt32LE(o + 4)
    if (o + 8 + n > raw.length) throw new Error('disk buffer: truncated series block')
    fn(ref, raw.toString('latin1', o + 8, o + 8 + n))
    o += 8 + n
  }
}

/** An open segment being appended to. */
export class SegmentWriter {
  readonly fd: number
  size: number
  constructor (readonly path: string, readonly firstSeq: number, create: boolean) {
    this.fd = openSync(path, create ? 'w' : 'r+')
    if (create) {
      writeSync(this.fd, MAGIC, 0, MAGIC.length, 0)
      this.size = MAGIC.length
    } else {
      this.size = fstatSync(this.fd).size
    }
  }

  append (b: RecordBuffer): void {
    let off = 0
    while (off < b.len) off += writeSync(this.fd, b.buf, off, b.len - off, this.size + off)
    this.size += b.len
  }

  /** Cuts a torn tail off (found by scanning). */
  truncate (size: number): void {
    ftruncateSync(this.fd, size)
    this.size = size
  }

  sync (): void { fsyncSync(this.fd) }
  close (): void { closeSync(this.fd) }
}

export interface DecodedSeries {
  ref: number
  labels: Label[]
}

/**
 * Reads a segment's records in order. `next()` returns the type of the next valid record
 * (its payload is then in `payload()`), or 0 at the end or at the first damaged record.
 */
export class SegmentReader {
  private fd: number
  private buf = Buffer.allocUnsafe(1 << 20)
  private bufStart = 0 // file offset of buf[0]
  private bufLen = 0
  /** File offset of the next record. */
  offset = MAGIC.length
  private pStart = 0
  private pLen = 0
  damaged = false

  constructor (readonly path: string) {
    this.fd = openSync(path, 'r')
    const head = Buffer.alloc(MAGIC.length)
    readSync(this.fd, head, 0, MAGIC.length, 0)
    if (!head.equals(MAGIC)) { this.damaged = true; this.offset = Number.MAX_SAFE_INTEGER }
  }

  private fill (need: number): boolean {
    const rel = this.offset - this.bufStart
    if (rel >= 0 && rel + need <= this.bufLen) return true
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need)
    this.bufStart = this.offset
    this.bufLen = readSync(this.fd, this.buf, 0, this.buf.length, this.offset)
    return need <= this.bufLen
  }

  next (): number {
    if (this.damaged || !this.fill(8)) return 0
    const rel = this.offset - this.bufStart
    const len = this.buf.readUInt32LE(rel)
    const sum = this.buf.readUInt32LE(rel + 4)
    if (len === 0 || len > 64 << 20 || !this.fill(8 + len)) { this.damaged = !this.atEOF(); return 0 }
    const p = this.offset - this.bufStart + 8
    if (crc32(this.buf.subarray(p, p + len)) !== sum) { this.damaged = true; return 0 }
    this.pStart = p
    this.pLen = len
    this.offset += 8 + len
    return this.buf[p]
  }

  private atEOF (): boolean {
    return fstatSync(this.fd).size <= this.offset
  }

  payload (): Buffer { return this.buf.subarray(this.pStart + 1, this.pStart + this.pLen) }

  close (): void { closeSync(this.fd) }
}

export function decodeSeries (p: Buffer): DecodedSeries {
  let o = 0
  const ref = p.readUInt32LE(o); o += 4
  const n = p.readUInt16LE(o); o += 2
  const labels: Label[] = []
  for (let i = 0; i < n; i++) {
    const nl = p.readUInt16LE(o); o += 2
    const name = p.toString('utf8', o, o + nl); o += nl
    const vl = p.readUInt32LE(o); o += 4
    const value = p.toString('utf8', o, o + vl); o += vl
    labels.push({ name, value })
  }
  return { ref, labels }
}

/** Calls fn(seq, labels) for each entry of an EXEMPLARS payload. Throws on a truncated one. */
export function forEachExemplar (p: Buffer, fn: (seq: number, labels: Label[]) => void): void {
  const n = p.readUInt32LE(0)
  let o = 4
  for (let k = 0; k < n; k++) {
    const seq = p.readDoubleLE(o); o += 8
    const count = p.readUInt16LE(o); o += 2
    const labels: Label[] = []
    for (let i = 0; i < count; i++) {
      const nl = p.readUInt16LE(o); o += 2
      if (o + nl > p.length) throw new RangeError('disk buffer: truncated exemplar')
      const name = p.toString('utf8', o, o + nl); o += nl
      const vl = p.readUInt32LE(o); o += 4
      if (o + vl > p.length) throw new RangeError('disk buffer: truncated exemplar')
      labels.push({ name, value: p.toString('utf8', o, o + vl) }); o += vl
    }
    fn(seq, labels)
  }
}

/** Calls fn(family, metadata) for each entry of a METADATA payload. Throws on a truncated one. */
export function forEachMetadata (p: Buffer, fn: (family: string, m: Metadata) => void): void {
  const n = p.readUInt32LE(0)
  let o = 4
  const str = (lenBytes: 2 | 4): string => {
    const len = lenBytes === 2 ? p.readUInt16LE(o) : p.readUInt32LE(o)
    o += lenBytes
    if (o + len > p.length) throw new RangeError('disk buffer: truncated metadata')
    const v = p.toString('utf8', o, o + len)
    o += len
    return v
  }
  for (let k = 0; k < n; k++) {
    const family = str(2)
    const type = TYPES[p.readUInt8(o++)] ?? 'unknown'
    const help = str(4)
    const unit = str(4)
    fn(family, { type, help, unit })
  }
}

/** A SERIES_PB payload: the ref and the Series' encoded labels (a latin1 string, one char per byte). */
export function decodeSeriesPb (p: Buffer): { ref: number, encoded: string } {
  return { ref: p.readUInt32LE(0), encoded: p.toString('latin1', 4) }
}
