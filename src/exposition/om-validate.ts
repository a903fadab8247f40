// The OpenMetrics 1.0 rules that go beyond syntax: metric family grouping and ordering, clashing
// names, per-type sample names and values, histogram bucket rules, exemplar placement. Used by
// the parser in strict mode (lint); the scrape path skips it, as Prometheus does.

import type { Label, MetricType } from '../storage/series.js'
import { ExpositionDecodeError, parseNumber } from './scan.js'

/** Sample names of each type, as suffixes of the family name. */
const SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  summary: ['', '_count', '_sum', '_created'],
  histogram: ['_count', '_sum', '_bucket', '_created'],
  gaugehistogram: ['_gcount', '_gsum', '_bucket'],
  info: ['_info']
}
const COUNTER_LIKE = new Set(['_total', '_sum', '_count', '_bucket', '_gcount'])

interface Family {
  readonly name: string
  type: MetricType | undefined
  help: boolean
  unit: string | undefined
  samples: boolean
  allowed: readonly string[]
}

/** One histogram MetricPoint (labels without le, plus timestamp) being checked. */
interface HistPoint {
  bucket: number | undefined
  bucketValue: number
  count: number | undefined
  negativeBuckets: boolean
  sum: boolean
  gsum: boolean
  negativeGsum: boolean
}

export class OpenMetricsValidator {
  private readonly seenNames = new Set<string>()
  private fam: Family | undefined
  private group: string | undefined
  private readonly groups = new Set<string>()
  private groupTs: number | undefined
  private readonly groupSeries = new Set<string>()
  private histKey: string | undefined
  private histTs: number | undefined
  private hist: HistPoint = newHistPoint()

  metadata (kind: 'help' | 'type' | 'unit', name: string, text: string, at: number): void {
    let f = this.fam
    if (f !== undefined && f.name === name && f.samples) fail(`${kind.toUpperCase()} for ${name} after its samples`, at)
    if (f === undefined || f.name !== name) {
      this.close(at)
      f = this.open(name, undefined)
    }
    if (kind === 'help') {
      if (f.help) fail(`second HELP for ${name}`, at)
      f.help = true
    } else if (kind === 'unit') {
      if (f.unit !== undefined) fail(`second UNIT for ${name}`, at)
      f.unit = text
    } else {
      if (f.type !== undefined) fail(`second TYPE for ${name}`, at)
      const t = text as MetricType
      f.type = t
      f.allowed = (SUFFIXES[t] ?? ['']).map(s => name + s)
    }
  }

  /** labels: sorted, with __name__, label values as written (unescaped, not normalised). ts in seconds. */
  sample (name: string, labels: readonly Label[], value: number, ts: number | undefined,
    exemplarLength: number | undefined, at: number): void {
    // A quoted name may be written empty (`{""}`, `a{""="x"}`); no valid name is.
    if (name === '') fail('empty metric name', at)
    for (const l of labels) if (l.name === '') fail('empty label name', at)
    let f = this.fam
    if (f === undefined || !f.allowed.includes(name)) {
      this.close(at)
      f = this.open(name, 'unknown')
    }
    f.samples = true
    const type = f.type ?? 'unknown'
    const fname = f.name
    const suffix = name.slice(fname.length)
    const histo = type === 'histogram' || type === 'gaugehistogram'

    if (type === 'stateset' && get(labels, fname) === undefined) fail(`stateset sample without a ${fname} label`, at)
    if (suffix === '_bucket') {
      const le = get(labels, 'le')
      if (le === undefined) fail('bucket without le label', at)
      const b = parseNumber(le, 0, le.length)
      if (b !== b) fail(`invalid le label ${JSON.stringify(le)}`, at)
      if (b === Infinity && le !== '+Inf') fail(`le label ${JSON.stringify(le)} must be written +Inf`, at)
      if (!Number.isInteger(value)) fail('bucket value must be an integer', at)
    }
    if ((suffix === '_count' || suffix === '_gcount') && !Number.isInteger(value)) fail('count value must be an integer', at)
    if (type === 'summary' && suffix === '') {
      const q = get(labels, 'quantile')
      if (q === undefined) fail('summary quantile sample without quantile label', at)
      const qv = parseNumber(q, 0, q.length)
      if (!(qv >= 0 && qv <= 1)) fail(`invalid quantile label ${JSON.stringify(q)}`, at)
      if (value < 0) fail('quantile values cannot be negative', at)
    }
    if (type === 'stateset' && value !== 0 && value !== 1) fail('stateset values must be 0 or 1', at)
    if (type === 'info' && value !== 1) fail('info values must be 1', at)
    if (suffix !== '' && (COUNTER_LIKE.has(suffix) || suffix === '_gsum') && value !== value) fail(`${name} cannot be NaN`, at)
    if (suffix !== '' && COUNTER_LIKE.has(suffix) && value < 0) fail(`${name} cannot be negative`, at)
    if (exemplarLength !== undefined) {
      if (!((histo && suffix === '_bucket') || (type === 'counter' && suffix === '_total'))) {
        fail('exemplars are only allowed on histogram buckets and counter totals', at)
      }
      if (exemplarLength > 128) fail('exemplar labels exceed 128 characters', at)
    }

    // Grouping: all samples of a MetricPoint (same labels, minus quantile/le/state) are adjacent,
    // with timestamps all present or all absent and never going backwards.
    const excluded = type === 'summary' && suffix === '' ? 'quantile'
      : type === 'stateset' ? fname
        : histo && suffix === '_bucket' ? 'le' : undefined
    const g = type === 'info' ? '' : groupKey(labels, excluded)
    if (this.group !== undefined && g !== this.group && this.groups.has(g)) fail('samples of one metric point are not grouped together', at)
    let duplicate = false
    if (this.group !== undefined && g === this.group) {
      if ((ts === undefined) !== (this.groupTs === undefined)) fail('timestamps present on some samples of a metric point only', at)
      if (this.groupTs !== undefined && ts !== undefined && this.groupTs > ts && type !== 'info') fail('timestamps went backwards', at)
      const id = name + groupKey(labels, undefined)
      duplicate = ts === this.groupTs && this.groupSeries.has(id) // same series at a truncated-equal time
      this.groupSeries.add(id)
    } else {
      this.groupSeries.clear()
      this.groupSeries.add(name + groupKey(labels, undefined))
    }
    this.group = g
    this.groupTs = ts
    this.groups.add(g)
    if (histo && suffix !== '' && !duplicate) this.histSample(suffix, labels, value, ts, at)
  }

