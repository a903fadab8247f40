// The protobuf exposition format (delimited io.prometheus.client.MetricFamily messages), classic
// metric types, behind the same pull interface as the text parsers. Wire reading is by hand (a
// varint/length walk over the Buffer) so no protobuf message object is built.
// Native histogram fields (4-10 of Histogram) are skipped for now: only the classic
// buckets/sum/count series are produced, as Prometheus does without native histograms enabled.

import type { Exemplar, Label, MetricType } from '../storage/series.js'
import { Entry, ParseError } from './entry.js'
import type { EntryKind } from './entry.js'
import type { ExpositionParser } from './parser.js'
import { formatOpenMetricsFloat } from './scan.js'

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.google.protobuf'

const TYPES: readonly MetricType[] = ['counter', 'gauge', 'summary', 'unknown', 'histogram', 'gaugehistogram']

interface Row { kind: EntryKind, key: string, labels: Label[], value: number, ts: number | undefined, family: string, type: MetricType, text: string, exemplar: Exemplar | undefined }

class Reader {
  pos: number
  constructor (readonly buf: Buffer, pos: number, readonly end: number) { this.pos = pos }
  varint (): number {
    let result = 0; let mul = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint')
      const b = this.buf[this.pos++]
      result += (b & 0x7f) * mul
      if (b < 0x80) return result
      mul *= 128
    }
    throw new Error('varint longer than 10 bytes')
  }
  double (): number {
    if (this.pos + 8 > this.end) throw new Error('truncated double')
    const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v
  }
  sub (): Reader {
    const n = this.varint()
    if (n > this.end - this.pos) throw new Error(`length ${n} past the end of the message`)
    const r = new Reader(this.buf, this.pos, this.pos + n)
    this.pos += n
    return r
  }
  string (): string { const r = this.sub(); return this.buf.toString('utf8', r.pos, r.end) }
  skip (wire: number): void {
    if (wire === 0) this.varint()
    else if (wire === 1) { if (this.pos + 8 > this.end) throw new Error('truncated fixed64'); this.pos += 8 } else if (wire === 2) this.sub()
    else if (wire === 5) { if (this.pos + 4 > this.end) throw new Error('truncated fixed32'); this.pos += 4 } else throw new Error(`unsupported wire type ${wire}`)
  }
  more (): boolean { return this.pos < this.end }
}

/** Signed int64 from a varint (two's complement; exact up to 2^53). */
function int64 (v: number): number { return v >= 2 ** 63 ? v - 2 ** 64 : v }

function labelPair (r: Reader): Label {
  let name = ''; let value = ''
  while (r.more()) {
    const tag = r.varint()
    if (tag === 10) name = r.string(); else if (tag === 18) value = r.string(); else r.skip(tag & 7)
  }
  return { name, value }
}

function exemplar (r: Reader): Exemplar {
  const labels: Label[] = []; let value = 0; let ts: number | undefined
  while (r.more()) {
    const tag = r.varint()
    if (tag === 10) labels.push(labelPair(r.sub()))
    else if (tag === 17) value = r.double()
    else if (tag === 26) {
      const t = r.sub(); let s = 0; let n = 0
      while (t.more()) { const tt = t.varint(); if (tt === 8) s = int64(t.varint()); else if (tt === 16) n = t.varint(); else t.skip(tt & 7) }
      ts = s * 1000 + Math.trunc(n / 1e6)
    } else r.skip(tag & 7)
  }
  return { labels, value, timestamp: ts }
}

/** A single-value message (Gauge, Counter, Untyped): field 1 double, field 2 exemplar (Counter). */
function simple (r: Reader): { value: number, ex: Exemplar | undefined } {
  let value = 0; let ex: Exemplar | undefined
  while (r.more()) {
    const tag = r.varint()
    if (tag === 9) value = r.double(); else if (tag === 18) ex = exemplar(r.sub()); else r.skip(tag & 7)
  }
  return { value, ex }
}

function keyOf (name: string, labels: readonly Label[]): string {
  let s = name + '{'
  for (let i = 0; i < labels.length; i++) s += (i > 0 ? ',' : '') + labels[i].name + '=' + JSON.stringify(labels[i].value)
  return s + '}'
}

export class ProtobufParser implements ExpositionParser {
  readonly #rows: Row[] = []
  #i = -1
  #body: Buffer | undefined

  // Decoding waits for the first next(), so a malformed body fails there, as the text parsers do.
  constructor (body: Buffer) { this.#body = body }

  #decode (body: Buffer): void {
    const top = new Reader(body, 0, body.length)
    try {
      while (top.more()) this.#family(top.sub())
    } catch (e) {
      if (e instanceof ParseError) throw e
      throw new ParseError(`protobuf: ${(e as Error).message} at byte ${top.pos}`, 1, top.pos + 1)
    }
  }

