// Remote-write 2.0 `io.prometheus.write.v2.Request` encoder. Strings (label names and values,
// exemplar labels, help, unit) go once into the request's symbols table, which starts with "";
// series refer to them by index. Metadata travels with each series instead of in separate
// requests, looked up by metric family when the batch is encoded.
//
// The layout of upstream prompb/io/prometheus/write/v2/types.proto since prometheus/prometheus
// cefefc6 (Nov 2025), which moved the created timestamp from TimeSeries (field 6, now reserved)
// to each sample as start_timestamp:
// Request    { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
// TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2; repeated Histogram histograms = 3;
//              repeated Exemplar exemplars = 4; Metadata metadata = 5; reserved 6; }
// Sample     { double value = 1; int64 timestamp = 2; int64 start_timestamp = 3; }
// Exemplar   { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
// Metadata   { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4; }
// Histogram: the 1.0 layout (histogram-codec.ts) plus int64 start_timestamp = 17.
// A start timestamp of 0 means none, as the spec says, and is not written.

import type { Exemplar, Histogram, Labels, Metadata } from '../storage/series.js'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, FLAG_STALE, type SampleBatch } from './batch.js'
import { METRIC_TYPE_CODES, STALE_NAN_HI, STALE_NAN_LO } from './codec.js'
import { writeHistogram } from './histogram-codec.js'
import { SeriesGroups } from './series-groups.js'
import { ProtoWriter, varintSize } from './proto-writer.js'

/** Metadata of a metric family by name (the endpoint's latest, from appendMetadata). */
export type MetadataLookup = (metricFamily: string) => Metadata | undefined

/** Suffixes a series' __name__ may carry beyond its family name. */
const FAMILY_SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_created', '_info', '_gcount', '_gsum']

/** The metadata for a series name: its own family's, else that of the name without a known suffix. */
export function metadataForName (name: string, lookup: MetadataLookup): Metadata | undefined {
  const m = lookup(name)
  if (m !== undefined) return m
  for (const s of FAMILY_SUFFIXES) if (name.endsWith(s)) { const f = lookup(name.slice(0, -s.length)); if (f !== undefined) return f }
  return undefined
}

/**
 * The request's symbols, written as its `symbols` fields in ref order as they are first seen, and
 * deduplicated by an open-addressing table over their bytes: a symbol is looked up straight from
 * the series' encoded labels, with no string made per label. Ref 0 is "".
 */
class SymbolTable {
  readonly w = new ProtoWriter()
  count = 0
  private start = new Int32Array(1024)
  private len = new Int32Array(1024)
  /** ref + 1 per slot; 0 = free. */
  private slots = new Int32Array(2048)

  reset (): void {
    this.w.reset()
    this.slots.fill(0)
    this.w.ensure(2)
    this.w.buf[this.w.pos++] = 0x22
    this.w.buf[this.w.pos++] = 0
    this.count = 1
  }

  /** The ref of the bytes src[from, to). */
  ref (src: Uint8Array, from: number, to: number): number {
    const n = to - from
    if (n === 0) return 0
    let h = 0x811c9dc5
    for (let i = from; i < to; i++) h = Math.imul(h ^ src[i], 0x01000193)
    const mask = this.slots.length - 1
    const buf = this.w.buf
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const r = this.slots[s] - 1
      if (r < 0) {
        const ref = this.add(src, from, n)
        this.slots[s] = ref + 1
        if (2 * this.count > this.slots.length) this.grow()
        return ref
      }
      if (this.len[r] !== n) continue
      const at = this.start[r]
      let k = 0
      while (k < n && buf[at + k] === src[from + k]) k++
      if (k === n) return r
    }
  }

  /** The ref of a string (help, unit, exemplar labels). */
  refString (s: string): number {
    if (s === '') return 0
    if (this.scratch.length < 3 * s.length) this.scratch = Buffer.allocUnsafe(3 * s.length)
    return this.ref(this.scratch, 0, this.scratch.write(s, 0, 'utf8'))
  }

  /** Room for one string's bytes (label sets, help texts). */
  scratch = Buffer.allocUnsafe(1024)

  private add (src: Uint8Array, from: number, n: number): number {
    const w = this.w
    w.ensure(6 + n)
    w.buf[w.pos++] = 0x22
    w.uvarint32(n)
    const ref = this.count++
    if (ref >= this.start.length) {
      const start = new Int32Array(2 * this.start.length); start.set(this.start); this.start = start
      const len = new Int32Array(2 * this.len.length); len.set(this.len); this.len = len
    }
    this.start[ref] = w.pos
    this.len[ref] = n
    w.buf.set(src.subarray(from, from + n), w.pos)
    w.pos += n
    return ref
  }

  private grow (): void {
    const slots = new Int32Array(2 * this.slots.length)
    const mask = slots.length - 1
    const buf = this.w.buf
    for (let r = 1; r < this.count; r++) {
      let h = 0x811c9dc5
      const at = this.start[r]
      for (let i = 0; i < this.len[r]; i++) h = Math.imul(h ^ buf[at + i], 0x01000193)
      let s = h & mask
      while (slots[s] !== 0) s = (s + 1) & mask
      slots[s] = r + 1
    }
    this.slots = slots
  }
}

