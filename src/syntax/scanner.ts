// The Alloy scanner: turns source text into tokens, inserting a TERMINATOR at a newline
// (or EOF) that follows a token which can end a statement, the same rule as Go and Alloy.
// It works on the string with charCodeAt; only non-ASCII characters take a slower path.
import { T, type Token } from './token.js'
import { formatCodePoint, isDigit, isLetter } from './chars.js'

export type ScanErrorHandler = (offset: number, msg: string) => void

const NL = 0x0a
const SLASH = 0x2f
const STAR = 0x2a
const BOM = 0xfeff

export class Scanner {
  /** Current token, its start/end offsets and its literal text (for literals, comments, ILLEGAL). */
  tok: Token = T.EOF
  pos = 0
  end = 0
  lit = ''

  private i = 0
  private insertTerm = false
  private readonly len: number

  constructor (private readonly src: string, private readonly onError: ScanErrorHandler = () => {}) {
    this.len = src.length
    if (src.charCodeAt(0) === BOM) this.i = 1
    if (/[\0\uFEFF\uD800-\uDFFF]/.test(src)) this.reportBadChars()
  }

  /** Errors Go's scanner raises while decoding any character, even inside strings and comments. */
  private reportBadChars (): void {
    const s = this.src
    for (let j = 0; j < this.len; j++) {
      const c = s.charCodeAt(j)
      if (c === 0) this.onError(j, 'illegal character NUL')
      else if (c === BOM && j > 0) this.onError(j, 'illegal byte order mark')
      else if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(j + 1)
        if (d >= 0xdc00 && d <= 0xdfff) j++
        else this.onError(j, 'illegal UTF-8 encoding')
      } else if (c >= 0xdc00 && c <= 0xdfff) this.onError(j, 'illegal UTF-8 encoding')
    }
  }

  private set (tok: Token, pos: number, lit: string, insertTerm: boolean): Token {
    this.tok = tok
    this.pos = pos
    this.end = this.i
    this.lit = lit
    this.insertTerm = insertTerm
    return tok
  }

  scan (): Token {
    const s = this.src
    for (;;) {
      // Skip whitespace; a newline is only significant when a terminator is due.
      let c = s.charCodeAt(this.i)
      while (c === 0x20 || c === 0x09 || c === 0x0d || (c === NL && !this.insertTerm)) c = s.charCodeAt(++this.i)
      const pos = this.i

      if (pos >= this.len) {
        if (this.insertTerm) return this.set(T.TERMINATOR, pos, '\n', false)
        return this.set(T.EOF, pos, '', false)
      }

      if (isLetter(c < 0xd800 || c > 0xdbff ? c : s.codePointAt(pos)!)) {
        const lit = this.scanIdentifier()
        const tok = lit === 'true' || lit === 'false' ? T.BOOL : lit === 'null' ? T.NULL : T.IDENT
        return this.set(tok, pos, lit, true)
      }
      if ((c >= 0x30 && c <= 0x39) || (c === 0x2e && isAsciiDigit(s.charCodeAt(pos + 1)))) {
        const tok = this.scanNumber()
        return this.set(tok, pos, s.slice(pos, this.i), true)
      }

      this.i++
      const n = s.charCodeAt(this.i) // the character after c
      switch (c) {
        case NL:
          // Only reachable when a terminator is due.
          return this.set(T.TERMINATOR, pos, '\n', false)
        case 0x27: { // '
          this.onError(pos, 'illegal single-quoted string; use double quotes')
          const lit = this.scanString(0x27, true, false)
          return this.set(T.ILLEGAL, pos, lit, true)
        }
        case 0x22: return this.set(T.STRING, pos, this.scanString(0x22, true, false), true)
        case 0x60: return this.set(T.STRING, pos, this.scanString(0x60, false, true), true)
        case 0x7c: // |
          if (n !== 0x7c) this.onError(this.i, 'missing second | in ||')
          else this.i++
          return this.set(T.OR, pos, '', false)
        case 0x26: // &
          if (n !== 0x26) this.onError(this.i, 'missing second & in &&')
          else this.i++
          return this.set(T.AND, pos, '', false)
        case 0x21: return this.set(this.switch2(n, T.NOT, T.NEQ), pos, '', false)
        case 0x3d: return this.set(this.switch2(n, T.ASSIGN, T.EQ), pos, '', false)
        case 0x3c: return this.set(this.switch2(n, T.LT, T.LTE), pos, '', false)
        case 0x3e: return this.set(this.switch2(n, T.GT, T.GTE), pos, '', false)
        case 0x2b: return this.set(T.ADD, pos, '', false)
        case 0x2d: return this.set(T.SUB, pos, '', false)
        case STAR: return this.set(T.MUL, pos, '', false)
        case SLASH:
          if (n === SLASH || n === STAR) {
            // A comment. If a terminator is due and the comment runs to the end of the line,
            // emit the terminator first and scan the comment on the next call.
            if (this.insertTerm && this.findLineEnd()) {
              this.i = pos
              return this.set(T.TERMINATOR, pos, '\n', false)
            }
            const lit = this.scanComment(pos)
            return this.set(T.COMMENT, pos, lit, false)
          }
          return this.set(T.DIV, pos, '', false)
        case 0x25: return this.set(T.MOD, pos, '', false)
        case 0x5e: return this.set(T.POW, pos, '', false)
        case 0x7b: return this.set(T.LCURLY, pos, '', false)
        case 0x7d: return this.set(T.RCURLY, pos, '', true)
        case 0x28: return this.set(T.LPAREN, pos, '', false)
        case 0x29: return this.set(T.RPAREN, pos, '', true)
        case 0x5b: return this.set(T.LBRACK, pos, '', false)
        case 0x5d: return this.set(T.RBRACK, pos, '', true)
        case 0x2c: return this.set(T.COMMA, pos, '', false)
        case 0x2e: return this.set(T.DOT, pos, '', false)
        default: {
          let cp = c
          if (c >= 0xd800 && c <= 0xdbff && n >= 0xdc00 && n <= 0xdfff) { cp = s.codePointAt(pos)!; this.i++ }
          else if (c >= 0xd800 && c <= 0xdfff) cp = 0xfffd // reported as bad encoding already
          // A misplaced BOM was reported by reportBadChars; don't repeat it.
          if (c !== BOM) this.onError(pos, `illegal character ${formatCodePoint(cp)}`)
          return this.set(T.ILLEGAL, pos, s.slice(pos, this.i), this.insertTerm)
        }
      }
    }
  }

  private switch2 (next: number, one: Token, two: Token): Token {
    if (next === 0x3d) { this.i++; return two }
    return one
  }

  private scanIdentifier (): string {
    const s = this.src
    const start = this.i
    let i = start
    for (;;) {
      const c = s.charCodeAt(i)
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x30 && c <= 0x39)) { i++; continue }
      if (c >= 0x80) {
        const cp = s.codePointAt(i)!
        if (isLetter(cp) || isDigit(cp)) { i += cp > 0xffff ? 2 : 1; continue }
      }
      break
    }
    this.i = i
    return s.slice(start, i)
  }

  private digits (): number {
    const s = this.src
    const start = this.i
    while (isAsciiDigit(s.charCodeAt(this.i))) this.i++
    return this.i - start
  }

  private scanNumber (): Token {
    const s = this.src
    const start = this.i
    let tok: Token = T.NUMBER
    if (s.charCodeAt(this.i) !== 0x2e) this.digits()
    if (s.charCodeAt(this.i) === 0x2e) {
      tok = T.FLOAT
      this.i++
      this.digits()
    }
    if ((s.charCodeAt(this.i) | 0x20) === 0x65) { // e or E
      tok = T.FLOAT
      this.i++
      const c = s.charCodeAt(this.i)
      if (c === 0x2b || c === 0x2d) this.i++
      if (this.digits() === 0) this.onError(start, 'exponent has no digits')
    }
    return tok
  }

  /** Called just past the opening quote; returns the literal including its quotes. */
  private scanString (quote: number, escapes: boolean, multiline: boolean): string {
    const s = this.src
    const start = this.i - 1
    for (;;) {
      if (this.i >= this.len) { this.onError(start, 'string literal not terminated'); break }
      const c = s.charCodeAt(this.i)
      if (c === NL && !multiline) { this.onError(start, 'string literal not terminated'); break }
      this.i++
      if (c === quote) break
      if (c === 0x5c && escapes) this.scanEscape()
    }
    return s.slice(start, this.i)
  }

  /** Validates one escape sequence; this.i is just past the backslash. Stops at an offending character. */
  private scanEscape (): void {
    const s = this.src
    const off = this.i
    if (this.i >= this.len) { this.onError(off, 'escape sequence not terminated'); return }
    let n: number, base: number, max: number
    switch (s.charCodeAt(this.i)) {
      case 0x61: case 0x62: case 0x66: case 0x6e: case 0x72: case 0x74: case 0x76: case 0x5c: case 0x22:
        this.i++
        return
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37:
        n = 3; base = 8; max = 255; break
      case 0x78: this.i++; n = 2; base = 16; max = 255; break
      case 0x75: this.i++; n = 4; base = 16; max = 0x10ffff; break
      case 0x55: this.i++; n = 8; base = 16; max = 0x10ffff; break
      default:
        this.onError(off, 'unknown escape sequence')
        return
    }
    let x = 0
    for (; n > 0; n--) {
      if (this.i >= this.len) { this.onError(off, 'escape sequence not terminated'); return }
      const d = digitVal(s.charCodeAt(this.i))
      if (d >= base) {
        this.onError(off, `illegal character ${formatCodePoint(s.codePointAt(this.i)!)} in escape sequence`)
        return
      }
      x = x * base + d
      this.i++
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) this.onError(off, 'escape sequence is invalid Unicode code point')
  }

  /** Called just past the first '/'. Returns the comment text without a final newline or CRs. */
  private scanComment (start: number): string {
    const s = this.src
    let block = false
    if (s.charCodeAt(this.i) === SLASH) {
      let j = s.indexOf('\n', this.i)
      if (j === -1) j = this.len
      this.i = j
    } else {
      block = true
      const close = s.indexOf('*/', this.i + 1)
      if (close === -1) {
        this.i = this.len
        this.onError(start, 'block comment not terminated')
      } else {
        this.i = close + 2
      }
    }
    let lit = s.slice(start, this.i)
    if (lit.includes('\r')) {
      if (lit.endsWith('\r')) lit = lit.slice(0, -1)
      lit = stripCR(lit, block)
    }
    return lit
  }

  /**
   * Whether the comment starting one character back runs to the end of the line (possibly
   * through further block comments). Does not move the scanner.
   */
  private findLineEnd (): boolean {
    const s = this.src
    let j = this.i // just past the first '/'
    for (;;) {
      const c = s.charCodeAt(j)
      if (c === SLASH) return true // a line comment always ends the line
      if (c !== STAR) return false
      j++
      let closed = false
      while (j < this.len) {
        const d = s.charCodeAt(j++)
        if (d === NL) return true
        if (d === STAR && s.charCodeAt(j) === SLASH) { j++; closed = true; break }
      }
      if (!closed) return true // runs to EOF
      let e = s.charCodeAt(j)
      while (e === 0x20 || e === 0x09 || e === 0x0d) e = s.charCodeAt(++j)
      if (j >= this.len || e === NL) return true
      if (e !== SLASH) return false
      j++
    }
  }
}

function isAsciiDigit (c: number): boolean { return c >= 0x30 && c <= 0x39 }

function digitVal (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10
  return 16
}

/** Drops CRs, except one between `*` and the closing `/` of a block comment (as Go does). */
function stripCR (lit: string, block: boolean): string {
  let out = ''
  for (let j = 0; j < lit.length; j++) {
    const ch = lit[j]
    if (ch !== '\r' || (block && out.length > 2 && out[out.length - 1] === '*' && j + 1 < lit.length && lit[j + 1] === '/')) out += ch
  }
  return out
}

/** Whether s is exactly one IDENT token (so `true`/`null` are not). */
export function isValidIdentifier (s: string): boolean {
  if (s.length === 0) return false
  const sc = new Scanner(s)
  return sc.scan() === T.IDENT && sc.lit === s
}