  #family (r: Reader): void {
    let name = ''; let help = ''; let typeNum = 3
    const metrics: Reader[] = []
    while (r.more()) {
      const tag = r.varint()
      if (tag === 10) name = r.string()
      else if (tag === 18) help = r.string()
      else if (tag === 24) typeNum = r.varint()
      else if (tag === 34) metrics.push(r.sub())
      else r.skip(tag & 7)
    }
    const type = TYPES[typeNum]
    if (type === undefined) throw new Error(`unknown metric type ${typeNum} in family ${name}`)
    if (name === '') throw new Error('metric family without a name')
    const meta = { key: '', labels: [], value: 0, ts: undefined, family: name, exemplar: undefined, type }
    if (help !== '') this.#rows.push({ ...meta, kind: Entry.Help, text: help })
    this.#rows.push({ ...meta, kind: Entry.Type, text: '' })
    for (const m of metrics) this.#metric(m, name, type)
  }

  #metric (r: Reader, family: string, type: MetricType): void {
    const labels: Label[] = []
    let ts: number | undefined
    let body: Reader | undefined
    let bodyTag = 0
    while (r.more()) {
      const tag = r.varint()
      if (tag === 10) labels.push(labelPair(r.sub()))
      else if (tag === 48) ts = int64(r.varint())
      else if ((tag & 7) === 2 && [2, 3, 4, 5, 7].includes(tag >>> 3)) { body = r.sub(); bodyTag = tag >>> 3 } else r.skip(tag & 7)
    }
    labels.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (let i = 1; i < labels.length; i++) if (labels[i].name === labels[i - 1].name) throw new Error(`duplicate label name ${labels[i].name} in ${family}`)
    const want = type === 'counter' ? 3 : type === 'gauge' ? 2 : type === 'summary' ? 4 : type === 'unknown' ? 5 : 7
    if (body === undefined || bodyTag !== want) {
      if (body === undefined) body = new Reader(Buffer.alloc(0), 0, 0)
      else throw new Error(`metric of family ${family} (${type}) carries field ${bodyTag}`)
    }
    const add = (name: string, extra: Label | undefined, value: number, ex?: Exemplar): void => {
      const ls = extra === undefined ? labels.slice() : [...labels, extra].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
      const key = keyOf(name, ls)
      this.#rows.push({ kind: Entry.Series, key, labels: [{ name: '__name__', value: name }, ...ls].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0), value, ts, family, type, text: '', exemplar: ex })
    }
    if (want === 2 || want === 3 || want === 5) {
      const { value, ex } = simple(body)
      add(family, undefined, value, ex)
    } else if (want === 4) {
      let count = 0; let sum = 0; const qs: Array<[number, number]> = []
      while (body.more()) {
        const tag = body.varint()
        if (tag === 8) count = body.varint()
        else if (tag === 17) sum = body.double()
        else if (tag === 26) {
          const q = body.sub(); let qq = 0; let v = 0
          while (q.more()) { const t = q.varint(); if (t === 9) qq = q.double(); else if (t === 17) v = q.double(); else q.skip(t & 7) }
          qs.push([qq, v])
        } else body.skip(tag & 7)
      }
      for (const [q, v] of qs) add(family, { name: 'quantile', value: formatOpenMetricsFloat(q) }, v)
      add(family + '_sum', undefined, sum)
      add(family + '_count', undefined, count)
    } else {
      let count = 0; let countF = 0; let sum = 0
      const buckets: Array<{ le: number, c: number, ex: Exemplar | undefined }> = []
      while (body.more()) {
        const tag = body.varint()
        if (tag === 8) count = body.varint()
        else if (tag === 73) countF = body.double()
        else if (tag === 17) sum = body.double()
        else if (tag === 26) {
          const b = body.sub(); let le = 0; let c = 0; let cf = 0; let ex: Exemplar | undefined
          while (b.more()) {
            const t = b.varint()
            if (t === 8) c = b.varint(); else if (t === 33) cf = b.double(); else if (t === 17) le = b.double(); else if (t === 26) ex = exemplar(b.sub()); else b.skip(t & 7)
          }
          buckets.push({ le, c: cf > 0 ? cf : c, ex })
        } else body.skip(tag & 7)
      }
      const total = countF > 0 ? countF : count
      let sawInf = false
      for (const b of buckets) {
        if (b.le === Infinity) sawInf = true
        add(family + '_bucket', { name: 'le', value: formatOpenMetricsFloat(b.le) }, b.c, b.ex)
      }
      // The +Inf bucket is optional in protobuf; Prometheus adds it from the count.
      if (!sawInf) add(family + '_bucket', { name: 'le', value: '+Inf' }, total)
      if (type === 'gaugehistogram') {
        add(family + '_gcount', undefined, total)
        add(family + '_gsum', undefined, sum)
      } else {
        add(family + '_sum', undefined, sum)
        add(family + '_count', undefined, total)
      }
    }
  }

  get #row (): Row { return this.#rows[this.#i] }
  next (): EntryKind {
    if (this.#body !== undefined) { const b = this.#body; this.#body = undefined; this.#decode(b) }
    this.#i++
    return this.#i < this.#rows.length ? this.#row.kind : Entry.EOF
  }

  series (): string { return this.#row.key }
  value (): number { return this.#row.value }
  timestamp (): number | undefined { return this.#row.ts }
  labels (out: Label[]): void { for (const l of this.#row.labels) out.push(l) }
  exemplar (): Exemplar | undefined { return this.#row.exemplar }
  metricFamily (): string { return this.#row.family }
  type (): MetricType { return this.#row.type }
  help (): string { return this.#row.text }
  unit (): string { return '' }
  isCreated (): boolean { return false }
}
