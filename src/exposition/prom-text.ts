// Prometheus text format 0.0.4, following model/textparse/promparse.go: tokens may be separated
// by any run of spaces and tabs, blank lines and `#` comments are skipped, label values may hold
// raw newlines, trailing commas and even missing commas between labels are accepted, timestamps
// are integer milliseconds. Like Prometheus, a carriage return is not a line ending: CRLF bodies
// fail ("1\r" is not a number).

import type { Exemplar, Label, MetricType } from '../storage/series.js'
import { Entry } from './entry.js'
import type { EntryKind } from './entry.js'
import { ParseError } from './entry.js'
import { BodyChunks } from './chunks.js'
import { expectedAt, linesDown, parseErrorAt } from './errors.js'
import type { ExpositionParser, ParserOptions } from './parser.js'
import {
  ExpositionDecodeError, decodeSeries, endOfQuoted, flatCopy, isLabelNameStart, isLabelNameChar, isMetricNameChar,
  isMetricNameStart, isNaNWord, parseNumber, seriesName, unescape
} from './scan.js'

const SP = 32
const TAB = 9
const LF = 10
const QUOTE = 34
const HASH = 35
const COMMA = 44
const EQUAL = 61
const LBRACE = 123
const RBRACE = 125

export class PromTextParser implements ExpositionParser {
  /** The text being scanned: the whole body, or the current chunk of a Buffer body. */
  private s: string
  /** Buffer bodies: where s and the chunks after it come from. */
  private readonly chunks: BodyChunks | undefined
  private pos = 0
  /** Start of the current entry's line, and of its series text / family name. */
  private lineStart = 0
  private start = 0
  private end = 0
  private val = 0
  private ts = 0
  private hasTs = false
  private textStart = 0
  private textEnd = 0
  private mtype: MetricType = 'unknown'
  /** Family name of the last TYPE line (as written): decides le/quantile normalisation in labels(). */
  private typed = ''
  private typedAs: MetricType = 'unknown'
  private hintKey: string | undefined = undefined
  private hit = false

  constructor (body: string | Buffer, options: ParserOptions = {}) {
    if (typeof body === 'string') {
      this.s = body
      this.chunks = undefined
    } else {
      this.chunks = new BodyChunks(body, options.chunkSize)
      this.s = this.chunks.next()
    }
  }

  next (): EntryKind {
    const key = this.hintKey
    for (;;) {
      try {
        return this.entry()
      } catch (e) {
        const chunks = this.chunks
        if (chunks === undefined || chunks.final || !(e instanceof ParseError)) throw this.bodyWide(e)
        // The entry may go on in the next chunk (a raw newline in a quoted label value), or
        // fail for real: scan it again in a longer chunk, up to the end of the body.
        this.s = chunks.extend(this.s, this.lineStart)
        this.pos = this.lineStart = 0
        this.hintKey = key
      }
    }
  }

  private entry (): EntryKind {
    let s = this.s
    let n = s.length
    let i = this.pos
    for (;;) {
      if (i >= n) {
        const chunks = this.chunks
        if (chunks === undefined || chunks.final) { this.pos = i; return Entry.EOF }
        s = this.s = chunks.next()
        n = s.length
        i = this.lineStart = 0
        continue
      }
      const c = s.charCodeAt(i)
      if (c === LF) { i++; this.lineStart = i; continue }
      if (c === SP || c === TAB) { i++; continue }
      if (c === HASH) return this.commentLine(i)
      return this.sample(i)
    }
  }

