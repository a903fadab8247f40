// A native histogram sample, in the sparse form Prometheus stores and remote write carries:
// bucket spans plus bucket counts (deltas for integer histograms, absolute for float ones).
// It is a value like a float sample's number: made once per histogram sample, never changed.

/** Lowest and highest exponential schema; -53 is the custom-bucket schema (NHCB). */
export const SCHEMA_MIN = -4
export const SCHEMA_MAX = 8
export const SCHEMA_CUSTOM = -53

/** Remote write's ResetHint values. */
export const RESET_UNKNOWN = 0
export const RESET_GAUGE = 3

export interface Histogram {
  /** Float counts (FloatHistogram); false: integer counts with delta-encoded buckets. */
  readonly float: boolean
  readonly schema: number
  readonly zeroThreshold: number
  readonly zeroCount: number
  readonly count: number
  readonly sum: number
  /** Spans as flat pairs: offset, length, offset, length, ... */
  readonly positiveSpans: readonly number[]
  /** Integer histograms: deltas (the first against 0); float histograms: absolute counts. */
  readonly positiveBuckets: readonly number[]
  readonly negativeSpans: readonly number[]
  readonly negativeBuckets: readonly number[]
  /** Upper bounds of the custom buckets (schema -53 only; +Inf implied). */
  readonly customValues: readonly number[]
  /** RESET_UNKNOWN, or RESET_GAUGE for a gauge histogram. */
  readonly resetHint: number
}

/** Buckets held (populated or not) in the spans, both signs: what native_histogram_bucket_limit counts. */
export function bucketCount (h: Histogram): number {
  return h.positiveBuckets.length + h.negativeBuckets.length
}

export function isExponential (schema: number): boolean {
  return schema >= SCHEMA_MIN && schema <= SCHEMA_MAX
}

/** Absolute counts of a bucket list (deltas summed for integer histograms). */
export function absoluteCounts (h: Histogram, buckets: readonly number[]): number[] {
  if (h.float) return buckets.slice()
  const out = new Array<number>(buckets.length)
  let c = 0
  for (let i = 0; i < buckets.length; i++) { c += buckets[i]; out[i] = c }
  return out
}

/** Checks what Prometheus's storage checks: schema, and as many buckets as the spans announce. */
export function validateHistogram (h: Histogram): string | undefined {
  if (!isExponential(h.schema) && h.schema !== SCHEMA_CUSTOM) return `histogram has an invalid schema ${h.schema} (must be -4 to 8, or -53)`
  if (h.schema === SCHEMA_CUSTOM && (h.negativeBuckets.length > 0 || h.zeroCount !== 0)) return 'custom-bucket histogram must have no negative or zero buckets'
  for (const [name, spans, buckets] of [['positive', h.positiveSpans, h.positiveBuckets], ['negative', h.negativeSpans, h.negativeBuckets]] as const) {
    let n = 0
    for (let i = 1; i < spans.length; i += 2) n += spans[i]
    if (n !== buckets.length) return `${name} side: spans need ${n} buckets, have ${buckets.length} buckets`
    for (let i = 2; i < spans.length; i += 2) if (spans[i] < 0) return `${name} side: span number ${i / 2 + 1} with offset ${spans[i]}`
  }
  if (h.schema === SCHEMA_CUSTOM) {
    // Custom bucket i is (customValues[i-1], customValues[i]]; index customValues.length is +Inf.
    let at = 0
    for (let i = 0; i < h.positiveSpans.length; i += 2) at += h.positiveSpans[i] + h.positiveSpans[i + 1]
    if (h.positiveSpans.length > 0 && (h.positiveSpans[0] < 0 || at - 1 > h.customValues.length)) return `custom-bucket histogram has a bucket index ${at - 1} past its ${h.customValues.length} custom bounds`
    for (let i = 1; i < h.customValues.length; i++) if (!(h.customValues[i] > h.customValues[i - 1])) return 'custom-bucket bounds must increase'
  }
  return undefined
}

function idx (i: number, delta: number): number {
  // Exponential bucket i at schema s covers (2^((i-1)/2^s), 2^(i/2^s)]; at s-delta it falls in
  // ((i-1) >> delta) + 1. The floor division must round toward -Inf for negative indices.
  return Math.floor((i - 1) / 2 ** delta) + 1
}

