// `alloy fmt`: prints a File in canonical layout. Like Alloy's printer, a walker sends
// tokens and abstract whitespace to a printer that re-inserts comments by source position;
// the resulting text goes through elastic tabstops (tabwriter.ts) that align `=` signs.
// Layout decisions (blank lines, one element per line, trailing commas) follow the
// source's line structure, which is why nodes keep their spans.
import type { BlockStmt, Comment, Expr, File, ObjectExpr, Pos, Span, Stmt } from './ast.js'
import { goQuote } from './chars.js'
import { Scanner } from './scanner.js'
import { alignAndTrim, ESC } from './tabwriter.js'
import { T, type Token } from './token.js'

/** Canonical text of a file, ending with one newline, as `alloy fmt` writes it. */
export function formatFile (file: File): string {
  const p = new Printer(file.comments)
  new Walker(p, file.comments).stmts(file.body)
  p.finish()
  return alignAndTrim(p.text()) + '\n'
}

// Abstract whitespace. Characters are written as-is; INDENT/UNINDENT change the level.
const IGNORE = ''
const BLANK = ' '
const VTAB = '\v'
const NEWLINE = '\n'
const FORMFEED = '\f'
const INDENT = '>'
const UNINDENT = '<'
type Whitespace = typeof IGNORE | typeof BLANK | typeof VTAB | typeof NEWLINE | typeof FORMFEED | typeof INDENT | typeof UNINDENT

/** Written whitespace was the last thing sent. */
const LITERAL = -1
const EOF_TOKEN = -2
type LastTok = Token | typeof LITERAL | typeof EOF_TOKEN

const MAX_WS = 16
const MAX_NEWLINES = 2

interface MPos { offset: number, line: number, column: number }

const mpos = (p: Pos): MPos => ({ offset: p.offset, line: p.line, column: p.column })

class Printer {
  private readonly out: string[] = []
  private outLen = 0
  private indent = 0
  private lastTok: LastTok = LITERAL
  private ws: Whitespace[] = []
  private ci = 0
  /** Estimated position in source ("AST") space; set exactly when a node position is known. */
  private pos: MPos = { offset: 0, line: 1, column: 1 }
  /** Source-space position after the last text written. Line 0 = nothing written yet. */
  private last: MPos = { offset: 0, line: 0, column: 0 }
  /** Position in output space, to know when a line needs its indentation. */
  private outPos = { line: 1, column: 1 }

  constructor (private readonly comments: readonly Comment[]) {}

  text (): string { return this.out.join('') }

  space (...ws: Whitespace[]): void {
    for (const w of ws) {
      if (w === IGNORE) continue
      if (this.ws.length === MAX_WS) this.writeWhitespace(this.ws.length)
      this.ws.push(w)
      this.lastTok = LITERAL
    }
  }

  /** Sets the source position of what is written next. */
  at (p: Pos | undefined): void {
    if (p !== undefined && p.line > 0) this.pos = mpos(p)
  }

  /** Writes a token, identifier or literal; `tok` says which for the combine check. */
  token (data: string, tok: Token, isOperator: boolean): void {
    if (isOperator && mayCombine(this.lastTok, data.charCodeAt(0))) {
      this.ws = [BLANK]
    }
    this.lastTok = tok
    const next = { ...this.pos }
    this.flush(next, tok)
    this.writeString(next, data, false, tok === T.STRING ? protectString(data) : undefined)
  }

  finish (): void {
    const inf = Number.MAX_SAFE_INTEGER
    this.flush({ offset: inf, line: inf, column: inf }, EOF_TOKEN)
  }

  private commentBefore (next: MPos): boolean {
    // Strictly before: `next` is often estimated as the end of the previous token, and a
    // comment starting exactly there (`5/* c */,`) must not move on the second run.
    return this.ci < this.comments.length && this.comments[this.ci].span.start.offset < next.offset
  }