function packedRefs (w: ProtoWriter, tag: number, refs: readonly number[]): void {
  if (refs.length === 0) return
  let size = 0
  for (const r of refs) size += varintSize(r)
  w.ensure(6 + size)
  w.buf[w.pos++] = tag
  w.uvarint32(size)
  for (const r of refs) w.uvarint32(r)
}

/** Writes what `from` holds as a length-delimited field (a copy, with no view made). */
function nested (w: ProtoWriter, tag: number, from: ProtoWriter): void {
  const n = from.pos
  w.ensure(6 + n)
  w.buf[w.pos++] = tag
  w.uvarint32(n)
  from.buf.copy(w.buf, w.pos, 0, n)
  w.pos += n
}

/**
 * Sets `refs` to the symbol refs of a series' encoded labels (name, value, name, value, ...),
 * reading the wire form (label-bytes.ts) in place; returns the __name__ value ('' if none).
 */
function encodedLabelRefs (enc: string, sym: SymbolTable, refs: number[]): string {
  refs.length = 0
  // Typed-array reads beat charCodeAt several times over on these loops: copy the bytes once.
  if (sym.scratch.length < enc.length) sym.scratch = Buffer.allocUnsafe(2 * enc.length)
  const b = sym.scratch
  const n = b.write(enc, 0, 'latin1')
  let metricName = ''
  let o = 0
  while (o < n) {
    if (b[o++] !== 0x0a) break
    let len = 0
    let shift = 0
    for (;;) { const c = b[o++]; len += (c & 0x7f) * 2 ** shift; if (c < 0x80) break; shift += 7 }
    const end = o + len
    let name = 0
    let value = 0
    let isName = false
    while (o < end) {
      const tag = b[o++]
      let sl = 0
      shift = 0
      for (;;) { const c = b[o++]; sl += (c & 0x7f) * 2 ** shift; if (c < 0x80) break; shift += 7 }
      if (tag === 0x0a) { name = sym.ref(b, o, o + sl); isName = sl === 8 && isNameLabel(b, o) } else if (tag === 0x12) {
        value = sym.ref(b, o, o + sl)
        if (isName) metricName = b.toString('utf8', o, o + sl)
      }
      o += sl
    }
    refs.push(name, value)
  }
  return metricName
}

const NAME_LABEL = Buffer.from('__name__')
function isNameLabel (b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 8; i++) if (b[o + i] !== NAME_LABEL[i]) return false
  return true
}

function labelRefs (labels: Labels, sym: SymbolTable, refs: number[]): void {
  refs.length = 0
  for (const l of labels) refs.push(sym.refString(l.name), sym.refString(l.value))
}

const FLOATS = 0
const HISTOGRAMS = 1

export class WriteRequestV2Encoder {
  private readonly out = new ProtoWriter()
  private readonly series = new ProtoWriter()
  private readonly part = new ProtoWriter(1024)
  private readonly sub = new ProtoWriter(512)
  private readonly refs: number[] = []
  private readonly exemplarRefs: number[] = []
  private readonly symbols = new SymbolTable()
  private readonly groups = new SeriesGroups()

  constructor (private readonly metadata: MetadataLookup = () => undefined) {}