  /** Call at # EOF. */
  end (at: number): void { this.close(at) }

  private histSample (suffix: string, labels: readonly Label[], value: number, ts: number | undefined, at: number): void {
    const key = groupKey(labels, suffix === '_bucket' ? 'le' : undefined)
    if (key !== this.histKey || ts !== this.histTs) {
      if (this.histKey !== undefined) this.histChecks(at)
      this.hist = newHistPoint()
    }
    this.histKey = key
    this.histTs = ts
    const h = this.hist
    if (suffix === '_bucket') {
      const le = get(labels, 'le') as string
      const b = parseNumber(le, 0, le.length)
      if (b < 0) h.negativeBuckets = true
      if (h.bucket !== undefined && b <= h.bucket) fail('buckets out of order', at)
      if (value < h.bucketValue) fail('bucket values decrease', at)
      h.bucket = b
      h.bucketValue = value
    } else if (suffix === '_count' || suffix === '_gcount') {
      h.count = value
    } else if (suffix === '_sum') {
      h.sum = true
    } else if (suffix === '_gsum') {
      h.gsum = true
      if (value < 0) h.negativeGsum = true
    }
  }

  private histChecks (at: number): void {
    const h = this.hist
    const name = this.fam?.name ?? ''
    if (h.bucket !== Infinity) fail(`histogram ${name} has no +Inf bucket`, at)
    if (h.count !== undefined && h.count !== h.bucketValue) fail(`histogram ${name} count does not match its +Inf bucket`, at)
    if (h.sum && h.count === undefined) fail(`histogram ${name} has _sum without _count`, at)
    if (h.gsum && h.count === undefined) fail(`gaugehistogram ${name} has _gsum without _gcount`, at)
    if (!h.sum && !h.gsum && h.count !== undefined) fail(`histogram ${name} has a count without a sum`, at)
    if (h.negativeBuckets && h.sum) fail(`histogram ${name} has _sum with negative buckets`, at)
    if (!h.negativeBuckets && h.negativeGsum) fail(`gaugehistogram ${name} has a negative _gsum without negative buckets`, at)
  }

  private open (name: string, type: MetricType | undefined): Family {
    const f: Family = { name, type, help: false, unit: undefined, samples: false, allowed: [name] }
    this.fam = f
    this.group = undefined
    this.groups.clear()
    this.groupTs = undefined
    this.groupSeries.clear()
    this.histKey = undefined
    this.histTs = undefined
    return f
  }

  private close (at: number): void {
    const f = this.fam
    if (f === undefined) return
    const type = f.type ?? 'unknown'
    for (const s of new Set([...(SUFFIXES[type] ?? []), ''])) {
      if (this.seenNames.has(f.name + s)) fail(`clashing metric name ${f.name + s}`, at)
      this.seenNames.add(f.name + s)
    }
    if (f.unit !== undefined && f.unit !== '') {
      if (!f.name.endsWith('_' + f.unit)) fail(`unit ${f.unit} is not a suffix of ${f.name}`, at)
      if (type === 'info' || type === 'stateset') fail(`${type} metrics cannot have a unit`, at)
    }
    if (this.histKey !== undefined) this.histChecks(at)
    this.fam = undefined
  }
}

function newHistPoint (): HistPoint {
  return { bucket: undefined, bucketValue: 0, count: undefined, negativeBuckets: false, sum: false, gsum: false, negativeGsum: false }
}

function get (labels: readonly Label[], name: string): string | undefined {
  for (const l of labels) if (l.name === name) return l.value
  return undefined
}

function groupKey (labels: readonly Label[], excluded: string | undefined): string {
  let k = ''
  for (const l of labels) {
    if (l.name === '__name__' || l.name === excluded) continue
    k += JSON.stringify(l.name) + '=' + JSON.stringify(l.value) + ','
  }
  return k
}

function fail (message: string, at: number): never {
  throw new ExpositionDecodeError(message, at)
}

/** Length in Unicode code points (the spec's "characters"), not UTF-16 units. */
export function codePoints (s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xdc00 || c > 0xdfff) n++
  }
  return n
}