  private flush (next: MPos, tok: LastTok): void {
    if (this.commentBefore(next)) this.injectComments(next, tok)
    else if (tok !== EOF_TOKEN) this.writeWhitespace(this.ws.length)
  }

  private injectComments (next: MPos, tok: LastTok): void {
    let lastComment: Comment | undefined
    while (this.commentBefore(next)) {
      const c = this.comments[this.ci++]
      this.commentPrefix(next, c)
      this.writeString(mpos(c.span.start), c.text, true)
      lastComment = c
    }
    this.commentSuffix(next, tok, lastComment!)
  }

  private commentPrefix (next: MPos, c: Comment): void {
    if (this.outLen === 0) return // first thing in the output: nothing before it
    const cPos = c.span.start
    if (cPos.line === this.last.line) {
      // Same line as the previous token: a tab aligns trailing comments; a block comment
      // followed by more on the same line gets a plain space.
      this.writeByte(cPos.line === next.line ? ' ' : '\t', 1)
      return
    }
    // On a later line: keep pending indentation changes, drop the first pending blank or
    // newline (the comment brings its own line breaks).
    let count = 0
    for (let i = 0; i < this.ws.length; i++) {
      const w = this.ws[i]
      if (w === INDENT || w === UNINDENT) continue
      if (w === BLANK || w === VTAB || w === NEWLINE || w === FORMFEED) this.ws[i] = IGNORE
      count = i
      break
    }
    this.writeWhitespace(count)
    const newlines = this.last.line > 0 ? cPos.line - this.last.line : 0
    if (newlines > 0) this.writeByte('\f', Math.min(newlines, MAX_NEWLINES))
  }

  private commentSuffix (next: MPos, tok: LastTok, lastComment: Comment): void {
    if (tok === EOF_TOKEN) return // no blank lines at the end of the file
    if (lastComment.text[1] === '*' && next.line === lastComment.span.end.line) this.writeByte(' ', 1)
    const newlines = next.line - this.last.line
    let droppedFF = false
    for (let i = 0; i < this.ws.length; i++) {
      const w = this.ws[i]
      if (w === BLANK || w === VTAB) this.ws[i] = IGNORE
      else if (w === NEWLINE || w === FORMFEED) {
        if (w === FORMFEED) droppedFF = true
        this.ws[i] = IGNORE
      }
    }
    this.writeWhitespace(this.ws.length)
    if (newlines > 0) this.writeByte(droppedFF ? '\f' : '\n', Math.min(newlines, MAX_NEWLINES))
  }

  private emit (s: string): void {
    this.out.push(s)
    this.outLen += s.length
  }

  /** `text` is what to emit when it differs from s (s is what position tracking counts). */
  private writeString (pos: MPos, s: string, escaped: boolean, text?: string): void {
    if (this.outPos.column === 1) this.writeIndent()
    if (pos.line > 0) this.pos = { ...pos }
    this.emit(escaped ? ESC + s + ESC : text ?? s)

    let newlines = 0
    let lastNl = 0
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i)
      if (ch === 0x0a || ch === 0x0c) { newlines++; lastNl = i }
    }
    this.pos.offset += s.length
    if (newlines > 0) {
      this.pos.line += newlines
      this.outPos.line += newlines
      this.pos.column = this.outPos.column = s.length - lastNl
    } else {
      this.pos.column += s.length
      this.outPos.column += s.length
    }
    this.last = { ...this.pos }
  }

  private writeIndent (): void {
    const depth = this.indent
    if (depth > 0) this.emit('\t'.repeat(depth))
    this.pos.offset += depth
    this.pos.column += depth
    this.outPos.column += depth
  }

  private writeByte (ch: string, n: number): void {
    if (this.outPos.column === 1) this.writeIndent()
    this.emit(ch.repeat(n))
    this.pos.offset += n
    if (ch === '\n' || ch === '\f') {
      this.pos.line += n
      this.outPos.line += n
      this.pos.column = this.outPos.column = 1
      return
    }
    this.pos.column += n
    this.outPos.column += n
  }

  private writeWhitespace (n: number): void {
    for (let i = 0; i < n; i++) {
      const w = this.ws[i]
      if (w === IGNORE) continue
      if (w === INDENT) this.indent++
      else if (w === UNINDENT) this.indent = Math.max(0, this.indent - 1)
      else this.writeByte(w, 1)
    }
    if (n === this.ws.length) this.ws.length = 0
    else if (n > 0) this.ws.splice(0, n)
  }
}

