// Remote-write 1.0 `prometheus.WriteRequest` encoder. The hot path: per-series label bytes are
// encoded once and cached on the Series (`series.encoded`), samples are written straight from
// the struct-of-arrays batch into one reused buffer, sizes are computed up front so every
// length prefix is exact.
//
// WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
// TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3;
//                repeated Histogram histograms = 4; }   (Histogram: histogram-codec.ts)
// Label        { string name = 1; string value = 2; }
// Sample       { double value = 1; int64 timestamp = 2; }
// Exemplar     { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
// MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }

import type { Exemplar, Histogram, Labels, Metadata, MetricType, Series } from '../storage/series.js'
import { FLAG_EXEMPLAR, FLAG_HISTOGRAM, FLAG_STALE, type SampleBatch } from './batch.js'
import { histogramBytes } from './histogram-codec.js'
import { ProtoWriter, varintSize } from './proto-writer.js'
import { encodeLabels } from '../storage/label-bytes.js'

/** Prometheus' staleness marker: a NaN with these exact bits. */
export const STALE_NAN_HI = 0x7ff00000
export const STALE_NAN_LO = 0x00000002

// Wire tags: (field << 3) | wireType.
const TAG_LEN_1 = 0x0a // field 1, length-delimited
const TAG_LEN_2 = 0x12
const TAG_LEN_3 = 0x1a
const TAG_F64_1 = 0x09 // field 1, fixed64
const TAG_F64_2 = 0x11
const TAG_VAR_1 = 0x08 // field 1, varint
const TAG_VAR_2 = 0x10
const TAG_VAR_3 = 0x18
const TAG_LEN_4 = 0x22
const TAG_LEN_5 = 0x2a

export const METRIC_TYPE_CODES: Readonly<Record<MetricType, number>> = {
  unknown: 0, counter: 1, gauge: 2, histogram: 3, gaugehistogram: 4, summary: 5, info: 6, stateset: 7
}

export interface MetadataEntry extends Metadata {
  readonly metricFamily: string
}

export { encodeLabels }

/** The series' encoded labels (latin1 string of bytes). */
export function seriesLabelBytes (series: Series): string {
  return series.encoded
}

/** remote_write's shard key of a series: the hash of its labels (see Series.hash). */
export function seriesShardKey (series: Series): number {
  return series.hash()
}

function sampleBodySize (ts: number): number {
  return 9 + 1 + varintSize(ts)
}

function exemplarBody (w: ProtoWriter, labels: Labels, value: number, ts: number): void {
  w.latin1(encodeLabels(labels))
  w.ensure(20)
  w.buf[w.pos++] = TAG_F64_2
  w.double(value)
  w.buf[w.pos++] = TAG_VAR_3
  w.varint64(ts)
}

export interface EncodeOptions {
  /**
   * Merge all samples of one series in the batch into one TimeSeries (fewer label bytes when a
   * batch spans several scrapes). Off = one TimeSeries per sample, like Prometheus.
   */
  groupBySeries?: boolean
}

/** Encodes batches into one reused buffer; one encoder per sending shard (not re-entrant). */
export class WriteRequestEncoder {
  readonly writer: ProtoWriter
  // Series id → group, an open-addressing table: a Map lookup per sample showed in profiles.
  private slotId = new Int32Array(1024)
  private slotGroup = new Int32Array(1024)
  private head = new Int32Array(256)
  private tail = new Int32Array(256)
  private size = new Int32Array(256)
  private next = new Int32Array(256)
  private readonly exemplarScratch = new ProtoWriter(1024)
  /** Encoded Histogram bodies of the batch being encoded, by entry (sized in group(), written in encode()). */
  private histBodies: Array<Uint8Array | undefined> = []
  private readonly groupBySeries: boolean

  constructor (opts: EncodeOptions = {}) {
    this.writer = new ProtoWriter()
    this.groupBySeries = opts.groupBySeries ?? true
  }

  /**
   * Encodes entries [0, batch.length) of the batch plus optional metadata. Returns a view of
   * the internal buffer, valid until the next encode().
   */
  encode (batch: SampleBatch, metadata?: readonly MetadataEntry[]): Uint8Array {
    const w = this.writer
    w.reset()
    const groups = this.group(batch)
    const { head, size, next } = this
    const { series, timestamps, values, flags } = batch
    const hasExemplars = batch.exemplarCount > 0
    const hasHistograms = batch.histogramCount > 0
    for (let g = 0; g < groups; g++) {
      const first = head[g]
      const labels = seriesLabelBytes(series[first])
      w.ensure(size[g] + 6)
      w.buf[w.pos++] = TAG_LEN_1
      w.uvarint32(size[g])
      w.pos += w.buf.write(labels, w.pos, 'latin1')
      for (let i = first; i !== -1; i = next[i]) {
        const f = flags[i]
        if ((f & (FLAG_EXEMPLAR | FLAG_HISTOGRAM)) !== 0) continue
        const ts = timestamps[i]
        const buf = w.buf
        buf[w.pos++] = TAG_LEN_2
        buf[w.pos++] = sampleBodySize(ts)
        buf[w.pos++] = TAG_F64_1
        if ((f & FLAG_STALE) !== 0) w.fixed64Bits(STALE_NAN_HI, STALE_NAN_LO)
        else w.double(values[i])
        buf[w.pos++] = TAG_VAR_2
        w.varint64(ts)
      }
      if (hasExemplars) this.writeExemplars(batch, first)
      if (hasHistograms) this.writeHistograms(batch, first)
    }
    if (hasHistograms) this.histBodies.length = 0
    if (metadata !== undefined) for (const m of metadata) writeMetadata(w, m)
    return w.bytes()
  }

