// OpenMetrics 1.0 text, following model/textparse/openmetricsparse.go for syntax: exactly one
// space between tokens, no blank lines, no comments other than HELP/TYPE/UNIT, labels without
// whitespace, timestamps in seconds (converted to ms, truncated), optional exemplars after
// ` # `, and a final `# EOF` with nothing after it. Quoted UTF-8 metric and label names
// (`{"a.b","c.d"="1"}`, `# TYPE "a.b" gauge`) are read as Prometheus 3 reads them, in both modes.
// In strict mode (lint) the remaining rules of the spec are checked by OpenMetricsValidator,
// and trailing commas in label sets are refused.

import type { Exemplar, Label, MetricType } from '../storage/series.js'
import { Entry, ParseError } from './entry.js'
import type { EntryKind } from './entry.js'
import { BodyChunks } from './chunks.js'
import { expectedAt, linesDown, parseErrorAt } from './errors.js'
import type { ExpositionParser, ParserOptions } from './parser.js'
import { OpenMetricsValidator, codePoints } from './om-validate.js'
import {
  ExpositionDecodeError, decodeSeries, flatCopy, isLabelNameChar, isLabelNameStart, isMetricNameChar,
  isMetricNameStart, isNaNWord, parseNumber, seriesName, unescape
} from './scan.js'

const SP = 32
const LF = 10
const QUOTE = 34
const HASH = 35
const COMMA = 44
const EQUAL = 61
const LBRACE = 123
const RBRACE = 125
const BACKSLASH = 92

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'])
const CREATED_TYPES = new Set<MetricType>(['counter', 'summary', 'histogram'])

export class OpenMetricsParser implements ExpositionParser {
  /** The text being scanned: the whole body, or the current chunk of a Buffer body. */
  private s: string
  /** Buffer bodies: where s and the chunks after it come from. */
  private readonly chunks: BodyChunks | undefined
  /** s ends the body: only then may `# EOF` end it. */
  private final: boolean
  private readonly strict: boolean
  private readonly validator: OpenMetricsValidator | undefined
  private pos = 0
  private done = false
  private lineStart = 0
  private start = 0
  private end = 0
  private nameEnd = 0
  private val = 0
  private ts: number | undefined
  private exStart = -1
  private exEnd = 0
  private exVal = 0
  private exTs: number | undefined
  private textStart = 0
  private textEnd = 0
  private kind: EntryKind = Entry.EOF
  private mtype: MetricType = 'unknown'
  private typedFamily = ''
  private typedAs: MetricType = 'unknown'
  /** Counts the chunks s has been (a look-ahead's positions are in one). */
  private chunkId = 0
  /**
   * The last created-timestamp look-ahead, made in chunk ctChunk from the line at ctFrom: the
   * first `_created` line at ctUntil, its label text at [ctLabelsStart, ctLabelsEnd), its value
   * in ms (0: none found before the family's end, ctUntil).
   */
  private ctChunk = -1
  private ctFrom = 0
  private ctUntil = 0
  private ctLabelsStart = 0
  private ctLabelsEnd = 0
  private ctMs = 0

  constructor (body: string | Buffer, options: ParserOptions = {}) {
    if (typeof body === 'string') {
      this.s = body
      this.chunks = undefined
      this.final = true
    } else {
      this.chunks = new BodyChunks(body, options.chunkSize)
      this.s = this.chunks.next()
      this.final = this.chunks.final
    }
    this.strict = options.strict === true
    this.validator = this.strict ? new OpenMetricsValidator() : undefined
  }

  next (): EntryKind {
    if (this.done) return Entry.EOF
    let kind: EntryKind
    for (;;) {
      const i = this.pos
      if (i >= this.s.length) {
        if (this.final) throw this.bodyWide(parseErrorAt(this.s, i, 'data does not end with # EOF'))
        this.s = this.chunks!.next()
        this.chunkId++
        this.final = this.chunks!.final
        this.pos = 0
        continue
      }
      this.lineStart = i
      try {
        kind = this.s.charCodeAt(i) === HASH ? this.metaLine(i) : this.sample(i)
        break
      } catch (e) {
        if (this.final || !(e instanceof ParseError)) throw this.bodyWide(e)
        // OpenMetrics lines never straddle chunks, but the error may depend on what follows
        // (data after `# EOF`): scan the line again in a longer chunk, up to the end of the body.
        this.s = this.chunks!.extend(this.s, i)
        this.chunkId++
        this.final = this.chunks!.final
        this.pos = 0
      }
    }
    this.kind = kind
    // Outside the retry above: the validator must see each entry once.
    if (this.validator !== undefined && kind !== Entry.EOF) {
      try {
        if (kind === Entry.Series) this.validate()
        else this.validateMetadata(kind)
      } catch (e) { throw this.bodyWide(e) }
    }
    return kind
  }

