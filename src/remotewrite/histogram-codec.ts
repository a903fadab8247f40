// Remote-write 1.0 `prometheus.Histogram` messages (TimeSeries field 4), for the encoder and the
// disk buffer (which stores histograms in this same form). Remote write 2.0 uses the same
// message layout, so its encoder can call writeHistogram as well.
//
// Histogram { oneof count { uint64 count_int = 1; double count_float = 2; } double sum = 3;
//   sint32 schema = 4; double zero_threshold = 5;
//   oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
//   repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9;
//   repeated double negative_counts = 10; repeated BucketSpan positive_spans = 11;
//   repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
//   ResetHint reset_hint = 14; int64 timestamp = 15; repeated double custom_values = 16; }
// BucketSpan { sint32 offset = 1; uint32 length = 2; }

import type { Histogram } from '../storage/histogram.js'
import { ProtoWriter, varintSize } from './proto-writer.js'

const STALE_NAN_HI = 0x7ff00000
const STALE_NAN_LO = 0x00000002

function zigzag (n: number): number { return n >= 0 ? n * 2 : -n * 2 - 1 }

function tag (w: ProtoWriter, t: number): void {
  w.ensure(2)
  if (t < 128) w.buf[w.pos++] = t
  else { w.buf[w.pos++] = (t & 127) | 128; w.buf[w.pos++] = t >>> 7 }
}

function varintField (w: ProtoWriter, t: number, v: number): void { tag(w, t); w.ensure(10); w.varint64(v) }
function doubleField (w: ProtoWriter, t: number, v: number): void { tag(w, t); w.ensure(8); w.double(v) }

function spans (w: ProtoWriter, t: number, flat: readonly number[]): void {
  for (let i = 0; i < flat.length; i += 2) {
    const off = zigzag(flat[i])
    const len = flat[i + 1]
    const size = (off !== 0 ? 1 + varintSize(off) : 0) + (len !== 0 ? 1 + varintSize(len) : 0)
    tag(w, t); w.ensure(1 + size + 20); w.uvarint32(size)
    if (off !== 0) { w.buf[w.pos++] = 0x08; w.varint64(off) }
    if (len !== 0) { w.buf[w.pos++] = 0x10; w.varint64(len) }
  }
}

function packedSint (w: ProtoWriter, t: number, vals: readonly number[]): void {
  if (vals.length === 0) return
  let size = 0
  for (const v of vals) size += varintSize(zigzag(v))
  tag(w, t); w.ensure(5 + size); w.uvarint32(size)
  for (const v of vals) w.varint64(zigzag(v))
}

function packedDouble (w: ProtoWriter, t: number, vals: readonly number[]): void {
  if (vals.length === 0) return
  tag(w, t); w.ensure(5 + vals.length * 8); w.uvarint32(vals.length * 8)
  for (const v of vals) w.double(v)
}

/**
 * Writes the body of one Histogram message (without its own tag and length) at timestamp `ts`.
 * `h` undefined: a staleness marker, an empty histogram whose sum is StaleNaN (Prometheus's
 * form of a stale native-histogram sample).
 */
export function writeHistogram (w: ProtoWriter, h: Histogram | undefined, ts: number): void {
  if (h === undefined) {
    varintField(w, 0x08, 0)
    tag(w, 0x19); w.ensure(8); w.fixed64Bits(STALE_NAN_HI, STALE_NAN_LO)
    varintField(w, 0x30, 0)
    varintField(w, 0x78, ts)
    return
  }
  if (h.float) doubleField(w, 0x11, h.count); else varintField(w, 0x08, h.count)
  doubleField(w, 0x19, h.sum)
  if (h.schema !== 0) varintField(w, 0x20, zigzag(h.schema))
  if (h.zeroThreshold !== 0) doubleField(w, 0x29, h.zeroThreshold)
  if (h.float) doubleField(w, 0x39, h.zeroCount); else varintField(w, 0x30, h.zeroCount)
  spans(w, 0x42, h.negativeSpans)
  if (h.float) packedDouble(w, 0x52, h.negativeBuckets); else packedSint(w, 0x4a, h.negativeBuckets)
  spans(w, 0x5a, h.positiveSpans)
  if (h.float) packedDouble(w, 0x6a, h.positiveBuckets); else packedSint(w, 0x62, h.positiveBuckets)
  if (h.resetHint !== 0) varintField(w, 0x70, h.resetHint)
  if (ts !== 0) varintField(w, 0x78, ts)
  packedDouble(w, 0x82, h.customValues)
}

const scratch = new ProtoWriter(1024)

/** One Histogram message body as bytes (a view into a shared scratch buffer: copy or use at once). */
export function histogramBytes (h: Histogram | undefined, ts: number): Uint8Array {
  scratch.reset()
  writeHistogram(scratch, h, ts)
  return scratch.bytes()
}
