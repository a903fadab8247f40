// The protobuf exposition format (delimited io.prometheus.client.MetricFamily messages) behind
// the same pull interface as the text parsers. A cursor over the body bytes: each next() reads
// on from where the last one stopped, the current metric's fields are kept as offsets and
// numbers in reused scratch arrays, and no message object is built. Per entry only the series
// key string is made, and per native histogram its Histogram value (what the appender takes).
//
// Entries follow Prometheus's protobuf parser: Help, Type, Unit per family, then per metric the
// sample(s). A native histogram (spans or a zero bucket present) is one Histogram entry, followed
// by its classic series only when classic histograms are also wanted; summaries and classic
// histograms give _count, _sum, then the quantiles / buckets (+Inf added when absent).

import type { Exemplar, Label, MetricType } from '../storage/series.js'
import { RESET_GAUGE, RESET_UNKNOWN, validateHistogram, type Histogram } from '../storage/histogram.js'
import { Entry, ParseError } from './entry.js'
import type { EntryKind } from './entry.js'
import type { ExpositionParser } from './parser.js'
import { formatOpenMetricsFloat } from './scan.js'

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.google.protobuf'

const TYPES: readonly MetricType[] = ['counter', 'gauge', 'summary', 'unknown', 'histogram', 'gaugehistogram']
/** Which Metric field carries the value, per family type (MetricType enum order). */
const BODY_FIELD = [3, 2, 4, 5, 7, 7]

export interface ProtobufOptions {
  /** Native histograms become Histogram entries; false: only their classic series. @default true */
  readonly nativeHistograms?: boolean
  /** Also the classic series of histograms that are native (scrape_classic_histograms). @default false */
  readonly classicHistograms?: boolean
}

/** Malformed protobuf bytes; the parser turns it into a ParseError with the byte offset. */
class WireError extends Error {
  override name = 'WireError'
}

/** Signed int64 from a varint read as an unsigned number (two's complement; exact to 2^53). */
function int64 (v: number): number { return v >= 2 ** 63 ? v - 2 ** 64 : v }
/** Zigzag (sint32/sint64) decoding of a varint read as an unsigned number. */
function zigzag (v: number): number { return v % 2 === 0 ? v / 2 : -(v + 1) / 2 }

function byName (a: Label, b: Label): number { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0 }

// le and quantile values as Prometheus writes them, by number: a target repeats the same
// bounds every scrape, and formatting one costs more than the rest of its entry.
const boundText = new Map<number, string>()
function formatBound (f: number): string {
  let s = boundText.get(f)
  if (s === undefined) {
    s = formatOpenMetricsFloat(f)
    if (boundText.size >= 4096) boundText.clear()
    boundText.set(f, s)
  }
  return s
}

// Steps of a metric's emission.
const S_VALUE = 0
const S_COUNT = 1
const S_SUM = 2
const S_ITEM = 3 // quantiles or buckets, then S_INF
const S_INF = 4
const S_DONE = 5

export class ProtobufParser implements ExpositionParser {
  readonly #buf: Buffer
  readonly #native: boolean
  readonly #classic: boolean
  /** Read position; #end bounds the message being read. */
  #pos = 0
  #end = 0

  // The family being read: its metrics are fields 4 of [#famStart, #famEnd).
  #family = ''
  #help = ''
  #unit = ''
  #typeNum = 3
  #famPos = 0
  #famEnd = 0
  /** Metadata entries still to hand out for this family: 3 help, 2 type, 1 unit. */
  #meta = 0

  // The metric being emitted.
  #labelAt = new Int32Array(16)
  #nLabels = 0
  #labelKey = ''
  #ts: number | undefined
  #created: number | undefined
  #value = 0
  #count = 0
  #sum = 0
  #items = 0
  #itemA = new Float64Array(16) // le or quantile
  #itemB = new Float64Array(16) // cumulative count or value
  #itemEx = new Int32Array(32) // exemplar [start, end) per bucket, -1 when none
  #sawInf = false
  #exAt = -1
  #exEnd = -1
  #histogram: Histogram | undefined
  #step = S_DONE
  #item = 0
  #isNative = false