  private sample (i: number): EntryKind {
    const s = this.s
    const n = s.length
    this.start = i
    const c = s.charCodeAt(i)
    let named = false
    if (isMetricNameStart(c)) {
      i++
      while (i < n && isMetricNameChar(s.charCodeAt(i))) i++
      named = true
    } else if (c !== LBRACE) {
      throw expectedAt(s, this.lineStart, i, 'expected a valid start token')
    }
    this.nameEnd = i
    if (i < n && s.charCodeAt(i) === LBRACE) i = this.labelBlock(i + 1, named, false)
    this.end = i
    i = this.number(i, 'metric')
    this.val = this.lastNumber
    this.ts = undefined
    this.exStart = -1
    if (i < n && s.charCodeAt(i) === SP && !s.startsWith(' # {', i)) {
      i = this.number(i, 'timestamp')
      this.ts = this.lastNumber
    }
    if (s.startsWith(' # {', i)) i = this.exemplarAt(i + 4)
    if (i >= n) throw parseErrorAt(s, i, 'data does not end with # EOF')
    if (s.charCodeAt(i) !== LF) throw expectedAt(s, this.lineStart, i, 'expected next entry')
    this.pos = i + 1
    return Entry.Series
  }

  private lastNumber = 0

  /** Reads ` <number>` at i (the space included); returns the index after it. */
  private number (i: number, what: 'metric' | 'timestamp' | 'exemplar' | 'exemplar timestamp'): number {
    const s = this.s
    const n = s.length
    const expected = what === 'metric' || what === 'exemplar' ? `expected value after ${what}` : `expected ${what}`
    if (i >= n || s.charCodeAt(i) !== SP) throw expectedAt(s, this.lineStart, i, expected)
    const a = ++i
    let c = 0
    while (i < n && (c = s.charCodeAt(i)) !== SP && c !== LF) i++
    if (i === a) throw expectedAt(s, this.lineStart, i, expected)
    const v = parseNumber(s, a, i)
    if (v !== v && (!isNaNWord(s, a, i) || what === 'timestamp' || what === 'exemplar timestamp')) {
      throw parseErrorAt(s, a, `invalid ${what} ${JSON.stringify(s.slice(a, i))}`)
    }
    if ((what === 'timestamp' || what === 'exemplar timestamp') && (v === Infinity || v === -Infinity)) {
      throw parseErrorAt(s, a, `invalid ${what} ${JSON.stringify(s.slice(a, i))}`)
    }
    this.lastNumber = v
    return i
  }

  private exemplarAt (i: number): number {
    this.exStart = i - 1
    i = this.labelBlock(i, true, true)
    this.exEnd = i
    i = this.number(i, 'exemplar')
    this.exVal = this.lastNumber
    this.exTs = undefined
    if (i < this.s.length && this.s.charCodeAt(i) === SP) {
      i = this.number(i, 'exemplar timestamp')
      this.exTs = this.lastNumber
    }
    return i
  }

