// Turns the RE2 AST into JS RegExp source (always with the `u` flag). Every construct whose
// meaning differs between the engines is spelled out explicitly: `.` and `\s` become classes,
// multi-line ^/$ become lookarounds (JS's /m also breaks at \r and U+2028), and every capture
// group becomes a plain numbered group because RE2 group names (e.g. `1x`) need not be JS
// identifiers; names are resolved by our own table in template.ts.

import { foldOrbit, foldRanges } from './casefold.js'
import type { Node, Parsed } from './re2-parse.js'

export interface Emitted {
  readonly pattern: string
  readonly flags: string
}

export function emitJs (parsed: Parsed): Emitted {
  const mode = foldMode(parsed.node)
  // When every case-sensitive atom is case-insensitive, the `i` flag does the folding;
  // otherwise the folded atoms are expanded by hand.
  const pattern = emit(parsed.node, mode === 'mixed')
  return { pattern, flags: mode === 'all' ? 'iu' : 'u' }
}

type FoldMode = 'none' | 'all' | 'mixed'

function foldMode (root: Node): FoldMode {
  let folded = 0
  let plain = 0
  const atoms: Node[] = []
  const walk = (n: Node): void => {
    switch (n.k) {
      case 'lit': case 'class': atoms.push(n); if (n.fold) folded++; else plain++; break
      case 'group': walk(n.body); break
      case 'rep': walk(n.sub); break
      case 'cat': case 'alt': n.items.forEach(walk); break
      default: break
    }
  }
  walk(root)
  if (folded === 0) return 'none'
  if (plain === 0) return 'all'
  // Only atoms that folding would change matter (digits, punctuation do not).
  let sensitiveFolded = false
  let sensitivePlain = false
  for (const a of atoms) {
    if (!isFoldSensitive(a)) continue
    if ((a as { fold: boolean }).fold) sensitiveFolded = true
    else sensitivePlain = true
  }
  if (!sensitiveFolded) return 'none'
  if (!sensitivePlain) return 'all'
  return 'mixed'
}

function isFoldSensitive (n: Node): boolean {
  if (n.k === 'lit') return foldOrbit(n.cp).length > 1
  if (n.k === 'class') {
    if (n.props.length > 0) return true
    const f = foldRanges(n.ranges)
    return f.length !== n.ranges.length || f.some((v, i) => v !== n.ranges[i])
  }
  return false
}

function esc (cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f) {
    return String.fromCharCode(cp)
  }
  return `\\u{${cp.toString(16)}}`
}

function classSource (ranges: readonly number[], props: readonly { js: string, neg: boolean }[], neg: boolean): string {
  if (!neg && props.length === 0 && ranges.length === 2 && ranges[0] === ranges[1]) return esc(ranges[0])
  let s = neg ? '[^' : '['
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i]
    const hi = ranges[i + 1]
    s += lo === hi ? esc(lo) : hi === lo + 1 ? esc(lo) + esc(hi) : `${esc(lo)}-${esc(hi)}`
  }
  for (const p of props) s += `\\${p.neg ? 'P' : 'p'}{${p.js}}`
  return s + ']'
}

function emit (n: Node, expandFold: boolean): string {
  switch (n.k) {
    case 'lit': {
      if (expandFold && n.fold) {
        const orbit = foldOrbit(n.cp)
        if (orbit.length > 1) return '[' + orbit.map(esc).join('') + ']'
      }
      return esc(n.cp)
    }
    case 'class': {
      // Scoped (?i:) on \p{...} cannot be expanded here; such properties stay case-sensitive.
      const ranges = expandFold && n.fold ? foldRanges(n.ranges) : n.ranges
      return classSource(ranges, n.props, n.neg)
    }
    case 'dot':
      return n.nl ? '[^]' : '[^\\n]'
    case 'assert':
      switch (n.a) {
        case 'begin': return '^'
        case 'end': return '$'
        case 'bol': return '(?:^|(?<=\\n))'
        case 'eol': return '(?:$|(?=\\n))'
        case 'wb': return '\\b'
        case 'nwb': return '\\B'
      }
      break
    case 'group':
      return (n.cap > 0 ? '(' : '(?:') + emit(n.body, expandFold) + ')'
    case 'cat':
      return n.items.map(x => emit(x, expandFold)).join('')
    case 'alt':
      return n.items.map(x => emit(x, expandFold)).join('|')
    case 'rep': {
      let sub = emit(n.sub, expandFold)
      // Assertions, sequences and nested repeats need a group to carry a quantifier in JS.
      if (n.sub.k !== 'group' && n.sub.k !== 'dot' && n.sub.k !== 'lit' && n.sub.k !== 'class') sub = `(?:${sub})`
      let q: string
      if (n.min === 0 && n.max === -1) q = '*'
      else if (n.min === 1 && n.max === -1) q = '+'
      else if (n.min === 0 && n.max === 1) q = '?'
      else if (n.max === -1) q = `{${n.min},}`
      else if (n.min === n.max) q = `{${n.min}}`
      else q = `{${n.min},${n.max}}`
      return sub + q + (n.greedy ? '' : '?')
    }
  }
  throw new Error('unreachable')
}
