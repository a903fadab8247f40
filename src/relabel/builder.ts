// A mutable working set over an immutable sorted label array, shaped like Prometheus's
// labels.Builder: the base is never copied or mutated; changes are kept as small add/delete
// lists and merged only when labels() is asked for. One builder is reused across calls.

import type { Label, Labels } from '../storage/series.js'

export class LabelsBuilder {
  #base: Labels = []
  /** Overrides and additions, in the order they were set (Range visits them in that order). */
  readonly #adds: Label[] = []
  /** Names of base labels deleted. */
  readonly #dels: string[] = []

  constructor (base?: Labels) {
    if (base !== undefined) this.reset(base)
  }

  /** Starts over from base (sorted by name; it is never mutated). */
  reset (base: Labels): this {
    this.#base = base
    this.#adds.length = 0
    this.#dels.length = 0
    return this
  }

  /** The value of name, or "" when absent (Prometheus treats the two alike). */
  get (name: string): string {
    for (const a of this.#adds) if (a.name === name) return a.value
    if (this.#dels.length > 0 && this.#dels.includes(name)) return ''
    return this.#baseValue(name)
  }

  /** Sets name to value; setting "" deletes the label. */
  set (name: string, value: string): void {
    if (value === '') {
      this.del(name)
      return
    }
    const d = this.#dels.indexOf(name)
    if (d >= 0) this.#dels.splice(d, 1)
    const i = this.#adds.findIndex(a => a.name === name)
    // Setting a base label back to its own value is no change: keeps labels() allocation-free.
    const same = this.#baseValue(name) === value
    if (i >= 0) {
      if (same) this.#adds.splice(i, 1)
      else this.#adds[i] = { name, value }
    } else if (!same) {
      this.#adds.push({ name, value })
    }
  }

  del (name: string): void {
    const i = this.#adds.findIndex(a => a.name === name)
    if (i >= 0) this.#adds.splice(i, 1)
    if (this.#baseValue(name) !== '' && !this.#dels.includes(name)) this.#dels.push(name)
  }

  /**
   * Calls fn for every label as it is when range() starts (later set/del calls from fn do
   * not change what is visited): base labels in name order, then additions in set order.
   */
  range (fn: (name: string, value: string) => void): void {
    // Copies, not the live lists: fn may set and delete.
    const adds = this.#adds.length > 0 ? this.#adds.slice() : NO_LABELS
    const dels = this.#dels.length > 0 ? this.#dels.slice() : NO_NAMES
    const base = this.#base
    for (const l of base) {
      if (l.value === '') continue
      if (dels.length > 0 && dels.includes(l.name)) continue
      if (adds.length > 0 && adds.some(a => a.name === l.name)) continue
      fn(l.name, l.value)
    }
    for (const a of adds) fn(a.name, a.value)
  }

  /** True when labels() would differ from the base. */
  changed (): boolean {
    return this.#adds.length > 0 || this.#dels.length > 0
  }

  /**
   * The result, sorted and without empty values. Returns the base array itself when nothing
   * changed (and it had no empty values), so callers can compare by identity.
   */
  labels (): Labels {
    const base = this.#base
    if (!this.changed()) {
      return base.some(l => l.value === '') ? base.filter(l => l.value !== '') : base
    }
    const out: Label[] = []
    for (const l of base) {
      if (l.value === '') continue
      if (this.#dels.length > 0 && this.#dels.includes(l.name)) continue
      if (this.#adds.some(a => a.name === l.name)) continue
      out.push(l)
    }
    if (this.#adds.length === 0) return out
    // Merge the (few) additions into the already sorted remainder.
    const adds = this.#adds.slice().sort(byName)
    const merged = new Array<Label>(out.length + adds.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < out.length && j < adds.length) merged[k++] = out[i].name < adds[j].name ? out[i++] : adds[j++]
    while (i < out.length) merged[k++] = out[i++]
    while (j < adds.length) merged[k++] = adds[j++]
    return merged
  }

  #baseValue (name: string): string {
    const base = this.#base
    if (base.length <= 16) {
      for (const l of base) if (l.name === name) return l.value
      return ''
    }
    let lo = 0
    let hi = base.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const n = base[mid].name
      if (n === name) return base[mid].value
      if (n < name) lo = mid + 1
      else hi = mid
    }
    return ''
  }
}

const NO_LABELS: readonly Label[] = []
const NO_NAMES: readonly string[] = []

function byName (x: Label, y: Label): number {
  return x.name < y.name ? -1 : x.name > y.name ? 1 : 0
}