  /** Validates a label block starting after '{'; returns the index after '}'. */
  private labelBlock (i: number, named: boolean, exemplar: boolean): number {
    const s = this.s
    const n = s.length
    let c = s.charCodeAt(i)
    if (i < n && c === RBRACE) return i + 1
    for (;;) {
      if (i >= n) throw expectedAt(s, this.lineStart, i, 'expected label name')
      c = s.charCodeAt(i)
      let quoted = false
      if (isLabelNameStart(c)) {
        i++
        while (i < n && isLabelNameChar(s.charCodeAt(i))) i++
      } else if (c === QUOTE) {
        i = this.quoted(i)
        quoted = true
      } else {
        throw expectedAt(s, this.lineStart, i, 'expected label name')
      }
      c = s.charCodeAt(i)
      if (quoted && !exemplar && (c === COMMA || c === RBRACE)) { // {"metric.name", ...}
        if (named) throw parseErrorAt(s, i, 'metric name already set')
        named = true
      } else {
        if (i >= n || c !== EQUAL) throw expectedAt(s, this.lineStart, i, 'expected equal')
        i++
        if (i >= n || s.charCodeAt(i) !== QUOTE) throw expectedAt(s, this.lineStart, i, 'expected label value')
        i = this.quoted(i)
        c = s.charCodeAt(i)
      }
      if (i < n && c === RBRACE) break
      if (i >= n || c !== COMMA) throw expectedAt(s, this.lineStart, i, 'expected comma or brace close')
      i++
      if (i < n && s.charCodeAt(i) === RBRACE) {
        if (this.strict) throw expectedAt(s, this.lineStart, i, 'expected label name')
        break
      }
    }
    if (!named) throw parseErrorAt(s, i, 'metric name not set')
    return i + 1
  }

  /** Scans a quoted string at i (on the opening quote); returns the index after the closing one. */
  private quoted (i: number): number {
    const s = this.s
    const n = s.length
    i++
    while (i < n) {
      const c = s.charCodeAt(i)
      if (c === QUOTE) return i + 1
      if (c === LF) break
      if (c === BACKSLASH) {
        if (i + 1 < n && s.charCodeAt(i + 1) === LF) break
        i += 2
      } else {
        i++
      }
    }
    throw expectedAt(s, this.lineStart, Math.min(i, n), 'unterminated quoted string')
  }

  private metaLine (i: number): EntryKind {
    const s = this.s
    const n = s.length
    if (s.startsWith('# EOF', i)) {
      const e = i + 5
      // In a chunk that does not end the body, more data follows whatever this line ends with.
      if (this.final && (e === n || (e === n - 1 && s.charCodeAt(e) === LF))) {
        try { this.validator?.end(i) } catch (e) { throw this.wrap(e) }
        this.done = true
        this.pos = n
        return Entry.EOF
      }
      if (e < n && s.charCodeAt(e) !== LF) throw expectedAt(s, i, e, 'expected line break after # EOF')
      throw parseErrorAt(s, e + 1, 'unexpected data after # EOF')
    }
    let kind: EntryKind
    if (s.startsWith('# HELP ', i)) kind = Entry.Help
    else if (s.startsWith('# TYPE ', i)) kind = Entry.Type
    else if (s.startsWith('# UNIT ', i)) kind = Entry.Unit
    else throw expectedAt(s, i, i + 1, 'expected "# HELP", "# TYPE", "# UNIT" or "# EOF"')
    i += 7
    this.start = i
    const c = s.charCodeAt(i)
    if (i < n && isMetricNameStart(c)) {
      i++
      while (i < n && isMetricNameChar(s.charCodeAt(i))) i++
    } else if (i < n && c === QUOTE) {
      i = this.quoted(i)
    } else {
      throw expectedAt(s, this.lineStart, i, 'expected metric name')
    }
    this.end = i
    if (i >= n || s.charCodeAt(i) !== SP) throw expectedAt(s, this.lineStart, i, 'expected space and text after metric name')
    const eol = s.indexOf('\n', i)
    if (eol < 0) throw parseErrorAt(s, n, 'data does not end with # EOF')
    this.textStart = i + 1
    this.textEnd = eol
    this.pos = eol + 1
    const family = this.family = this.metricFamily()
    if (kind === Entry.Type) {
      const t = s.slice(this.textStart, eol)
      if (!TYPES.has(t)) throw parseErrorAt(s, this.textStart, `invalid metric type ${JSON.stringify(t)}`)
      this.mtype = t as MetricType
      this.typedFamily = family
      this.typedAs = this.mtype
    } else if (kind === Entry.Unit) {
      const u = s.slice(this.textStart, eol)
      if (u !== '' && !family.endsWith('_' + u)) throw parseErrorAt(s, this.textStart, `unit ${JSON.stringify(u)} not a suffix of metric ${JSON.stringify(family)}`)
    }
    return kind
  }

  /** Family name of the last HELP/TYPE/UNIT line, for the validator. */
  private family = ''