  private sample (i: number): EntryKind {
    const s = this.s
    const n = s.length
    this.start = i
    let c = 0
    const key = this.hintKey
    this.hintKey = undefined
    this.hit = false
    if (key !== undefined) {
      const e = i + key.length
      // One memcmp; the same text scans to the same series as when the key was cut from it.
      if (e < n && ((c = s.charCodeAt(e)) === SP || c === TAB) && s.slice(i, e) === key) {
        this.hit = true
        i = e
        while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
        // `name {…}`: a key without a label block matched only a prefix of the series.
        if (c === LBRACE && key.charCodeAt(key.length - 1) !== RBRACE) { this.hit = false; i = this.start }
      }
    }
    if (this.hit) {
      this.end = this.start + key!.length
      return this.valueAndTimestamp(i)
    }
    c = s.charCodeAt(i)
    let named = false
    if (isMetricNameStart(c)) {
      i++
      while (i < n && isMetricNameChar(s.charCodeAt(i))) i++
      named = true
    } else if (c !== LBRACE) {
      throw expectedAt(s, this.lineStart, i, 'expected a valid start token')
    }
    this.end = i
    while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
    if (i < n && c === LBRACE) {
      i = this.labelBlock(i + 1, named)
      this.end = i
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
    }
    return this.valueAndTimestamp(i)
  }

