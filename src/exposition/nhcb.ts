// convert_classic_histograms_to_nhcb: a parser over any other that turns each classic histogram
// (the _bucket, _count and _sum series of one label set in a histogram family) into one native
// histogram with custom buckets (schema -53), as Prometheus's NHCB parser does. The histogram
// entry comes right after the group's last series; the classic series pass through only when
// they are also wanted (scrape_classic_histograms).
import { classicToNhcb, type Histogram } from '../storage/histogram.js'
import type { Exemplar, Label, MetricType } from '../storage/series.js'
import { Entry, type EntryKind } from './entry.js'
import type { ExpositionParser } from './parser.js'

export class NhcbParser implements ExpositionParser {
  readonly #p: ExpositionParser
  readonly #keepClassic: boolean
  #family = ''
  #type: MetricType = 'unknown'
  // The group being collected.
  #gKey: string | undefined
  #gLabels: Label[] = []
  #bounds: number[] = []
  #cum: number[] = []
  #inf: number | undefined
  #count: number | undefined
  #sum = 0
  #ts: number | undefined
  // The histogram being handed out, and the inner entry that waits behind it.
  #synth: Histogram | undefined
  #synthKey = ''
  #synthLabels: Label[] = []
  #synthTs: number | undefined
  #pending: EntryKind | undefined
  readonly #scratch: Label[] = []

  constructor (inner: ExpositionParser, keepClassic: boolean) {
    this.#p = inner
    this.#keepClassic = keepClassic
  }

  next (): EntryKind {
    this.#synth = undefined
    for (;;) {
      let k: EntryKind
      if (this.#pending !== undefined) { k = this.#pending; this.#pending = undefined } else {
        k = this.#p.next()
        // Whatever does not continue the open group closes it first.
        if (this.#gKey !== undefined && !this.#continues(k)) {
          this.#flush()
          if (this.#synth !== undefined) { this.#pending = k; return Entry.Histogram }
        }
      }
      if (k === Entry.Type) { this.#family = this.#p.metricFamily(); this.#type = this.#p.type() }
      if (k !== Entry.Series || !this.#isPart()) return k
      this.#collect()
      if (this.#keepClassic) return k
    }
  }

  /** A series of the current histogram family: _bucket, _count or _sum (its labels are in #scratch). */
  #isPart (): boolean {
    if (this.#type !== 'histogram' && this.#type !== 'gaugehistogram') return false
    const ls = this.#scratch
    ls.length = 0
    this.#p.labels(ls)
    const name = ls.find(l => l.name === '__name__')?.value ?? ''
    const g = this.#type === 'gaugehistogram'
    return name === this.#family + '_bucket' || name === this.#family + (g ? '_gcount' : '_count') || name === this.#family + (g ? '_gsum' : '_sum')
  }

  #groupKey (): string {
    let k = ''
    for (const l of this.#scratch) if (l.name !== '__name__' && l.name !== 'le') k += l.name + '\xff' + l.value + '\xff'
    return k
  }

  /** Whether inner entry k belongs to the open group. */
  #continues (k: EntryKind): boolean {
    if (k !== Entry.Series || !this.#isPart()) return false
    return this.#groupKey() === this.#gKey
  }

  #collect (): void {
    const key = this.#groupKey()
    if (this.#gKey === undefined) {
      this.#gKey = key
      this.#gLabels = this.#scratch.filter(l => l.name !== '__name__' && l.name !== 'le')
      this.#bounds = []; this.#cum = []; this.#inf = undefined; this.#count = undefined; this.#sum = 0
    }
    const name = this.#scratch.find(l => l.name === '__name__')!.value
    const v = this.#p.value()
    this.#ts = this.#p.timestamp()
    if (name.endsWith('_bucket')) {
      const le = Number(this.#scratch.find(l => l.name === 'le')?.value ?? 'NaN')
      if (le === Infinity) this.#inf = v
      else if (!Number.isNaN(le)) { this.#bounds.push(le); this.#cum.push(v) }
    } else if (name.endsWith('count')) this.#count = v
    else this.#sum = v
  }

  #flush (): void {
    const key = this.#gKey
    this.#gKey = undefined
    const total = this.#inf ?? this.#count
    if (key === undefined || total === undefined || (this.#bounds.length === 0 && this.#inf === undefined)) return
    const order = this.#bounds.map((b, i) => i).sort((a, b) => this.#bounds[a] - this.#bounds[b])
    const h = classicToNhcb(order.map(i => this.#bounds[i]), [...order.map(i => this.#cum[i]), total], this.#sum, this.#type === 'gaugehistogram')
    this.#synth = h
    this.#synthKey = '\x00nhcb\x00' + this.#family + '\xff' + key
    this.#synthLabels = [{ name: '__name__', value: this.#family }, ...this.#gLabels].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    this.#synthTs = this.#ts
  }

  series (): string { return this.#synth !== undefined ? this.#synthKey : this.#p.series() }
  value (): number { return this.#synth !== undefined ? Number.NaN : this.#p.value() }
  timestamp (): number | undefined { return this.#synth !== undefined ? this.#synthTs : this.#p.timestamp() }
  labels (out: Label[]): void {
    if (this.#synth !== undefined) { for (const l of this.#synthLabels) out.push(l); return }
    this.#p.labels(out)
  }

  exemplar (): Exemplar | undefined { return this.#synth !== undefined ? undefined : this.#p.exemplar() }
  histogram (): Histogram { return this.#synth ?? this.#p.histogram!() }
  createdTimestamp (): number | undefined { return this.#synth !== undefined ? undefined : this.#p.createdTimestamp?.() }
  metricFamily (): string { return this.#p.metricFamily() }
  type (): MetricType { return this.#p.type() }
  help (): string { return this.#p.help() }
  unit (): string { return this.#p.unit() }
  isCreated (): boolean { return this.#synth !== undefined ? false : this.#p.isCreated() }
}