  private validateMetadata (kind: EntryKind): void {
    const text = kind === Entry.Help ? this.help() : this.s.slice(this.textStart, this.textEnd)
    try {
      this.validator!.metadata(kind === Entry.Help ? 'help' : kind === Entry.Type ? 'type' : 'unit', this.family, text, this.lineStart)
    } catch (e) { throw this.wrap(e) }
  }

  private validate (): void {
    const labels: Label[] = []
    try {
      decodeSeries(this.s, this.start, this.end, 'unknown', labels)
      let exLength: number | undefined
      if (this.exStart >= 0) {
        exLength = 0
        for (const l of this.exemplarLabels()) exLength += codePoints(l.name) + codePoints(l.value)
      }
      const name = labels.find(l => l.name === '__name__')?.value ?? ''
      this.validator?.sample(name, labels, this.val, this.ts, exLength, this.lineStart)
    } catch (e) { throw this.wrap(e) }
  }

  private wrap (e: unknown): unknown {
    return e instanceof ExpositionDecodeError ? parseErrorAt(this.s, e.offset, e.message) : e
  }

  /** Positions of an error in a chunk of a Buffer body made body-wide. */
  private bodyWide (e: unknown): unknown {
    return e instanceof ParseError && this.chunks !== undefined ? linesDown(e, this.chunks.linesBefore()) : e
  }

  private exemplarLabels (): Label[] {
    const out: Label[] = []
    // An exemplar's label block has no name; decode it behind a dummy one.
    decodeSeries('_' + this.s.slice(this.exStart, this.exEnd), 0, this.exEnd - this.exStart + 1, 'unknown', out)
    return out.filter(l => l.name !== '__name__')
  }

  series (): string { return this.s.slice(this.start, this.end) }
  value (): number { return this.val }
  timestamp (): number | undefined { return this.ts === undefined ? undefined : Math.trunc(this.ts * 1000) }
  type (): MetricType { return this.mtype }
  unit (): string { return flatCopy(this.s.slice(this.textStart, this.textEnd)) }
  /** OpenMetrics help escapes are those of label values (\\ \" \n). */
  help (): string { return unescape(this.s, this.textStart, this.textEnd, true) }

  metricFamily (): string {
    const s = this.s
    return s.charCodeAt(this.start) === QUOTE
      ? unescape(s, this.start + 1, this.end - 1, true)
      : flatCopy(s.slice(this.start, this.end))
  }

  exemplar (): Exemplar | undefined {
    if (this.exStart < 0 || this.kind !== Entry.Series) return undefined
    const ts = this.exTs === undefined ? undefined : Math.trunc(this.exTs * 1000)
    return { labels: this.exemplarLabels(), value: this.exVal, timestamp: ts }
  }

  /**
   * The created timestamp (ms) of the current sample's metric: as Prometheus's parser finds it, the
   * first `<family>_created` line after this one in the family, if its labels are this sample's
   * (le of a histogram, quantile of a summary aside). One look-ahead serves every sample before
   * the line it found (or, finding none, to the family's end), and nothing is allocated per
   * sample. A `_created` line in the next chunk of a long family is not seen, nor one of a
   * quoted (UTF-8) family name.
   */
  createdTimestamp (): number | undefined {
    const t = this.typedAs
    if (t !== 'counter' && t !== 'histogram' && t !== 'summary') return undefined
    const at = this.lineStart
    if (this.ctChunk !== this.chunkId || at < this.ctFrom || at > this.ctUntil) {
      const s = this.s
      const f = this.typedFamily
      if (this.kind !== Entry.Series || f === '' || s.charCodeAt(this.start) === LBRACE || !s.startsWith(f, this.start) || this.isCreated()) return undefined
      this.createdAhead(f)
    } else if (at === this.ctUntil) {
      return undefined // the `_created` line the last look-ahead found, or past the family's end
    }
    // Lines in [ctFrom, ctUntil) are the family's samples, none a `_created` one (the look-ahead saw them).
    if (this.ctMs === 0) return undefined
    const skip = t === 'histogram' ? 'le' : t === 'summary' ? 'quantile' : ''
    return sameLabels(this.s, this.nameEnd, this.end, skip, this.ctLabelsStart, this.ctLabelsEnd) ? this.ctMs : undefined
  }