  /** From the first character of the value (whitespace after the series skipped) to the end of the line. */
  private valueAndTimestamp (i: number): EntryKind {
    const s = this.s
    const n = s.length
    let c = 0
    // Value: a run of anything but whitespace and '{'.
    const v = i
    while (i < n && (c = s.charCodeAt(i)) !== SP && c !== TAB && c !== LF && c !== LBRACE) i++
    if (i === v) throw expectedAt(s, this.lineStart, i, 'expected value after metric')
    const val = parseNumber(s, v, i)
    if (val !== val && !isNaNWord(s, v, i)) {
      throw parseErrorAt(s, v, `invalid value ${JSON.stringify(s.slice(v, i))} while parsing: ${JSON.stringify(s.slice(this.lineStart, i))}`)
    }
    this.val = val
    while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
    if (i >= n || c === LF) {
      this.hasTs = false
    } else if (c >= 48 && c <= 57) {
      let ts = 0
      do { ts = ts * 10 + (c - 48); i++ } while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57)
      this.ts = ts
      this.hasTs = true
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
      if (i < n && c !== LF) throw expectedAt(s, this.lineStart, i, 'expected next entry after timestamp')
    } else {
      throw expectedAt(s, this.lineStart, i, 'expected timestamp or new record')
    }
    this.pos = i
    return Entry.Series
  }

  /** Validates a label block starting after '{'; returns the index after '}'. */
  private labelBlock (i: number, named: boolean): number {
    const s = this.s
    const n = s.length
    let c = 0
    for (;;) {
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
      if (i >= n) throw expectedAt(s, this.lineStart, i, 'expected label name')
      if (c === RBRACE) break
      let quoted = false
      if (isLabelNameStart(c)) {
        i++
        while (i < n && isLabelNameChar(s.charCodeAt(i))) i++
      } else if (c === QUOTE) {
        i = endOfQuoted(s, i + 1, n)
        if (i >= n) throw expectedAt(s, this.lineStart, i, 'unterminated quoted string')
        i++
        quoted = true
      } else {
        throw expectedAt(s, this.lineStart, i, 'expected label name')
      }
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
      if (quoted && (c === COMMA || c === RBRACE)) { // {"metric.name", ...}: a UTF-8 metric name
        if (named) throw parseErrorAt(s, i, `metric name already set while parsing: ${JSON.stringify(s.slice(this.start, i))}`)
        named = true
        if (c === RBRACE) break
        i++
        continue
      }
      if (i >= n || c !== EQUAL) throw expectedAt(s, this.lineStart, i, 'expected equal')
      i++
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
      if (i >= n || c !== QUOTE) throw expectedAt(s, this.lineStart, i, 'expected label value')
      i = endOfQuoted(s, i + 1, n)
      if (i >= n) throw expectedAt(s, this.lineStart, i, 'unterminated label value')
      i++
      while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
      if (i < n && c === COMMA) i++
    }
    if (!named) throw parseErrorAt(s, i, `metric name not set while parsing: ${JSON.stringify(s.slice(this.start, i + 1))}`)
    return i + 1
  }

  private commentLine (i: number): EntryKind {
    const s = this.s
    const n = s.length
    let j = i + 1
    let c = s.charCodeAt(j)
    if (j < n && (c === SP || c === TAB)) {
      while (j < n && ((c = s.charCodeAt(j)) === SP || c === TAB)) j++
      const help = s.startsWith('HELP', j)
      if ((help || s.startsWith('TYPE', j)) && ((c = s.charCodeAt(j + 4)) === SP || c === TAB)) {
        return this.metadata(j + 4, help)
      }
    }
    const eol = s.indexOf('\n', i)
    this.textStart = i
    this.textEnd = this.pos = eol < 0 ? n : eol
    return Entry.Comment
  }

  private metadata (i: number, help: boolean): EntryKind {
    const s = this.s
    const n = s.length
    let c = 0
    while (i < n && ((c = s.charCodeAt(i)) === SP || c === TAB)) i++
    this.start = i
    if (i < n && isMetricNameStart(c)) {
      i++
      while (i < n && isMetricNameChar(s.charCodeAt(i))) i++
    } else if (i < n && c === QUOTE) {
      i = endOfQuoted(s, i + 1, n)
      if (i >= n) throw expectedAt(s, this.lineStart, i, 'unterminated quoted metric name')
      i++
    } else {
      throw expectedAt(s, this.lineStart, i, `expected metric name after ${help ? 'HELP' : 'TYPE'}`)
    }
    this.end = i
    let eol = s.indexOf('\n', i)
    if (eol < 0) eol = n
    // Prometheus drops exactly one separator character before the text.
    this.textStart = i < eol ? i + 1 : eol
    this.textEnd = this.pos = eol
    if (help) return Entry.Help
    const t = s.slice(this.textStart, eol)
    switch (t) {
      case 'counter': case 'gauge': case 'histogram': case 'summary': this.mtype = t; break
      case 'untyped': this.mtype = 'unknown'; break
      default: throw parseErrorAt(s, this.textStart, `invalid metric type ${JSON.stringify(t)}`)
    }
    // A slice, not a copy: labels() needs it only on a cache miss.
    this.typed = s.slice(this.start, this.end)
    this.typedAs = this.mtype
    return Entry.Type
  }

  series (): string { return this.s.slice(this.start, this.end) }
  hint (key: string): void { this.hintKey = key }
  hinted (): boolean { return this.hit }
  value (): number { return this.val }
  timestamp (): number | undefined { return this.hasTs ? this.ts : undefined }
  exemplar (): Exemplar | undefined { return undefined }
  isCreated (): boolean { return false }
  type (): MetricType { return this.mtype }
  unit (): string { return '' }
  help (): string { return unescape(this.s, this.textStart, this.textEnd, false) }
  /** Comment entries: the whole line, `#` included. */
  comment (): string { return this.s.slice(this.textStart, this.textEnd) }

  metricFamily (): string {
    const s = this.s
    return s.charCodeAt(this.start) === QUOTE
      ? unescape(s, this.start + 1, this.end - 1, true)
      : flatCopy(s.slice(this.start, this.end))
  }

  labels (out: Label[]): void {
    const s = this.s
    // Prometheus normalises le/quantile by the last TYPE; we also require the series to belong to it.
    let type: MetricType = 'unknown'
    const f = this.typed
    if (f !== '') {
      if (s.charCodeAt(this.start) !== LBRACE) {
        if (f.charCodeAt(0) !== QUOTE && s.startsWith(f, this.start)) type = this.typedAs
      } else if (seriesName(s, this.start, this.end).startsWith(f.charCodeAt(0) === QUOTE ? unescape(f, 1, f.length - 1, true) : f)) {
        type = this.typedAs // {"name",...}: the name is inside the braces, and may be quoted in TYPE or not
      }
    }
    try {
      decodeSeries(s, this.start, this.end, type, out)
    } catch (e) {
      if (e instanceof ExpositionDecodeError) throw this.bodyWide(parseErrorAt(s, e.offset, e.message))
      throw e
    }
  }

  /** Positions of an error in a chunk of a Buffer body made body-wide. */
  private bodyWide (e: unknown): unknown {
    return e instanceof ParseError && this.chunks !== undefined ? linesDown(e, this.chunks.linesBefore()) : e
  }
}