/**
 * Alloy sends string literals through the tabwriter unescaped, so a tab inside a string
 * became alignment padding and trailing blanks in a multi-line raw string were trimmed,
 * changing the value. Escape just those characters; everything else lays out as in Alloy.
 */
function protectString (lit: string): string | undefined {
  if (!/[\t\v\f]|[ ]\r?\n/.test(lit)) return undefined
  return lit.replace(/[\t\v\f]+|[ ]+(?=\r?\n)/g, m => ESC + m + ESC)
}

/** Whether printing `next` right after `prev` would scan as a different token. */
function mayCombine (prev: LastTok, next: number): boolean {
  if (prev === T.NUMBER) return next === 0x2e // 1.
  if (prev === T.DIV) return next === 0x2a // /*
  return false
}

// --- walker ------------------------------------------------------------------------------

const lineOf = (s: Span): { start: number, end: number } => ({ start: s.start.line, end: s.end.line })

/** Whether the walker keeps a line break inside n (mirrors its layout decisions). */
function printsMultiline (n: Stmt | Expr): boolean {
  switch (n.kind) {
    case 'Attribute': return printsMultiline(n.value)
    case 'Block': return n.body.length > 0
    case 'Literal': return n.raw.includes('\n')
    case 'Identifier': return false
    case 'Access': return printsMultiline(n.value)
    case 'Index': return printsMultiline(n.value) || printsMultiline(n.index)
    case 'Unary': return printsMultiline(n.value)
    case 'Binary': return printsMultiline(n.left) || printsMultiline(n.right)
    case 'Paren': return printsMultiline(n.inner)
    case 'Array': return listBreaks(n.span.start.line, n.elements.map(e => e.span), closePos(n.span).line) || n.elements.some(printsMultiline)
    case 'Object':
      return listBreaks(n.span.start.line, n.fields.map(f => ({ start: f.nameSpan.start, end: f.value.span.end })), closePos(n.span).line, true) ||
        n.fields.some(f => printsMultiline(f.value))
    case 'Call':
      return printsMultiline(n.callee) || listBreaks(n.callee.span.end.line, n.args.map(a => a.span), closePos(n.span).line) || n.args.some(printsMultiline)
  }
}

/** Whether a list starting on `open` keeps a break before an element or the closing token. */
function listBreaks (open: number, items: Span[], close: number, byNameLine = false): boolean {
  let prev = open
  for (const s of items) {
    if (s.start.line !== prev) return true
    prev = byNameLine ? s.start.line : s.end.line
  }
  return items.length > 0 && close !== prev
}
/** The position of a node's closing character (spans end just past it). */
function closePos (s: Span): Pos {
  return { offset: s.end.offset - 1, line: s.end.line, column: s.end.column - 1 }
}

const opToken: Record<string, Token> = {
  '||': T.OR, '&&': T.AND, '==': T.EQ, '!=': T.NEQ, '<': T.LT, '<=': T.LTE, '>': T.GT, '>=': T.GTE,
  '+': T.ADD, '-': T.SUB, '*': T.MUL, '/': T.DIV, '%': T.MOD, '^': T.POW, '!': T.NOT,
}

class Walker {
  constructor (private readonly p: Printer, private readonly comments: readonly Comment[]) {}

  /**
   * Whether a statement or value will print over several lines, which ends an alignment run.
   * Alloy uses the source's line count, so `a =\n1` broke alignment on the first run but not
   * on the second; counting only the line breaks the printer keeps makes fmt idempotent.
   */
  private multiline (n: Stmt | Expr): boolean {
    if (n.span.start.line === n.span.end.line) return false
    if (this.hasCommentWithin(n.span)) return true
    return printsMultiline(n)
  }