  /** Encodes entries [0, batch.length); returns a view valid until the next call. */
  encode (batch: SampleBatch): Uint8Array {
    const sym = this.symbols
    sym.reset()
    const groups = this.groups.of(batch)
    const { head, next } = this.groups
    const ts = this.series
    ts.reset()
    for (let g = 0; g < groups; g++) {
      const first = head[g]
      const name = encodedLabelRefs(batch.series[first].encoded, sym, this.refs)
      const meta = name !== '' ? metadataForName(name, this.metadata) : undefined
      let floats = 0
      let hists = 0
      for (let i = first; i !== -1; i = next[i]) {
        const f = batch.flags[i]
        if ((f & FLAG_HISTOGRAM) !== 0) hists++
        else if ((f & FLAG_EXEMPLAR) === 0) floats++
      }
      // A TimeSeries holds samples or histograms, not both: a series that changed kind is split.
      // Exemplars go with the samples, or with the histograms of a series that has no samples.
      if (floats > 0 || hists === 0) this.timeSeries(ts, batch, first, FLOATS, true, meta, sym)
      if (hists > 0) this.timeSeries(ts, batch, first, HISTOGRAMS, floats === 0, meta, sym)
    }
    const w = this.out
    w.reset()
    for (const part of [sym.w, ts]) { w.ensure(part.pos); part.buf.copy(w.buf, w.pos, 0, part.pos); w.pos += part.pos }
    return w.bytes()
  }

  /** One TimeSeries of the group that starts at entry `first` (entries chained by SeriesGroups.next). */
  private timeSeries (into: ProtoWriter, batch: SampleBatch, first: number, kind: number, withExemplars: boolean,
    meta: Metadata | undefined, sym: SymbolTable): void {
    const next = this.groups.next
    const w = this.part
    w.reset()
    packedRefs(w, 0x0a, this.refs)
    if (kind === FLOATS) {
      for (let i = first; i !== -1; i = next[i]) {
        if ((batch.flags[i] & (FLAG_HISTOGRAM | FLAG_EXEMPLAR)) !== 0) continue
        const t = batch.timestamps[i]
        const st = batch.starts[i]
        w.ensure(2 + 9 + 11 + 11)
        w.buf[w.pos++] = 0x12
        w.uvarint32(9 + (t !== 0 ? 1 + varintSize(t) : 0) + (st !== 0 ? 1 + varintSize(st) : 0))
        w.buf[w.pos++] = 0x09
        if ((batch.flags[i] & FLAG_STALE) !== 0) w.fixed64Bits(STALE_NAN_HI, STALE_NAN_LO)
        else w.double(batch.values[i])
        if (t !== 0) { w.buf[w.pos++] = 0x10; w.varint64(t) }
        if (st !== 0) { w.buf[w.pos++] = 0x18; w.varint64(st) }
      }
    } else {
      const h = this.sub
      for (let i = first; i !== -1; i = next[i]) {
        if ((batch.flags[i] & FLAG_HISTOGRAM) === 0) continue
        h.reset()
        const stale = (batch.flags[i] & FLAG_STALE) !== 0
        writeHistogram(h, stale ? undefined : batch.exemplars[i] as Histogram, batch.timestamps[i])
        const st = batch.starts[i]
        if (st !== 0) { h.ensure(12); h.buf[h.pos++] = 0x88; h.buf[h.pos++] = 0x01; h.varint64(st) }
        nested(w, 0x1a, h)
      }
    }
    if (withExemplars) {
      const ex = this.sub
      for (let i = first; i !== -1; i = next[i]) {
        // An exemplar read back from the disk buffer may have lost its labels object: skipped, as 1.0 does.
        if ((batch.flags[i] & FLAG_EXEMPLAR) === 0 || batch.exemplars[i] === undefined) continue
        const e = batch.exemplars[i] as Exemplar
        ex.reset()
        labelRefs(e.labels, sym, this.exemplarRefs)
        packedRefs(ex, 0x0a, this.exemplarRefs)
        ex.ensure(20)
        ex.buf[ex.pos++] = 0x11; ex.double(batch.values[i])
        if (batch.timestamps[i] !== 0) { ex.buf[ex.pos++] = 0x18; ex.varint64(batch.timestamps[i]) }
        nested(w, 0x22, ex)
      }
    }
    if (meta !== undefined) {
      const m = this.sub
      m.reset()
      m.ensure(20)
      const type = METRIC_TYPE_CODES[meta.type] ?? 0
      if (type !== 0) { m.buf[m.pos++] = 0x08; m.uvarint32(type) }
      const help = sym.refString(meta.help)
      if (help !== 0) { m.buf[m.pos++] = 0x18; m.uvarint32(help) }
      const unit = sym.refString(meta.unit)
      if (unit !== 0) { m.buf[m.pos++] = 0x20; m.uvarint32(unit) }
      nested(w, 0x2a, m)
    }
    nested(into, 0x2a, w)
  }
}