/** One side's spans and absolute counts at a lower schema (delta schemas down), as flat spans. */
function reduceSide (spans: readonly number[], counts: readonly number[], delta: number): { spans: number[], counts: number[] } {
  const outSpans: number[] = []
  const outCounts: number[] = []
  let last = Number.NaN
  let at = 0
  let bi = 0
  for (let s = 0; s < spans.length; s += 2) {
    at += spans[s]
    for (let k = 0; k < spans[s + 1]; k++, at++, bi++) {
      const t = idx(at, delta)
      if (t === last) { outCounts[outCounts.length - 1] += counts[bi]; continue }
      if (outSpans.length > 0 && t === last + 1) outSpans[outSpans.length - 1]++
      else if (outSpans.length === 0) outSpans.push(t, 1)
      else outSpans.push(t - last - 1, 1)
      outCounts.push(counts[bi])
      last = t
    }
  }
  return { spans: outSpans, counts: outCounts }
}

function toDeltas (counts: readonly number[]): number[] {
  const out = new Array<number>(counts.length)
  let prev = 0
  for (let i = 0; i < counts.length; i++) { out[i] = counts[i] - prev; prev = counts[i] }
  return out
}

/**
 * The histogram at a lower resolution: adjacent buckets merged as Prometheus's
 * ReduceResolution does (2^(schema - target) buckets become one; the zero bucket stays).
 */
export function reduceResolution (h: Histogram, target: number): Histogram {
  if (!isExponential(h.schema) || target >= h.schema) return h
  const delta = h.schema - target
  const pos = reduceSide(h.positiveSpans, absoluteCounts(h, h.positiveBuckets), delta)
  const neg = reduceSide(h.negativeSpans, absoluteCounts(h, h.negativeBuckets), delta)
  return {
    ...h,
    schema: target,
    positiveSpans: pos.spans,
    positiveBuckets: h.float ? pos.counts : toDeltas(pos.counts),
    negativeSpans: neg.spans,
    negativeBuckets: h.float ? neg.counts : toDeltas(neg.counts),
  }
}

/**
 * The highest schema whose bucket growth factor is at least `factor`, as Prometheus picks it
 * for native_histogram_min_bucket_factor (at or below 1: no limit, schema 8).
 */
export function schemaForFactor (factor: number): number {
  if (factor <= 1) return SCHEMA_MAX
  const floor = Math.floor(-Math.log2(Math.log2(factor)))
  return Math.max(SCHEMA_MIN, Math.min(SCHEMA_MAX, floor))
}

/**
 * A classic histogram's cumulative buckets as a custom-bucket native histogram (schema -53),
 * as convert_classic_histograms_to_nhcb does. `bounds` ascending, without +Inf; `cumulative`
 * has one more entry (the +Inf bucket, the count).
 */
export function classicToNhcb (bounds: readonly number[], cumulative: readonly number[], sum: number, gauge: boolean): Histogram {
  const counts: number[] = []
  let prev = 0
  let integer = true
  for (const c of cumulative) {
    counts.push(Math.max(0, c - prev)); prev = c
    if (!Number.isInteger(c)) integer = false
  }
  // Empty buckets become gaps between spans, as Prometheus's conversion leaves them.
  const spans: number[] = []
  const kept: number[] = []
  let gap = 0
  let open = false
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) { gap++; open = false; continue }
    if (open) spans[spans.length - 1]++
    else { spans.push(spans.length === 0 ? i : gap, 1); open = true }
    gap = 0
    kept.push(counts[i])
  }
  return {
    float: !integer,
    schema: SCHEMA_CUSTOM,
    zeroThreshold: 0,
    zeroCount: 0,
    count: cumulative.length > 0 ? cumulative[cumulative.length - 1] : 0,
    sum,
    positiveSpans: spans,
    positiveBuckets: integer ? toDeltas(kept) : kept,
    negativeSpans: [],
    negativeBuckets: [],
    customValues: bounds.slice(),
    resetHint: gauge ? RESET_GAUGE : RESET_UNKNOWN,
  }
}
