// Remote-write 2.0 `io.prometheus.write.v2.Request` decoder for the receiving side, into the
// same shape as the 1.0 decoder's (labels and strings resolved from the symbols table), so
// prometheus.receive_http forwards either the same way. Per-series metadata becomes one entry
// per metric name.
//
// Request { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }  (see codec-v2.ts)
// Start (created) timestamps are read per sample (Sample field 3, Histogram field 17) and, from
// senders of the spec's earlier revision, per series (TimeSeries field 6).

import type { Label } from '../storage/series.js'
import { WriteRequestDecodeError, Reader, readHistogram, readSample, TYPES, type DecodedExemplar, type DecodedMetadata, type DecodedTimeSeries, type DecodedWriteRequest } from './decode.js'

/** remote write 2.0's Content-Type proto parameter. */
export const PROTO_V2 = 'io.prometheus.write.v2.Request'

function packedOrOne (r: Reader, tag: number, out: number[]): void {
  if ((tag & 7) === 2) { const sub = r.at(r.sub()); while (sub.more) out.push(sub.varint()) } else out.push(r.varint())
}

function resolveLabels (refs: number[], symbols: string[]): Label[] {
  if (refs.length % 2 !== 0) throw new WriteRequestDecodeError('labels_refs has an odd length')
  const out: Label[] = []
  for (let i = 0; i < refs.length; i += 2) out.push({ name: symbol(symbols, refs[i]), value: symbol(symbols, refs[i + 1]) })
  return out
}

function symbol (symbols: string[], ref: number): string {
  const s = symbols[ref]
  if (s === undefined) throw new WriteRequestDecodeError(`symbol reference ${ref} out of range (${symbols.length} symbols)`)
  return s
}

interface RawMeta { type: number, help: number, unit: number }

function readMeta (r: Reader): RawMeta {
  const m: RawMeta = { type: 0, help: 0, unit: 0 }
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x08) m.type = r.varint()
    else if (tag === 0x18) m.help = r.varint()
    else if (tag === 0x20) m.unit = r.varint()
    else r.skip(tag & 7)
  }
  return m
}

function readExemplarRefs (r: Reader): { refs: number[], value: number, timestamp: number } {
  const ex = { refs: [] as number[], value: 0, timestamp: 0 }
  while (r.more) {
    const tag = r.varint()
    if (tag === 0x0a || tag === 0x08) packedOrOne(r, tag, ex.refs)
    else if (tag === 0x11) ex.value = r.double().value
    else if (tag === 0x18) ex.timestamp = r.varint()
    else r.skip(tag & 7)
  }
  return ex
}

/** Decodes an (already decompressed) remote-write 2.0 Request. Throws WriteRequestDecodeError. */
export function decodeWriteRequestV2 (buf: Uint8Array): DecodedWriteRequest {
  const r = new Reader(buf, 0, buf.length)
  const symbols: string[] = []
  const series: Array<[number, number]> = []
  const out: DecodedWriteRequest = { timeseries: [], metadata: [] }
  try {
    // Symbols may come after the series on the wire: collect both, resolve after.
    while (r.more) {
      const tag = r.varint()
      if (tag === 0x22) symbols.push(r.string())
      else if (tag === 0x2a) series.push(r.sub())
      else r.skip(tag & 7)
    }
    const metaSeen = new Map<string, DecodedMetadata>()
    for (const range of series) {
      const s = r.at(range)
      const refs: number[] = []
      const ts: DecodedTimeSeries = { labels: [], samples: [], exemplars: [], histograms: [] }
      let meta: RawMeta | undefined
      // The spec's earlier revision: one created timestamp per series (field 6, reserved since).
      let seriesStart = 0
      while (s.more) {
        const tag = s.varint()
        switch (tag) {
          case 0x0a: case 0x08: packedOrOne(s, tag, refs); break
          case 0x12: ts.samples.push(readSample(s.at(s.sub()))); break
          case 0x1a: ts.histograms.push(readHistogram(s.at(s.sub()))); break
          case 0x22: { const e = readExemplarRefs(s.at(s.sub())); ts.exemplars.push({ labels: [], value: e.value, timestamp: e.timestamp, refs: e.refs } as DecodedExemplar & { refs: number[] }); break }
          case 0x2a: meta = readMeta(s.at(s.sub())); break
          case 0x30: seriesStart = s.varint(); break
          default: s.skip(tag & 7)
        }
      }
      if (seriesStart !== 0) {
        for (const x of ts.samples) x.start ??= seriesStart
        for (const x of ts.histograms) x.start ??= seriesStart
      }
      ts.labels = resolveLabels(refs, symbols)
      for (const e of ts.exemplars as Array<DecodedExemplar & { refs?: number[] }>) { e.labels = resolveLabels(e.refs ?? [], symbols); delete e.refs }
      out.timeseries.push(ts)
      const name = ts.labels.find(l => l.name === '__name__')?.value
      if (meta !== undefined && name !== undefined && (meta.type !== 0 || meta.help !== 0 || meta.unit !== 0)) {
        metaSeen.set(name, { type: TYPES[meta.type] ?? 'unknown', metricFamilyName: name, help: symbol(symbols, meta.help), unit: symbol(symbols, meta.unit) })
      }
    }
    out.metadata = [...metaSeen.values()]
  } catch (err) {
    if (err instanceof WriteRequestDecodeError) throw err
    throw new WriteRequestDecodeError(`invalid write request: ${(err as Error).message}`)
  }
  return out
}