  private writeExemplars (batch: SampleBatch, first: number): void {
    const w = this.writer
    for (let i = first; i !== -1; i = this.next[i]) {
      const ex = batch.exemplars[i]
      if ((batch.flags[i] & FLAG_EXEMPLAR) === 0 || ex === undefined) continue
      const body = this.exemplarBytes((ex as Exemplar).labels, batch.values[i], batch.timestamps[i])
      w.ensure(body.length + 6)
      w.buf[w.pos++] = TAG_LEN_3
      w.uvarint32(body.length)
      w.raw(body)
    }
  }

  private writeHistograms (batch: SampleBatch, first: number): void {
    const w = this.writer
    for (let i = first; i !== -1; i = this.next[i]) {
      const body = this.histBodies[i]
      if (body === undefined) continue
      w.ensure(body.length + 6)
      w.buf[w.pos++] = TAG_LEN_4
      w.uvarint32(body.length)
      w.raw(body)
    }
  }

  private exemplarBytes (labels: Labels, value: number, ts: number): Uint8Array {
    const s = this.exemplarScratch
    s.reset()
    exemplarBody(s, labels, value, ts)
    return s.bytes()
  }

  /** Builds per-series linked lists of entry indices and each TimeSeries' byte size. */
  private group (batch: SampleBatch): number {
    const n = batch.length
    if (this.next.length < n) {
      const cap = Math.max(n, this.next.length * 2)
      this.head = new Int32Array(cap); this.tail = new Int32Array(cap)
      this.size = new Int32Array(cap); this.next = new Int32Array(cap)
    }
    if (this.groupBySeries && this.slotId.length < 2 * n) {
      let cap = this.slotId.length
      while (cap < 2 * n) cap *= 2
      this.slotId = new Int32Array(cap)
      this.slotGroup = new Int32Array(cap)
    }
    const { head, tail, size, next, slotId, slotGroup } = this
    const mask = slotId.length - 1
    const { series, timestamps, flags } = batch
    let groups = 0
    for (let i = 0; i < n; i++) {
      let g = groups
      if (this.groupBySeries) {
        // 0 marks a free slot (an id of 0 mod 2^32 is just never grouped). Linear probing, at most half full.
        const id = series[i].id | 0
        let h = Math.imul(id, 0x9e3779b1) & mask
        let at
        while ((at = slotId[h]) !== 0 && at !== id) h = (h + 1) & mask
        if (at === 0) { slotId[h] = id; slotGroup[h] = g } else g = slotGroup[h]
      }
      if (g === groups) {
        groups++
        head[g] = i
        size[g] = seriesLabelBytes(series[i]).length
      } else next[tail[g]] = i
      tail[g] = i
      next[i] = -1
      const f = flags[i]
      if ((f & FLAG_EXEMPLAR) !== 0) {
        const ex = batch.exemplars[i]
        if (ex !== undefined) {
          const len = this.exemplarBytes((ex as Exemplar).labels, batch.values[i], timestamps[i]).length
          size[g] += 1 + varintSize(len) + len
        }
      } else if ((f & FLAG_HISTOGRAM) !== 0) {
        const h = (f & FLAG_STALE) !== 0 ? undefined : batch.exemplars[i] as Histogram | undefined
        if (h === undefined && (f & FLAG_STALE) === 0) continue
        // A copy: the bytes are a view of a shared scratch buffer (and Buffer#slice does not copy).
        const body = new Uint8Array(histogramBytes(h, timestamps[i]))
        this.histBodies[i] = body
        size[g] += 1 + varintSize(body.length) + body.length
      } else size[g] += 2 + sampleBodySize(timestamps[i])
    }
    if (this.groupBySeries) slotId.fill(0)
    return groups
  }
}

function writeMetadata (w: ProtoWriter, m: MetadataEntry): void {
  const scratch = new ProtoWriter(256 + m.help.length * 3)
  scratch.ensure(2)
  scratch.buf[scratch.pos++] = TAG_VAR_1
  scratch.uvarint32(METRIC_TYPE_CODES[m.type] ?? 0)
  scratch.stringField(TAG_LEN_2, m.metricFamily)
  if (m.help !== '') scratch.stringField(TAG_LEN_4, m.help)
  if (m.unit !== '') scratch.stringField(TAG_LEN_5, m.unit)
  const body = scratch.bytes()
  w.ensure(body.length + 6)
  w.buf[w.pos++] = TAG_LEN_3
  w.uvarint32(body.length)
  w.raw(body)
}
