// A parser for RE2 syntax as Go's regexp package accepts it (Perl flags), producing a small
// AST that re2-emit.ts turns into an equivalent JS RegExp. It rejects what RE2 rejects
// (backreferences, lookarounds, possessive/atomic groups) with Go's error wording, so a
// config that Alloy refuses is refused here too.

import { MAX_RUNE, negateRanges, normalizeRanges } from './casefold.js'

export interface Flags {
  /** (?i) case-insensitive */
  i: boolean
  /** (?m) ^ and $ match at line boundaries */
  m: boolean
  /** (?s) . matches \n */
  s: boolean
  /** (?U) ungreedy: swaps the meaning of x* and x*? */
  U: boolean
}

/** A Unicode property for JS's \p{...}: a general category ('L', 'Lu') or 'Script=Greek'. */
export interface Prop { readonly js: string, readonly neg: boolean }

export type Node =
  | { readonly k: 'lit', readonly cp: number, readonly fold: boolean }
  /** ranges: flat, normalized [lo, hi, lo, hi, ...] code points. */
  | { readonly k: 'class', readonly ranges: number[], readonly props: Prop[], readonly neg: boolean, readonly fold: boolean }
  | { readonly k: 'dot', readonly nl: boolean }
  | { readonly k: 'assert', readonly a: 'begin' | 'end' | 'bol' | 'eol' | 'wb' | 'nwb' }
  /** cap: the capture index, or 0 for a non-capturing group. */
  | { readonly k: 'group', readonly cap: number, readonly body: Node }
  | { readonly k: 'cat', readonly items: Node[] }
  | { readonly k: 'alt', readonly items: Node[] }
  /** max -1 = unbounded */
  | { readonly k: 'rep', readonly min: number, readonly max: number, readonly greedy: boolean, readonly sub: Node }

export interface Parsed {
  readonly node: Node
  /** Capture group count (group 0, the whole match, not included). */
  readonly groups: number
  /** names[i] = name of capture group i, '' when unnamed (index 0 unused). */
  readonly names: readonly string[]
}

/** Mirrors Go's regexp/syntax error: `error parsing regexp: <code>: `<expr>``. */
export class Re2SyntaxError extends Error {
  constructor (readonly code: string, readonly expr: string, hint?: string) {
    super(`error parsing regexp: ${code}: \`${expr}\`${hint !== undefined ? ` (${hint})` : ''}`)
    this.name = 'Re2SyntaxError'
  }
}

const MAX_REPEAT = 1000
const MAX_DEPTH = 1000

// Go's Perl classes are ASCII-only.
const PERL: Record<string, number[]> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20],
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
}

const POSIX: Record<string, number[]> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
}

// Go's unicode.Categories; anything else after \p must be a script name.
const CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps',
  'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
])

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
const isOctal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c)
const isWordChar = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Za-z_]$/.test(c)
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c)

class Parser {
  /** The pattern split into code points, so astral characters are one step. */
  readonly cs: string[]
  pos = 0
  groups = 0
  readonly names: string[] = ['']
  depth = 0

  constructor (readonly src: string) {
    this.cs = [...src]
  }

  peek (off = 0): string | undefined { return this.cs[this.pos + off] }
  rest (from = this.pos): string { return this.cs.slice(from).join('') }
  text (from: number, to = this.pos): string { return this.cs.slice(from, to).join('') }
  startsWith (s: string): boolean { return this.rest().startsWith(s) }

  parse (flags: Flags): Parsed {
    const node = this.alt(flags)
    if (this.pos < this.cs.length) {
      // alt() only stops early at a ')' that no group opened.
      throw new Re2SyntaxError('unexpected )', this.src)
    }
    return { node, groups: this.groups, names: this.names }
  }

  alt (flags: Flags): Node {
    if (++this.depth > MAX_DEPTH) throw new Re2SyntaxError('expression nests too deeply', this.src)
    const items = [this.concat(flags)]
    while (this.peek() === '|') {
      this.pos++
      items.push(this.concat(flags))
    }
    this.depth--
    return items.length === 1 ? items[0] : { k: 'alt', items }
  }