  // The current entry.
  #kind: EntryKind = Entry.EOF
  #suffix = ''
  #extraName = ''
  #extraValue = ''
  #entryValue = 0
  #entryExAt = -1
  #entryExEnd = -1
  #failed: ParseError | undefined

  constructor (body: Buffer, opts: ProtobufOptions = {}) {
    this.#buf = body
    this.#end = body.length
    this.#native = opts.nativeHistograms ?? true
    this.#classic = opts.classicHistograms ?? false
  }

  // --- wire reading over [#pos, limit) ---

  #varint (limit: number): number {
    let result = 0; let mul = 1
    const buf = this.#buf
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= limit) throw new WireError('truncated varint')
      const b = buf[this.#pos++]
      result += (b & 0x7f) * mul
      if (b < 0x80) return result
      mul *= 128
    }
    throw new WireError('varint longer than 10 bytes')
  }

  #double (limit: number): number {
    if (this.#pos + 8 > limit) throw new WireError('truncated double')
    const v = this.#buf.readDoubleLE(this.#pos); this.#pos += 8; return v
  }

  /** A length-delimited field: returns its end, leaves #pos at its start. */
  #len (limit: number): number {
    const n = this.#varint(limit)
    if (n > limit - this.#pos) throw new WireError(`length ${n} past the end of the message`)
    return this.#pos + n
  }

  #skip (wire: number, limit: number): void {
    if (wire === 0) this.#varint(limit)
    else if (wire === 1) { if (this.#pos + 8 > limit) throw new WireError('truncated fixed64'); this.#pos += 8 } else if (wire === 2) this.#pos = this.#len(limit)
    else if (wire === 5) { if (this.#pos + 4 > limit) throw new WireError('truncated fixed32'); this.#pos += 4 } else throw new WireError(`unsupported wire type ${wire}`)
  }

  #string (limit: number): string {
    const e = this.#len(limit)
    const s = this.#buf.toString('utf8', this.#pos, e)
    this.#pos = e
    return s
  }

  /** google.protobuf.Timestamp in [#pos, end) as ms. */
  #timestamp (end: number): number {
    let s = 0; let n = 0
    while (this.#pos < end) {
      const t = this.#varint(end)
      if (t === 8) s = int64(this.#varint(end)); else if (t === 16) n = this.#varint(end); else this.#skip(t & 7, end)
    }
    return s * 1000 + Math.trunc(n / 1e6)
  }

  // --- the pull interface ---

  next (): EntryKind {
    if (this.#failed !== undefined) throw this.#failed
    try {
      return this.#advance()
    } catch (e) {
      if (e instanceof ParseError) throw e
      if (!(e instanceof WireError)) throw e
      this.#failed = new ParseError(`protobuf: ${e.message} at byte ${this.#pos}`, 1, this.#pos + 1)
      throw this.#failed
    }
  }

  #advance (): EntryKind {
    for (;;) {
      if (this.#step !== S_DONE && this.#emit()) return this.#kind
      if (this.#meta > 0) {
        const m = this.#meta--
        if (m === 3 && this.#help !== '') return (this.#kind = Entry.Help)
        if (m === 2) return (this.#kind = Entry.Type)
        if (m === 1 && this.#unit !== '') return (this.#kind = Entry.Unit)
        continue
      }
      // The next metric of the family.
      if (this.#famPos < this.#famEnd) {
        this.#pos = this.#famPos
        const tag = this.#varint(this.#famEnd)
        if (tag === 34) {
          const end = this.#len(this.#famEnd)
          this.#famPos = end
          this.#metric(this.#pos, end)
        } else {
          this.#skip(tag & 7, this.#famEnd)
          this.#famPos = this.#pos
        }
        continue
      }
      // The next family.
      this.#pos = this.#famEnd > 0 ? this.#famEnd : this.#pos
      if (this.#pos >= this.#end) return (this.#kind = Entry.EOF)
      const end = this.#len(this.#end)
      this.#familyHeader(this.#pos, end)
    }
  }

  /** Reads name, help, type and unit of the family in [start, end); its metrics come next. */
  #familyHeader (start: number, end: number): void {
    this.#family = ''; this.#help = ''; this.#unit = ''; this.#typeNum = 3
    while (this.#pos < end) {
      const tag = this.#varint(end)
      if (tag === 10) this.#family = this.#string(end)
      else if (tag === 18) this.#help = this.#string(end)
      else if (tag === 24) this.#typeNum = this.#varint(end)
      else if (tag === 42) this.#unit = this.#string(end)
      else this.#skip(tag & 7, end)
    }
    if (TYPES[this.#typeNum] === undefined) throw new WireError(`unknown metric type ${this.#typeNum} in family ${this.#family}`)
    if (this.#family === '') throw new WireError('metric family without a name')
    this.#famPos = start
    this.#famEnd = end
    this.#meta = 3
  }

  /** Reads the metric in [start, end) into the scratch fields and sets up its emission. */
  #metric (start: number, end: number): void {
    this.#pos = start
    this.#nLabels = 0
    this.#ts = undefined
    this.#created = undefined
    let bodyAt = -1; let bodyEnd = -1; let bodyField = 0
    // The label fields' bytes, tags included, when they are written back to back (the usual case).
    let labelsFrom = -1; let labelsTo = -1; let contiguous = true
    while (this.#pos < end) {
      const tagAt = this.#pos
      const tag = this.#varint(end)
      if (tag === 10) {
        if (labelsFrom < 0) labelsFrom = tagAt
        else if (labelsTo !== tagAt) contiguous = false
        const e = this.#len(end)
        if (this.#nLabels * 2 + 2 > this.#labelAt.length) { const a = new Int32Array(this.#labelAt.length * 2); a.set(this.#labelAt); this.#labelAt = a }
        this.#labelAt[this.#nLabels * 2] = this.#pos
        this.#labelAt[this.#nLabels * 2 + 1] = e
        this.#nLabels++
        this.#pos = e
        labelsTo = e
      } else if (tag === 48) {
        // Prometheus treats 0 as no timestamp.
        const ts = int64(this.#varint(end))
        this.#ts = ts === 0 ? undefined : ts
      } else if ((tag & 7) === 2 && ((tag >>> 3) === 2 || (tag >>> 3) === 3 || (tag >>> 3) === 4 || (tag >>> 3) === 5 || (tag >>> 3) === 7)) {
        bodyEnd = this.#len(end); bodyAt = this.#pos; bodyField = tag >>> 3
        this.#pos = bodyEnd
      } else this.#skip(tag & 7, end)
    }
    // The key: the label fields' bytes as written (latin1, one char per byte), as the text
    // parsers key by the series text; the suffix and le/quantile are prepended per entry.
    let key = ''
    if (contiguous) {
      if (labelsFrom >= 0) key = this.#buf.toString('latin1', labelsFrom, labelsTo)
    } else {
      // Length-prefixed pieces; '\x00' first, so no contiguous key can equal it.
      key = '\x00'
      for (let i = 0; i < this.#nLabels; i++) {
        const a = this.#labelAt[i * 2]; const b = this.#labelAt[i * 2 + 1]
        key += String.fromCharCode(b - a) + this.#buf.toString('latin1', a, b)
      }
    }
    this.#labelKey = key

    const want = BODY_FIELD[this.#typeNum]
    if (bodyAt >= 0 && bodyField !== want) throw new WireError(`metric of family ${this.#family} (${TYPES[this.#typeNum]}) carries field ${bodyField}`)
    if (bodyAt < 0) { bodyAt = end; bodyEnd = end }
    this.#exAt = -1; this.#exEnd = -1
    this.#histogram = undefined
    this.#isNative = false
    this.#pos = bodyAt
    if (want === 7) this.#histogramBody(bodyEnd)
    else if (want === 4) this.#summaryBody(bodyEnd)
    else this.#simpleBody(bodyEnd)
  }

  #simpleBody (end: number): void {
    let value = 0
    while (this.#pos < end) {
      const tag = this.#varint(end)
      if (tag === 9) value = this.#double(end)
      else if (tag === 18 && this.#typeNum === 0) { const e = this.#len(end); this.#exAt = this.#pos; this.#exEnd = e; this.#pos = e } else if (tag === 26 && this.#typeNum === 0) { const e = this.#len(end); this.#created = this.#timestamp(e) } else this.#skip(tag & 7, end)
    }
    this.#value = value
    this.#step = S_VALUE
  }

  #growItems (): void {
    if (this.#items < this.#itemA.length) return
    const n = this.#itemA.length * 2
    const a = new Float64Array(n); a.set(this.#itemA); this.#itemA = a
    const b = new Float64Array(n); b.set(this.#itemB); this.#itemB = b
    const x = new Int32Array(n * 2); x.set(this.#itemEx); this.#itemEx = x
  }

  #summaryBody (end: number): void {
    this.#count = 0; this.#sum = 0; this.#items = 0
    while (this.#pos < end) {
      const tag = this.#varint(end)
      if (tag === 8) this.#count = this.#varint(end)
      else if (tag === 17) this.#sum = this.#double(end)
      else if (tag === 26) {
        const e = this.#len(end); let q = 0; let v = 0
        while (this.#pos < e) { const t = this.#varint(e); if (t === 9) q = this.#double(e); else if (t === 17) v = this.#double(e); else this.#skip(t & 7, e) }
        this.#growItems()
        this.#itemA[this.#items] = q; this.#itemB[this.#items] = v; this.#itemEx[this.#items * 2] = -1
        this.#items++
      } else if (tag === 34) { const e = this.#len(end); this.#created = this.#timestamp(e) } else this.#skip(tag & 7, end)
    }
    this.#sawInf = true
    this.#step = S_COUNT
  }

  #histogramBody (end: number): void {
    let count = 0; let countF = 0; let sum = 0; let schema = 0; let zt = 0; let zc = 0; let zcF = 0
    let posSpans: number[] | undefined; let negSpans: number[] | undefined
    const posD: number[] = []; const negD: number[] = []; const posC: number[] = []; const negC: number[] = []
    this.#items = 0
    this.#sawInf = false
    while (this.#pos < end) {
      const tag = this.#varint(end)
      switch (tag) {
        case 8: count = this.#varint(end); break
        case 33: countF = this.#double(end); break
        case 17: sum = this.#double(end); break
        case 26: this.#bucket(this.#len(end)); break
        case 40: schema = zigzag(this.#varint(end)); break
        case 49: zt = this.#double(end); break
        case 56: zc = this.#varint(end); break
        case 65: zcF = this.#double(end); break
        case 74: (negSpans ??= []); this.#span(negSpans, this.#len(end)); break
        case 98: (posSpans ??= []); this.#span(posSpans, this.#len(end)); break
        case 80: negD.push(zigzag(this.#varint(end))); break
        case 82: { const e = this.#len(end); while (this.#pos < e) negD.push(zigzag(this.#varint(e))); break }
        case 104: posD.push(zigzag(this.#varint(end))); break
        case 106: { const e = this.#len(end); while (this.#pos < e) posD.push(zigzag(this.#varint(e))); break }
        case 89: negC.push(this.#double(end)); break
        case 90: { const e = this.#len(end); while (this.#pos < e) negC.push(this.#double(e)); break }
        case 113: posC.push(this.#double(end)); break
        case 114: { const e = this.#len(end); while (this.#pos < e) posC.push(this.#double(e)); break }
        case 122: { const e = this.#len(end); this.#created = this.#timestamp(e); break }
        case 130: {
          // Native-histogram exemplars: the first with a timestamp (Prometheus drops those without).
          const e = this.#len(end)
          if (this.#exAt < 0 && this.#exemplarHasTs(this.#pos, e)) { this.#exAt = this.#pos; this.#exEnd = e }
          this.#pos = e
          break
        }
        default: this.#skip(tag & 7, end)
      }
    }
    const total = countF > 0 ? countF : count
    this.#count = total
    this.#sum = sum
    // What Prometheus takes for a native histogram: spans or a zero bucket.
    this.#isNative = posSpans !== undefined || negSpans !== undefined || zt > 0 || zc > 0 || zcF > 0
    if (this.#isNative && this.#native) {
      const float = countF > 0 || zcF > 0
      const h: Histogram = {
        float,
        schema,
        zeroThreshold: zt,
        zeroCount: float ? zcF : zc,
        count: total,
        sum,
        positiveSpans: posSpans ?? [],
        positiveBuckets: float ? posC : posD,
        negativeSpans: negSpans ?? [],
        negativeBuckets: float ? negC : negD,
        customValues: [],
        resetHint: this.#typeNum === 5 ? RESET_GAUGE : RESET_UNKNOWN,
      }
      const bad = validateHistogram(h)
      if (bad !== undefined) throw new WireError(`${bad} in family ${this.#family}`)
      this.#histogram = h
      this.#step = S_VALUE
      return
    }
    this.#step = S_COUNT
  }

  #exemplarHasTs (start: number, end: number): boolean {
    const save = this.#pos
    this.#pos = start
    let has = false
    while (this.#pos < end) { const t = this.#varint(end); if (t === 26) has = true; this.#skip(t & 7, end) }
    this.#pos = save
    return has
  }

  #span (out: number[], end: number): void {
    let offset = 0; let length = 0
    while (this.#pos < end) {
      const t = this.#varint(end)
      if (t === 8) offset = zigzag(this.#varint(end)); else if (t === 16) length = this.#varint(end); else this.#skip(t & 7, end)
    }
    out.push(offset, length)
  }

  #bucket (end: number): void {
    let le = 0; let c = 0; let cf = 0; let exAt = -1; let exEnd = -1
    while (this.#pos < end) {
      const t = this.#varint(end)
      if (t === 8) c = this.#varint(end)
      else if (t === 33) cf = this.#double(end)
      else if (t === 17) le = this.#double(end)
      else if (t === 26) { exEnd = this.#len(end); exAt = this.#pos; this.#pos = exEnd } else this.#skip(t & 7, end)
    }
    this.#growItems()
    const i = this.#items++
    this.#itemA[i] = le; this.#itemB[i] = cf > 0 ? cf : c
    this.#itemEx[i * 2] = exAt; this.#itemEx[i * 2 + 1] = exEnd
    if (le === Infinity) this.#sawInf = true
  }

  /** Sets the next entry of the current metric; false when the metric is done. */
  #emit (): boolean {
    const gauge = this.#typeNum === 5
    const summary = this.#typeNum === 2
    this.#extraName = ''; this.#extraValue = ''
    this.#entryExAt = -1; this.#entryExEnd = -1
    switch (this.#step) {
      case S_VALUE:
        this.#suffix = ''
        this.#entryExAt = this.#exAt; this.#entryExEnd = this.#exEnd
        if (this.#histogram !== undefined) {
          this.#kind = Entry.Histogram
          // The classic series follow only when wanted and present.
          this.#step = this.#classic && this.#items > 0 ? S_COUNT : S_DONE
        } else {
          this.#kind = Entry.Series
          this.#entryValue = this.#value
          this.#step = S_DONE
        }
        return true
      case S_COUNT:
        this.#kind = Entry.Series
        this.#suffix = gauge ? '_gcount' : '_count'
        this.#entryValue = this.#count
        this.#step = S_SUM
        return true
      case S_SUM:
        this.#kind = Entry.Series
        this.#suffix = gauge ? '_gsum' : '_sum'
        this.#entryValue = this.#sum
        this.#item = 0
        this.#step = this.#items > 0 ? S_ITEM : summary ? S_DONE : S_INF
        return true
      case S_ITEM: {
        const i = this.#item++
        this.#kind = Entry.Series
        this.#suffix = summary ? '' : '_bucket'
        this.#extraName = summary ? 'quantile' : 'le'
        this.#extraValue = formatBound(this.#itemA[i])
        this.#entryValue = this.#itemB[i]
        this.#entryExAt = this.#itemEx[i * 2]; this.#entryExEnd = this.#itemEx[i * 2 + 1]
        if (this.#item >= this.#items) this.#step = summary || this.#sawInf ? S_DONE : S_INF
        return true
      }
      case S_INF:
        // The +Inf bucket is optional in protobuf; Prometheus adds it from the count.
        this.#kind = Entry.Series
        this.#suffix = '_bucket'
        this.#extraName = 'le'
        this.#extraValue = '+Inf'
        this.#entryValue = this.#count
        this.#step = S_DONE
        return true
    }
    return false
  }

  series (): string { return this.#family + this.#suffix + '\xff' + this.#extraValue + '\xff' + this.#labelKey }
  value (): number { return this.#entryValue }
  timestamp (): number | undefined { return this.#ts }
  /** Histogram entries: the native histogram. */
  histogram (): Histogram { return this.#histogram! }
  /** The created timestamp of the current metric (counter, summary, histogram), in ms. */
  createdTimestamp (): number | undefined { return this.#created }

  labels (out: Label[]): void {
    const start = out.length
    out.push({ name: '__name__', value: this.#family + this.#suffix })
    const save = this.#pos
    try {
      for (let i = 0; i < this.#nLabels; i++) {
        const end = this.#labelAt[i * 2 + 1]
        this.#pos = this.#labelAt[i * 2]
        let name = ''; let value = ''
        while (this.#pos < end) {
          const tag = this.#varint(end)
          if (tag === 10) name = this.#string(end); else if (tag === 18) value = this.#string(end); else this.#skip(tag & 7, end)
        }
        out.push({ name, value })
      }
    } catch (e) {
      if (e instanceof WireError) throw new ParseError(`protobuf: ${e.message} in a label at byte ${this.#pos}`, 1, this.#pos + 1)
      throw e
    } finally {
      this.#pos = save
    }
    if (this.#extraName !== '') out.push({ name: this.#extraName, value: this.#extraValue })
    const mine = out.splice(start).sort(byName)
    for (let i = 1; i < mine.length; i++) {
      if (mine[i].name === mine[i - 1].name) throw new ParseError(`protobuf: duplicate label name ${mine[i].name} in ${this.#family}`, 1, this.#labelAt[0] + 1)
    }
    for (const l of mine) out.push(l)
  }

  exemplar (): Exemplar | undefined {
    if (this.#entryExAt < 0) return undefined
    const save = this.#pos
    const end = this.#entryExEnd
    this.#pos = this.#entryExAt
    const labels: Label[] = []; let value = 0; let ts: number | undefined
    try {
      while (this.#pos < end) {
        const tag = this.#varint(end)
        if (tag === 10) {
          const e = this.#len(end); let name = ''; let v = ''
          while (this.#pos < e) { const t = this.#varint(e); if (t === 10) name = this.#string(e); else if (t === 18) v = this.#string(e); else this.#skip(t & 7, e) }
          labels.push({ name, value: v })
        } else if (tag === 17) value = this.#double(end)
        else if (tag === 26) ts = this.#timestamp(this.#len(end))
        else this.#skip(tag & 7, end)
      }
    } catch (e) {
      if (e instanceof WireError) throw new ParseError(`protobuf: ${e.message} in an exemplar at byte ${this.#pos}`, 1, this.#pos + 1)
      throw e
    } finally {
      this.#pos = save
    }
    return { labels, value, timestamp: ts }
  }

  metricFamily (): string { return this.#family }
  type (): MetricType { return TYPES[this.#typeNum] }
  help (): string { return this.#help }
  unit (): string { return this.#unit }
  isCreated (): boolean { return false }
}
