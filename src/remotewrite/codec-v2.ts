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

class Symbols {
  readonly list: string[] = ['']
  private readonly index = new Map<string, number>([['', 0]])
  ref (s: string): number {
    let i = this.index.get(s)
    if (i === undefined) { i = this.list.length; this.list.push(s); this.index.set(s, i) }
    return i
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

/** Writes `body` as a length-delimited field. */
function nested (w: ProtoWriter, tag: number, body: Uint8Array): void {
  w.ensure(6 + body.length)
  w.buf[w.pos++] = tag
  w.uvarint32(body.length)
  w.raw(body)
}

function labelRefs (labels: Labels, sym: Symbols): number[] {
  const refs: number[] = []
  for (const l of labels) refs.push(sym.ref(l.name), sym.ref(l.value))
  return refs
}

export class WriteRequestV2Encoder {
  private readonly out = new ProtoWriter()
  private readonly series = new ProtoWriter()
  private readonly part = new ProtoWriter(1024)

  constructor (private readonly metadata: MetadataLookup = () => undefined) {}

  /** Encodes entries [0, batch.length); returns a view valid until the next call. */
  encode (batch: SampleBatch): Uint8Array {
    const sym = new Symbols()
    // Entries by series, in first-seen order; a series' samples keep their order.
    const groups = new Map<string, number[]>()
    for (let i = 0; i < batch.length; i++) {
      const key = batch.series[i].encoded
      const g = groups.get(key)
      if (g === undefined) groups.set(key, [i]); else g.push(i)
    }
    const ts = this.series
    ts.reset()
    for (const idx of groups.values()) {
      const labels = batch.series[idx[0]].labels
      const refs = labelRefs(labels, sym)
      const name = labels.find(l => l.name === '__name__')?.value ?? ''
      const meta = name !== '' ? metadataForName(name, this.metadata) : undefined
      const floats = idx.filter(i => (batch.flags[i] & (FLAG_HISTOGRAM | FLAG_EXEMPLAR)) === 0)
      const hists = idx.filter(i => (batch.flags[i] & FLAG_HISTOGRAM) !== 0)
      // An exemplar read back from the disk buffer may have lost its labels object: skipped, as 1.0 does.
      const exemplars = idx.filter(i => (batch.flags[i] & FLAG_EXEMPLAR) !== 0 && batch.exemplars[i] !== undefined)
      // A TimeSeries holds samples or histograms, not both: a series that changed kind is split.
      if (floats.length > 0 || hists.length === 0) this.timeSeries(ts, batch, refs, floats, [], exemplars, meta, sym)
      if (hists.length > 0) this.timeSeries(ts, batch, refs, [], hists, floats.length > 0 ? [] : exemplars, meta, sym)
    }
    const w = this.out
    w.reset()
    for (const s of sym.list) w.stringField(0x22, s)
    w.raw(ts.bytes())
    return w.bytes()
  }

  private timeSeries (into: ProtoWriter, batch: SampleBatch, refs: number[], floats: number[], hists: number[],
    exemplars: number[], meta: Metadata | undefined, sym: Symbols): void {
    const w = this.part
    w.reset()
    packedRefs(w, 0x0a, refs)
    for (const i of floats) {
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
    if (hists.length > 0) {
      const h = new ProtoWriter(512)
      for (const i of hists) {
        h.reset()
        const stale = (batch.flags[i] & FLAG_STALE) !== 0
        writeHistogram(h, stale ? undefined : batch.exemplars[i] as Histogram, batch.timestamps[i])
        const st = batch.starts[i]
        if (st !== 0) { h.ensure(12); h.buf[h.pos++] = 0x88; h.buf[h.pos++] = 0x01; h.varint64(st) }
        nested(w, 0x1a, h.bytes())
      }
    }
    for (const i of exemplars) {
      const e = batch.exemplars[i] as Exemplar
      const ex = new ProtoWriter(128)
      packedRefs(ex, 0x0a, labelRefs(e.labels, sym))
      ex.ensure(20)
      ex.buf[ex.pos++] = 0x11; ex.double(batch.values[i])
      if (batch.timestamps[i] !== 0) { ex.buf[ex.pos++] = 0x18; ex.varint64(batch.timestamps[i]) }
      nested(w, 0x22, ex.bytes())
    }
    if (meta !== undefined) {
      const m = new ProtoWriter(32)
      m.ensure(20)
      const type = METRIC_TYPE_CODES[meta.type] ?? 0
      if (type !== 0) { m.buf[m.pos++] = 0x08; m.uvarint32(type) }
      const help = sym.ref(meta.help)
      if (help !== 0) { m.buf[m.pos++] = 0x18; m.uvarint32(help) }
      const unit = sym.ref(meta.unit)
      if (unit !== 0) { m.buf[m.pos++] = 0x20; m.uvarint32(unit) }
      nested(w, 0x2a, m.bytes())
    }
    nested(into, 0x2a, w.bytes())
  }
}