  concat (flags: Flags): Node {
    const items: Node[] = []
    // Start of the repetition operator just parsed: Go rejects stacking them (a**, a*+).
    let lastRepeat = -1
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === '|' || c === ')') break
      const start = this.pos
      let repeated = false
      switch (c) {
        case '(':
          this.group(flags, items)
          break
        case '*': case '+': case '?': {
          this.pos++
          const [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1]
          this.repeat(items, flags, min, max, start, lastRepeat)
          repeated = true
          break
        }
        case '{': {
          const r = this.repeatBraces()
          if (r === undefined) {
            this.pos++
            items.push(lit(0x7b, flags))
            break
          }
          const [min, max] = r
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new Re2SyntaxError('invalid repeat count', this.text(start))
          }
          this.repeat(items, flags, min, max, start, lastRepeat)
          repeated = true
          break
        }
        case '.':
          this.pos++
          items.push({ k: 'dot', nl: flags.s })
          break
        case '^':
          this.pos++
          items.push({ k: 'assert', a: flags.m ? 'bol' : 'begin' })
          break
        case '$':
          this.pos++
          items.push({ k: 'assert', a: flags.m ? 'eol' : 'end' })
          break
        case '[':
          items.push(this.charClass(flags))
          break
        case '\\':
          this.escapeAtom(flags, items)
          break
        default:
          this.pos++
          items.push(lit(c.codePointAt(0)!, flags))
      }
      lastRepeat = repeated ? start : -1
    }
    return items.length === 1 ? items[0] : { k: 'cat', items }
  }

  /** Parses `{n}`, `{n,}` or `{n,m}` at pos; undefined (pos untouched) when it is a literal `{`. */
  repeatBraces (): [number, number] | undefined {
    let p = this.pos + 1
    const num = (): number | undefined => {
      const from = p
      while (isDigit(this.cs[p])) p++
      if (p === from) return undefined
      const s = this.cs.slice(from, p).join('')
      if (s.length >= 2 && s[0] === '0') return undefined // Go: no leading zeros
      return s.length > 8 ? -1 : Number(s)
    }
    const min = num()
    if (min === undefined) return undefined
    let max = min
    if (this.cs[p] === ',') {
      p++
      if (this.cs[p] === '}') {
        max = -1
      } else {
        const m = num()
        if (m === undefined) return undefined
        max = m
      }
    }
    if (this.cs[p] !== '}') return undefined
    this.pos = p + 1
    return [min, max]
  }

  repeat (items: Node[], flags: Flags, min: number, max: number, start: number, lastRepeat: number): void {
    let greedy = !flags.U
    if (this.peek() === '?') {
      this.pos++
      greedy = !greedy
    }
    if (lastRepeat >= 0) throw new Re2SyntaxError('invalid nested repetition operator', this.text(lastRepeat))
    if (items.length === 0) throw new Re2SyntaxError('missing argument to repetition operator', this.text(start))
    const node: Node = { k: 'rep', min, max, greedy, sub: items.pop()! }
    if ((min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new Re2SyntaxError('invalid repeat count', this.text(start))
    }
    items.push(node)
  }

  group (flags: Flags, items: Node[]): void {
    const start = this.pos
    this.pos++ // (
    if (this.peek() !== '?') {
      const cap = ++this.groups
      this.names.push('')
      items.push({ k: 'group', cap, body: this.groupBody({ ...flags }) })
      return
    }
    // (?P<name>re) and (?<name>re); (?<= and (?<! are lookbehinds.
    const next = this.peek(1)
    if ((next === 'P' && this.peek(2) === '<') || (next === '<' && this.peek(2) !== '=' && this.peek(2) !== '!')) {
      const nameStart = this.pos + (next === 'P' ? 3 : 2)
      let end = nameStart
      while (end < this.cs.length && this.cs[end] !== '>') end++
      if (end >= this.cs.length) throw new Re2SyntaxError('invalid named capture', this.text(start, this.cs.length))
      const name = this.text(nameStart, end)
      if (name === '' || ![...name].every(isWordChar)) {
        throw new Re2SyntaxError('invalid named capture', this.text(start, end + 1))
      }
      this.pos = end + 1
      const cap = ++this.groups
      this.names.push(name)
      items.push({ k: 'group', cap, body: this.groupBody({ ...flags }) })
      return
    }
    if (next === '=' || next === '!' || next === '<') {
      throw new Re2SyntaxError('invalid or unsupported Perl syntax', this.text(start, this.pos + (next === '<' ? 3 : 2)),
        'lookaround assertions are not supported by RE2')
    }
    if (next === 'P' || next === '>' || next === '#' || next === '|') {
      const what = next === 'P' ? 'named backreferences are' : next === '>' ? 'atomic groups are' : next === '#' ? 'comments are' : 'branch reset groups are'
      throw new Re2SyntaxError('invalid or unsupported Perl syntax', this.text(start, this.pos + 2), `${what} not supported by RE2`)
    }
    // Flags: (?flags) or (?flags:re), flags from imsU, optionally negated after '-'.
    this.pos++ // ?
    const f = { ...flags }
    let sign = true
    let sawFlag = false
    for (;;) {
      const c = this.peek()
      if (c === undefined) throw new Re2SyntaxError('missing closing )', this.text(start, this.cs.length))
      this.pos++
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        f[c] = sign
        sawFlag = true
      } else if (c === '-') {
        if (!sign) break
        sign = false
        sawFlag = false
      } else if (c === ':' || c === ')') {
        if (!sign && !sawFlag) break
        if (c === ')') {
          // Applies to the rest of the enclosing group, across '|' too.
          Object.assign(flags, f)
        } else {
          items.push({ k: 'group', cap: 0, body: this.groupBody(f) })
        }
        return
      } else {
        break
      }
    }
    throw new Re2SyntaxError('invalid or unsupported Perl syntax', this.text(start))
  }

  groupBody (flags: Flags): Node {
    const body = this.alt(flags)
    if (this.peek() !== ')') throw new Re2SyntaxError('missing closing )', this.src)
    this.pos++
    return body
  }

  /** A backslash sequence outside a class. */
  escapeAtom (flags: Flags, items: Node[]): void {
    const c = this.peek(1)
    if (c === undefined) throw new Re2SyntaxError('trailing backslash at end of expression', '')
    switch (c) {
      case 'A': this.pos += 2; items.push({ k: 'assert', a: 'begin' }); return
      case 'z': this.pos += 2; items.push({ k: 'assert', a: 'end' }); return
      case 'b': this.pos += 2; items.push({ k: 'assert', a: 'wb' }); return
      case 'B': this.pos += 2; items.push({ k: 'assert', a: 'nwb' }); return
      case 'C': throw new Re2SyntaxError('invalid escape sequence', '\\C')
      case 'Q': {
        // \Q...\E: everything in between is literal; a missing \E runs to the end.
        this.pos += 2
        let end = this.pos
        while (end < this.cs.length && !(this.cs[end] === '\\' && this.cs[end + 1] === 'E')) end++
        for (let i = this.pos; i < end; i++) items.push(lit(this.cs[i].codePointAt(0)!, flags))
        this.pos = end < this.cs.length ? end + 2 : end
        return
      }
      case 'p': case 'P': {
        const { ranges, props } = this.unicodeClass()
        items.push({ k: 'class', ranges, props, neg: false, fold: flags.i })
        return
      }
    }
    const perl = this.perlClass()
    if (perl !== undefined) {
      items.push({ k: 'class', ranges: perl, props: [], neg: false, fold: flags.i })
      return
    }
    items.push(lit(this.escapeChar(), flags))
  }

  /** \d \D \s \S \w \W at pos, as ranges; undefined if not one. */
  perlClass (): number[] | undefined {
    const c = this.peek(1)
    if (c === undefined) return undefined
    const base = PERL[c.toLowerCase()]
    if (base === undefined || !/[dswDSW]/.test(c)) return undefined
    this.pos += 2
    return c === c.toLowerCase() ? base.slice() : negateRanges(base)
  }

  /** \pL, \p{Name}, \p{^Name}, \PL ... at pos. */
  unicodeClass (): { ranges: number[], props: Prop[] } {
    const start = this.pos
    let neg = this.peek(1) === 'P'
    let name: string
    if (this.peek(2) === undefined) throw new Re2SyntaxError('invalid character class range', this.text(start))
    if (this.peek(2) !== '{') {
      name = this.peek(2)!
      this.pos += 3
    } else {
      let end = this.pos + 3
      while (end < this.cs.length && this.cs[end] !== '}') end++
      if (end >= this.cs.length) throw new Re2SyntaxError('invalid character class range', this.text(start, this.cs.length))
      name = this.text(this.pos + 3, end)
      this.pos = end + 1
      if (name.startsWith('^')) {
        neg = !neg
        name = name.slice(1)
      }
    }
    if (name === 'Any') return { ranges: neg ? [] : [0, MAX_RUNE], props: [] }
    if (CATEGORIES.has(name)) return { ranges: [], props: [{ js: name, neg }] }
    const js = `Script=${name}`
    let ok = /^[A-Za-z_]+$/.test(name)
    if (ok) {
      try { void new RegExp(`\\p{${js}}`, 'u') } catch { ok = false }
    }
    if (!ok) throw new Re2SyntaxError('invalid character class range', this.text(start))
    return { ranges: [], props: [{ js, neg }] }
  }

  /** A single-character escape (parseEscape in Go) at pos; returns its code point. */
  escapeChar (): number {
    const start = this.pos
    const c = this.peek(1)
    if (c === undefined) throw new Re2SyntaxError('trailing backslash at end of expression', '')
    this.pos += 2
    const bad = (hint?: string): Re2SyntaxError => new Re2SyntaxError('invalid escape sequence', this.text(start), hint)
    if (c >= '1' && c <= '7' && !isOctal(this.peek())) {
      throw bad('backreferences are not supported by RE2')
    }
    if (c >= '0' && c <= '7') {
      // Octal: up to three digits in all.
      let v = c.charCodeAt(0) - 0x30
      for (let n = 0; n < 2 && isOctal(this.peek()); n++) v = v * 8 + this.cs[this.pos++].charCodeAt(0) - 0x30
      return v
    }
    switch (c) {
      case 'x': {
        if (this.peek() === '{') {
          this.pos++
          let v = 0
          let n = 0
          while (isHex(this.peek())) {
            v = v * 16 + parseInt(this.cs[this.pos++], 16)
            if (v > MAX_RUNE) throw bad()
            n++
          }
          if (n === 0 || this.peek() !== '}') throw bad()
          this.pos++
          return v
        }
        if (!isHex(this.peek()) || !isHex(this.peek(1))) {
          this.pos = Math.min(this.pos + 2, this.cs.length)
          throw bad()
        }
        const v = parseInt(this.cs[this.pos] + this.cs[this.pos + 1], 16)
        this.pos += 2
        return v
      }
      case 'a': return 0x07
      case 'f': return 0x0c
      case 'n': return 0x0a
      case 'r': return 0x0d
      case 't': return 0x09
      case 'v': return 0x0b
    }
    if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) return c.codePointAt(0)!
    throw bad()
  }

  /** [...] at pos. */
  charClass (flags: Flags): Node {
    const start = this.pos
    this.pos++
    let neg = false
    if (this.peek() === '^') {
      neg = true
      this.pos++
    }
    const ranges: number[] = []
    const props: Prop[] = []
    let first = true
    const missing = (): Re2SyntaxError => new Re2SyntaxError('missing closing ]', this.text(start, this.cs.length))
    for (;;) {
      const c = this.peek()
      if (c === undefined) throw missing()
      if (c === ']' && !first) break
      first = false
      // [:alpha:] and [:^alpha:]
      if (c === '[' && this.peek(1) === ':') {
        const rest = this.rest(this.pos + 2)
        const end = rest.indexOf(':]')
        if (end >= 0) {
          let name = rest.slice(0, end)
          const seq = `[:${name}:]`
          const negated = name.startsWith('^')
          if (negated) name = name.slice(1)
          const set = POSIX[name]
          if (set === undefined) throw new Re2SyntaxError('invalid character class range', seq)
          ranges.push(...(negated ? negateRanges(set) : set))
          this.pos += [...seq].length
          continue
        }
      }
      if (c === '\\' && (this.peek(1) === 'p' || this.peek(1) === 'P')) {
        const u = this.unicodeClass()
        ranges.push(...u.ranges)
        props.push(...u.props)
        continue
      }
      if (c === '\\') {
        const perl = this.perlClass()
        if (perl !== undefined) {
          ranges.push(...perl)
          continue
        }
      }
      const rangeStart = this.pos
      const lo = this.classChar(missing)
      let hi = lo
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++
        hi = this.classChar(missing)
        if (hi < lo) throw new Re2SyntaxError('invalid character class range', this.text(rangeStart))
      }
      ranges.push(lo, hi)
    }
    this.pos++ // ]
    return { k: 'class', ranges: normalizeRanges(ranges), props, neg, fold: flags.i }
  }

  classChar (missing: () => Re2SyntaxError): number {
    const c = this.peek()
    if (c === undefined) throw missing()
    if (c === '\\') return this.escapeChar()
    this.pos++
    return c.codePointAt(0)!
  }
}

function lit (cp: number, flags: Flags): Node {
  return { k: 'lit', cp, fold: flags.i }
}

/** Go's check that nested counted repetitions stay within 1000 copies of anything. */
function repeatIsValid (node: Node, n: number): boolean {
  if (node.k === 'rep') {
    let m = node.max
    if (m === 0) return true
    if (m < 0) m = node.min
    if (m > n) return false
    if (m > 0) n = Math.floor(n / m)
    return repeatIsValid(node.sub, n)
  }
  if (node.k === 'group') return repeatIsValid(node.body, n)
  if (node.k === 'cat' || node.k === 'alt') return node.items.every(x => repeatIsValid(x, n))
  return true
}

/** Parses an RE2 pattern under the given starting flags. Throws Re2SyntaxError. */
export function parseRe2 (src: string, flags: Flags): Parsed {
  return new Parser(src).parse({ ...flags })
}