  private hasCommentWithin (span: Span): boolean {
    const cs = this.comments
    let lo = 0; let hi = cs.length
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cs[mid].span.start.offset <= span.start.offset) lo = mid + 1; else hi = mid }
    return lo < cs.length && cs[lo].span.start.offset < span.end.offset
  }

  private tok (t: Token, text: string): void { this.p.token(text, t, true) }

  stmts (ss: readonly Stmt[]): void {
    for (let i = 0; i < ss.length; i++) {
      const s = ss[i]
      if (i > 0) {
        // Blocks are always separated by a blank line; otherwise keep the source's blank lines.
        if (s.kind === 'Block') this.p.space(FORMFEED)
        else if (s.span.start.line - ss[i - 1].span.end.line > 1) this.p.space(FORMFEED)
      }
      this.stmt(s)
      // A multi-line statement ends an alignment section.
      this.p.space(this.multiline(s) ? FORMFEED : NEWLINE)
    }
  }

  private stmt (s: Stmt): void {
    if (s.kind === 'Attribute') {
      this.p.at(s.name.span.start)
      this.p.token(s.name.name, T.IDENT, false)
      this.p.space(VTAB)
      this.tok(T.ASSIGN, '=')
      this.p.space(BLANK)
      this.expr(s.value)
    } else {
      this.block(s)
    }
  }

  private block (b: BlockStmt): void {
    // A name split by comments (`a.\n// c\nb`) prints joined; emit those comments first, not
    // between the name and `{` where a line comment would break the block header.
    this.p.at(this.hasCommentWithin(b.nameSpan) ? b.nameSpan.end : b.nameSpan.start)
    this.p.token(b.name.join('.'), T.IDENT, false)
    if (b.label !== undefined && b.label !== '') {
      this.p.space(BLANK)
      this.p.at(b.labelSpan?.start)
      this.p.token(goQuote(b.label), T.STRING, false)
    }
    this.p.space(BLANK)
    this.p.at(b.lcurly)
    this.tok(T.LCURLY, '{')
    this.p.space(INDENT)
    if (b.body.length > 0) {
      this.p.space(FORMFEED)
      this.stmts(b.body)
    } else {
      this.p.space(BLANK)
    }
    this.p.space(UNINDENT)
    this.p.at(b.rcurly)
    this.tok(T.RCURLY, '}')
  }

  private expr (e: Expr): void {
    const p = this.p
    switch (e.kind) {
      case 'Literal': {
        p.at(e.span.start)
        const t = e.type === 'string' ? T.STRING : e.type === 'bool' ? T.BOOL : e.type === 'null' ? T.NULL
          : /[.eE]/.test(e.raw) ? T.FLOAT : T.NUMBER
        p.token(e.raw, t, false)
        break
      }
      case 'Identifier':
        p.at(e.span.start)
        p.token(e.name, T.IDENT, false)
        break
      case 'Access':
        this.expr(e.value)
        this.tok(T.DOT, '.')
        p.token(e.name.name, T.IDENT, false)
        break
      case 'Index':
        this.expr(e.value)
        this.tok(T.LBRACK, '[')
        this.expr(e.index)
        p.at(closePos(e.span))
        this.tok(T.RBRACK, ']')
        break
      case 'Call':
        this.call(e.callee, e.args, e.span)
        break
      case 'Unary':
        p.at(e.span.start)
        this.tok(opToken[e.op], e.op)
        this.expr(e.value)
        break
      case 'Binary':
        this.expr(e.left)
        p.space(BLANK)
        this.tok(opToken[e.op], e.op)
        p.space(BLANK)
        this.expr(e.right)
        break
      case 'Paren':
        this.tok(T.LPAREN, '(')
        this.expr(e.inner)
        this.tok(T.RPAREN, ')')
        break
      case 'Array':
        this.array(e.elements, e.span)
        break
      case 'Object':
        this.object(e)
        break
    }
  }

  private array (elements: readonly Expr[], span: Span): void {
    const p = this.p
    p.at(span.start)
    this.tok(T.LBRACK, '[')
    let prevLine = span.start.line
    for (let i = 0; i < elements.length; i++) {
      const el = elements[i]
      let newline = false
      if (el.span.start.line !== prevLine) {
        // Indent before the line break so comments written before it are indented too.
        p.space(INDENT, FORMFEED)
        newline = true
      } else if (i > 0) {
        p.space(BLANK)
      }
      prevLine = lineOf(el.span).end
      this.expr(el)
      if (i + 1 < elements.length) this.tok(T.COMMA, ',')
      if (newline) p.space(UNINDENT)
    }
    const close = closePos(span)
    if (elements.length > 0 && close.line !== prevLine) {
      // A closing bracket on its own line needs a trailing comma after the last element.
      this.tok(T.COMMA, ',')
      p.space(INDENT, FORMFEED, UNINDENT)
    }
    p.at(close)
    this.tok(T.RBRACK, ']')
  }

  private object (e: ObjectExpr): void {
    const p = this.p
    p.at(e.span.start)
    this.tok(T.LCURLY, '{')
    p.space(INDENT)
    let prevLine = e.span.start.line
    for (let i = 0; i < e.fields.length; i++) {
      const f = e.fields[i]
      if (f.nameSpan.start.line !== prevLine) {
        // Keep aligning `=` unless the previous field spanned several lines.
        p.space(i > 0 && !this.multiline(e.fields[i - 1].value) ? NEWLINE : FORMFEED)
      } else if (i > 0) {
        p.space(BLANK)
      }
      prevLine = f.nameSpan.end.line
      p.at(f.nameSpan.start)
      if (f.quoted) p.token(quoteKey(f.name), T.STRING, false)
      else p.token(f.name, T.IDENT, false)
      p.space(VTAB)
      this.tok(T.ASSIGN, '=')
      p.space(BLANK)
      this.expr(f.value)
      if (i + 1 < e.fields.length) this.tok(T.COMMA, ',')
    }
    const close = closePos(e.span)
    if (e.fields.length > 0 && close.line !== prevLine) {
      this.tok(T.COMMA, ',')
      p.space(FORMFEED)
    }
    p.space(UNINDENT)
    p.at(close)
    this.tok(T.RCURLY, '}')
  }

  private call (callee: Expr, args: readonly Expr[], span: Span): void {
    const p = this.p
    this.expr(callee)
    this.tok(T.LPAREN, '(')
    // The `(` is always on the line where the callee ends (a newline there would end the statement).
    let prevLine = callee.span.end.line
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]
      let newline = false
      if (arg.span.start.line !== prevLine) {
        p.space(FORMFEED, INDENT)
        newline = true
      }
      this.expr(arg)
      prevLine = arg.span.end.line
      if (i + 1 < args.length) {
        this.tok(T.COMMA, ',')
        p.space(BLANK)
      }
      if (newline) p.space(UNINDENT)
    }
    // Alloy also adds the comma with no arguments, which would not parse again; we don't.
    if (args.length > 0 && closePos(span).line !== prevLine) {
      this.tok(T.COMMA, ',')
      p.space(FORMFEED)
    }
    this.tok(T.RPAREN, ')')
  }
}

/**
 * A quoted object key as written: the parser keeps the text between the quotes (escapes
 * unresolved, like Alloy), so re-quoting it reproduces the source. A key that came from a
 * raw string and would not scan as a plain string is Go-quoted instead.
 */
function quoteKey (name: string): string {
  const quoted = '"' + name + '"'
  let ok = true
  const sc = new Scanner(quoted, () => { ok = false })
  if (sc.scan() === T.STRING && ok && sc.lit === quoted) return quoted
  return goQuote(name)
}