  /** Finds the family's first `_created` line after the current one (see createdTimestamp). */
  private createdAhead (f: string): void {
    const s = this.s
    const n = s.length
    this.ctChunk = this.chunkId
    this.ctFrom = this.lineStart
    this.ctMs = 0
    const fl = f.length
    let i = this.pos
    while (i < n) {
      if (s.charCodeAt(i) === HASH || !s.startsWith(f, i)) break
      const j = i + fl + 8
      const c = s.charCodeAt(j)
      if ((c === LBRACE || c === SP) && s.startsWith('_created', i + fl)) {
        const k = c === LBRACE ? labelTextEnd(s, j) : j
        this.ctLabelsStart = j
        this.ctLabelsEnd = k
        let e = k + 1
        while (e < n && s.charCodeAt(e) !== SP && s.charCodeAt(e) !== LF) e++
        const v = parseNumber(s, k + 1, e)
        if (Number.isFinite(v)) this.ctMs = Math.trunc(v * 1000)
        break
      }
      const eol = s.indexOf('\n', i + fl)
      if (eol < 0) break
      i = eol + 1
    }
    this.ctUntil = i
  }

  isCreated (): boolean {
    const f = this.typedFamily
    if (!CREATED_TYPES.has(this.typedAs)) return false
    if (this.s.charCodeAt(this.start) === LBRACE) return this.quotedName() === f + '_created'
    return this.nameEnd - this.start === f.length + 8 &&
      this.s.startsWith(f, this.start) && this.s.startsWith('_created', this.start + f.length)
  }

  /** The name of a series written `{"name",...}`: only found by decoding it. */
  private quotedName (): string {
    try {
      return seriesName(this.s, this.start, this.end)
    } catch (e) { throw this.bodyWide(this.wrap(e)) }
  }

  labels (out: Label[]): void {
    const s = this.s
    const f = this.typedFamily
    let type: MetricType = 'unknown'
    if (f !== '') {
      if (s.charCodeAt(this.start) !== LBRACE) {
        if (s.startsWith(f, this.start)) type = this.typedAs
      } else if (this.quotedName().startsWith(f)) {
        type = this.typedAs
      }
    }
    try {
      decodeSeries(s, this.start, this.end, type, out)
    } catch (e) { throw this.bodyWide(this.wrap(e)) }
  }
}

/** The index after the `}` of the label block opening at `open` (quoted values may hold braces). */
function labelTextEnd (s: string, open: number): number {
  let i = open + 1
  let quoted = false
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (quoted) { if (c === BACKSLASH) i++; else if (c === QUOTE) quoted = false } else if (c === QUOTE) quoted = true
    else if (c === RBRACE) return i + 1
  }
  return i
}

/**
 * Whether the label text s[a, aEnd) without the label `skip` ('' none) is the label text
 * s[b, bEnd), compared in place; an empty block `{}` left over equals no block.
 */
function sameLabels (s: string, a: number, aEnd: number, skip: string, b: number, bEnd: number): boolean {
  let skipFrom = aEnd
  let skipTo = aEnd
  if (skip !== '' && a < aEnd) {
    for (let i = a + 1; i < aEnd;) {
      if (s.startsWith(skip, i) && s.charCodeAt(i + skip.length) === EQUAL && (s.charCodeAt(i - 1) === LBRACE || s.charCodeAt(i - 1) === COMMA)) {
        let j = i + skip.length + 2
        while (j < aEnd && s.charCodeAt(j) !== QUOTE) j += s.charCodeAt(j) === BACKSLASH ? 2 : 1
        j++
        if (s.charCodeAt(j) === COMMA) j++
        else if (s.charCodeAt(i - 1) === COMMA) i--
        skipFrom = i
        skipTo = j
        break
      }
      // Past this label's value to the next label.
      let q = s.indexOf('"', i)
      if (q < 0 || q >= aEnd) break
      q++
      while (q < aEnd && s.charCodeAt(q) !== QUOTE) q += s.charCodeAt(q) === BACKSLASH ? 2 : 1
      i = q + 2
    }
  }
  let len = aEnd - a - (skipTo - skipFrom)
  if (len === 2) len = 0 // only "{}" left
  if (bEnd - b === 2) bEnd = b
  if (len !== bEnd - b) return false
  if (len === 0) return true
  for (let i = a, k = b; i < aEnd; i++) {
    if (i === skipFrom) { i = skipTo - 1; continue }
    if (s.charCodeAt(i) !== s.charCodeAt(k++)) return false
  }
  return true
}
