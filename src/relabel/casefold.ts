// Unicode simple case-fold orbits, for RE2's scoped `(?i:...)`. Node 22's RegExp has no
// inline modifiers, so when only part of a pattern is case-insensitive we expand the folded
// atoms into explicit classes. Built lazily: most patterns never need it.

let orbits: Map<number, readonly number[]> | undefined
let foldable: number[] | undefined

const MAX_CASED = 0x1ffff // no cased letters above the SMP

function build (): void {
  const byKey = new Map<string, number[]>()
  for (let cp = 0; cp <= MAX_CASED; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const s = String.fromCodePoint(cp)
    let u = s.toUpperCase()
    const l = s.toLowerCase()
    // Uncased code points (the vast majority) fold only to themselves.
    if (u === s && l === s) continue
    if (u.codePointAt(0)! > 0xffff ? u.length !== 2 : u.length !== 1) u = s
    let k = u.toLowerCase()
    if (k.codePointAt(0)! > 0xffff ? k.length !== 2 : k.length !== 1) k = u
    let group = byKey.get(k)
    if (group === undefined) byKey.set(k, group = [])
    group.push(cp)
  }
  orbits = new Map()
  for (const group of byKey.values()) {
    if (group.length < 2) continue
    // The key is only a guess (e.g. dotless ı lands with i); JS's /iu uses simple case
    // folding like RE2, so let it decide who really folds together.
    for (const cp of group) {
      const re = new RegExp(`^\\u{${cp.toString(16)}}$`, 'iu')
      const orbit = group.filter(o => re.test(String.fromCodePoint(o)))
      if (orbit.length > 1) orbits.set(cp, orbit)
    }
  }
  foldable = [...orbits.keys()].sort((a, b) => a - b)
}

/** Every code point that folds to the same as cp (cp itself included). */
export function foldOrbit (cp: number): readonly number[] {
  if (orbits === undefined) build()
  return orbits!.get(cp) ?? [cp]
}

/** Adds the fold orbits of every code point in the flat [lo, hi, lo, hi, ...] ranges. */
export function foldRanges (ranges: readonly number[]): number[] {
  if (orbits === undefined) build()
  const out = ranges.slice()
  const list = foldable!
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i]
    const hi = ranges[i + 1]
    // Binary search for the first foldable code point >= lo.
    let a = 0
    let b = list.length
    while (a < b) {
      const mid = (a + b) >> 1
      if (list[mid] < lo) a = mid + 1
      else b = mid
    }
    for (let j = a; j < list.length && list[j] <= hi; j++) {
      for (const o of orbits!.get(list[j])!) out.push(o, o)
    }
  }
  return normalizeRanges(out)
}

/** Sorts and merges flat [lo, hi, ...] ranges. */
export function normalizeRanges (ranges: readonly number[]): number[] {
  const pairs: [number, number][] = []
  for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i], ranges[i + 1]])
  pairs.sort((x, y) => x[0] - y[0])
  const out: number[] = []
  for (const [lo, hi] of pairs) {
    const n = out.length
    if (n > 0 && lo <= out[n - 1] + 1) {
      if (hi > out[n - 1]) out[n - 1] = hi
    } else {
      out.push(lo, hi)
    }
  }
  return out
}

export const MAX_RUNE = 0x10ffff

/** The complement of normalized flat ranges over [0, MAX_RUNE]. */
export function negateRanges (ranges: readonly number[]): number[] {
  const out: number[] = []
  let next = 0
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i] > next) out.push(next, ranges[i] - 1)
    next = ranges[i + 1] + 1
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE)
  return out
}
