// The Alloy parser: a recursive-descent LL(1) parser over the scanner's tokens, following
// grafana/alloy's grammar and error recovery. It never throws; it reports every error it
// can (but at most one parser error per line, as Alloy does) and returns a partial tree.
import type {
  ArrayExpr, AttributeStmt, BinaryOp, BlockStmt, Comment, Expr, File, Ident, LiteralExpr,
  ObjectExpr, ObjectField, Pos, Span, Stmt, UnaryOp,
} from './ast.js'
import type { Diagnostic } from './diag.js'
import { goQuote } from './chars.js'
import { decodeNumber, decodeString } from './literal.js'
import { LineIndex } from './position.js'
import { isValidIdentifier, Scanner } from './scanner.js'
import { binaryPrecedence, T, tokenName, type Token } from './token.js'

export function parseFile (filename: string, source: string): { file: File, diagnostics: Diagnostic[] } {
  const p = new Parser(filename, source)
  const body = p.parseBody(T.EOF)
  const file: File = { kind: 'File', name: filename, body, comments: p.comments }
  return { file, diagnostics: p.sortedDiagnostics() }
}

/** Parses one expression. expr is undefined when there were errors (see diagnostics). */
export function parseExpression (source: string, filename = ''): { expr: Expr | undefined, diagnostics: Diagnostic[] } {
  const p = new Parser(filename, source)
  const expr = p.parseExpression()
  // Anything left over besides the final terminator is an error.
  p.expect(T.TERMINATOR)
  const diagnostics = p.sortedDiagnostics()
  return { expr: diagnostics.length > 0 ? undefined : expr, diagnostics }
}

interface Consumed { tok: Token, pos: number, end: number, lit: string }

interface BlockName {
  fragments: string[]
  start: number
  end: number
  label?: string
  labelPos: number // -1 when absent
  labelEnd: number
}

const binaryOps: Partial<Record<Token, BinaryOp>> = {
  [T.OR]: '||', [T.AND]: '&&',
  [T.EQ]: '==', [T.NEQ]: '!=', [T.LT]: '<', [T.LTE]: '<=', [T.GT]: '>', [T.GTE]: '>=',
  [T.ADD]: '+', [T.SUB]: '-', [T.MUL]: '*', [T.DIV]: '/', [T.MOD]: '%', [T.POW]: '^',
}

/** Tokens that end the rest of a bad expression. */
const statementEnd = new Set<Token>([T.TERMINATOR, T.RPAREN, T.RCURLY, T.RBRACK, T.COMMA])

class Parser {
  readonly comments: Comment[] = []
  private readonly diags: Diagnostic[] = []
  private readonly lines: LineIndex
  private readonly sc: Scanner
  private tok: Token = T.EOF
  private pos = 0
  private end = 0
  private lit = ''
  private lastErrorLine = 0

  constructor (private readonly filename: string, source: string) {
    this.lines = new LineIndex(source)
    this.sc = new Scanner(source, (offset, msg) => this.report(offset, offset, msg))
    this.next()
  }

  sortedDiagnostics (): Diagnostic[] {
    // Scanner errors are found one token ahead of the parser; present everything in source order.
    return this.diags.map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.span.start.offset - b.d.span.start.offset || a.i - b.i)
      .map(x => x.d)
  }

  // --- token handling -------------------------------------------------------------------

  /** The current token, read through a call so TypeScript does not keep a stale narrowing across next(). */
  private cur (): Token { return this.tok }

  /** Advances to the next non-comment token, collecting comments. */
  private next (): void {
    const sc = this.sc
    while (sc.scan() === T.COMMENT) {
      this.comments.push({ text: sc.lit, span: this.span(sc.pos, sc.end) })
    }
    this.tok = sc.tok
    this.pos = sc.pos
    this.end = sc.end
    this.lit = sc.lit
  }

  expect (t: Token): Consumed {
    const c: Consumed = { tok: this.tok, pos: this.pos, end: this.end, lit: this.lit }
    if (c.tok !== t) this.errorf(`expected ${tokenName(t)}, got ${tokenName(c.tok)}`)
    this.next()
    return c
  }

  private advance (to: Token): void {
    while (this.tok !== T.EOF && this.tok !== to) this.next()
  }

  private advanceAny (to: Set<Token>): void {
    while (this.tok !== T.EOF && !to.has(this.tok)) this.next()
  }

  /** Skips the rest of a statement, up to a terminator outside any bracket pair. */
  private consumeStatement (): void {
    let curly = 0; let brack = 0; let paren = 0
    while (this.tok !== T.EOF) {
      switch (this.tok) {
        case T.LCURLY: curly++; break
        case T.RCURLY: curly--; break
        case T.LBRACK: brack++; break
        case T.RBRACK: brack--; break
        case T.LPAREN: paren++; break
        case T.RPAREN: paren--; break
        case T.TERMINATOR:
          if (curly <= 0 && brack <= 0 && paren <= 0) return
      }
      this.next()
    }
  }

  // --- positions and diagnostics ----------------------------------------------------------

  private p (offset: number): Pos { return this.lines.pos(offset) }
  private span (start: number, end: number): Span { return { start: this.p(start), end: this.p(end) } }

  private report (start: number, end: number, message: string): void {
    this.diags.push({ severity: 'error', file: this.filename, span: this.span(start, end), message })
  }

  /** An error at the current token; a second parser error on the same line is dropped. */
  private errorf (message: string): void {
    const pos = this.p(this.pos)
    if (pos.line === this.lastErrorLine) return
    this.lastErrorLine = pos.line
    this.diags.push({ severity: 'error', file: this.filename, span: { start: pos, end: this.p(Math.max(this.end, this.pos)) }, message })
  }

  // --- statements -------------------------------------------------------------------------

  /** Body = [ Statement { terminator Statement } ], up to (not including) `until`. */
  parseBody (until: Token): Stmt[] {
    const body: Stmt[] = []
    while (this.tok !== until && this.tok !== T.EOF) {
      const stmt = this.parseStatement()
      if (stmt !== undefined) body.push(stmt)
      if (this.tok === until) break
      if (this.tok !== T.TERMINATOR) {
        this.errorf(`expected ${tokenName(T.TERMINATOR)}, got ${tokenName(this.tok)}`)
        this.consumeStatement()
      }
      this.next()
    }
    return body
  }

  /** Statement = Attribute | Block; both start with a (block) name. */
  private parseStatement (): Stmt | undefined {
    const bn = this.parseBlockName()
    if (bn === undefined) {
      this.advance(T.IDENT)
      return undefined
    }

    switch (this.tok) {
      case T.ASSIGN: {
        this.next()
        if (bn.fragments.length !== 1) {
          this.report(bn.start, bn.end, 'attribute names may only consist of a single identifier with no "."')
        } else if (bn.labelPos >= 0) {
          this.report(bn.labelPos, bn.labelEnd, 'attribute names may not have labels')
        }
        const name: Ident = { name: bn.fragments[0], span: this.span(bn.start, bn.start + bn.fragments[0].length) }
        const value = this.parseExpression()
        const stmt: AttributeStmt = { kind: 'Attribute', name, value, span: { start: name.span.start, end: value.span.end } }
        return stmt
      }
      case T.LCURLY: {
        const lc = this.expect(T.LCURLY)
        const body = this.parseBody(T.RCURLY)
        const rc = this.expect(T.RCURLY)
        const rcEnd = rc.tok === T.RCURLY ? rc.end : rc.pos
        const block: BlockStmt = {
          kind: 'Block',
          name: bn.fragments,
          nameSpan: this.span(bn.start, bn.end),
          ...(bn.label !== undefined ? { label: bn.label } : {}),
          ...(bn.labelPos >= 0 ? { labelSpan: this.span(bn.labelPos, bn.labelEnd) } : {}),
          body,
          span: this.span(bn.start, rcEnd),
          lcurly: this.p(lc.pos),
          rcurly: this.p(rc.pos),
        }
        return block
      }
      default:
        if (bn.fragments.length === 1 && bn.label === undefined) {
          this.errorf(`expected attribute assignment or block body, got ${tokenName(this.tok)}`)
        } else {
          this.errorf(`expected block body, got ${tokenName(this.tok)}`)
        }
        this.advance(T.IDENT)
        return undefined
    }
  }

  /** BlockName = identifier { "." identifier } [ string ] */
  private parseBlockName (): BlockName | undefined {
    if (this.tok !== T.IDENT) {
      this.errorf(`expected identifier, got ${tokenName(this.tok)}`)
      return undefined
    }
    const bn: BlockName = { fragments: [this.lit], start: this.pos, end: this.end, labelPos: -1, labelEnd: -1 }
    this.next()
    while (this.cur() === T.DOT) {
      this.next()
      // Keep going with a malformed name to parse as much as possible.
      if (this.tok !== T.IDENT) this.errorf(`expected identifier, got ${tokenName(this.tok)}`)
      bn.fragments.push(this.lit)
      bn.end = this.end
      this.next()
    }
    if (this.cur() !== T.ASSIGN && this.cur() !== T.LCURLY) {
      if (this.cur() === T.STRING) {
        const lit = this.lit
        if (lit[0] !== '"') this.errorf(`expected block label to be a double quoted string, but got ${goQuote(lit)}`)
        // An empty label is the same as no label; any other must be a valid identifier.
        if (lit.length > 2) {
          bn.label = lit.slice(1, -1)
          if (!isValidIdentifier(bn.label)) this.errorf(`expected block label to be a valid identifier, but got ${goQuote(bn.label)}`)
        }
        bn.labelPos = this.pos
        bn.labelEnd = this.end
      } else {
        this.errorf(`expected block label, got ${tokenName(this.tok)}`)
      }
      this.next()
    }
    return bn
  }

  // --- expressions ------------------------------------------------------------------------

  parseExpression (): Expr {
    return this.parseBinOp(1)
  }

  /** Left-associative binary operators by precedence climbing; `^` is in parsePowExpr. */
  private parseBinOp (inPrec: number): Expr {
    let lhs = this.parsePowExpr()
    for (;;) {
      const tok = this.tok
      const prec = binaryPrecedence(tok)
      if (prec < inPrec) return lhs
      this.next()
      const rhs = this.parseBinOp(prec + 1)
      lhs = { kind: 'Binary', op: binaryOps[tok]!, left: lhs, right: rhs, span: { start: lhs.span.start, end: rhs.span.end } }
    }
  }

  /** PowExpr = UnaryExpr [ "^" PowExpr ] (right-associative). */
  private parsePowExpr (): Expr {
    const lhs = this.parseUnaryExpr()
    if (this.tok !== T.POW) return lhs
    this.next()
    const rhs = this.parsePowExpr()
    return { kind: 'Binary', op: '^', left: lhs, right: rhs, span: { start: lhs.span.start, end: rhs.span.end } }
  }

  /** UnaryExpr = unary_op UnaryExpr | PrimaryExpr { "." ident | "[" Expr "]" | "(" [ list ] ")" } */
  private parseUnaryExpr (): Expr {
    if (this.tok === T.NOT || this.tok === T.SUB) {
      const op: UnaryOp = this.tok === T.NOT ? '!' : '-'
      const start = this.p(this.pos)
      this.next()
      const value = this.parseUnaryExpr()
      return { kind: 'Unary', op, value, span: { start, end: value.span.end } }
    }

    let primary = this.parsePrimaryExpr()
    for (;;) {
      switch (this.tok) {
        case T.DOT: {
          this.next()
          const n = this.expect(T.IDENT)
          const name: Ident = { name: n.lit, span: this.span(n.pos, n.end) }
          primary = { kind: 'Access', value: primary, name, span: { start: primary.span.start, end: name.span.end } }
          break
        }
        case T.LBRACK: {
          this.expect(T.LBRACK)
          const index = this.parseExpression()
          const rb = this.expect(T.RBRACK)
          primary = { kind: 'Index', value: primary, index, span: { start: primary.span.start, end: this.p(closeEnd(rb, T.RBRACK)) } }
          break
        }
        case T.LPAREN: {
          this.expect(T.LPAREN)
          const args = this.cur() !== T.RPAREN ? this.parseExpressionList(T.RPAREN) : []
          const rp = this.expect(T.RPAREN)
          primary = { kind: 'Call', callee: primary, args, span: { start: primary.span.start, end: this.p(closeEnd(rp, T.RPAREN)) } }
          break
        }
        case T.STRING:
        case T.LCURLY: {
          // Probably a block assigned to an attribute: parse it as a block to say so, or give
          // up on the statement if it is not one.
          if (this.tok === T.STRING) this.next()
          if (this.expect(T.LCURLY).tok !== T.LCURLY) {
            this.consumeStatement()
            return primary
          }
          this.parseBody(T.RCURLY)
          const rc = this.expect(T.RCURLY)
          if (rc.tok !== T.RCURLY) {
            this.consumeStatement()
            return primary
          }
          this.report(primary.span.start.offset, rc.end, 'cannot use a block as an expression')
          break
        }
        default:
          return primary
      }
    }
  }

  /** Literals, identifiers, parenthesised expressions, arrays and objects. */
  private parsePrimaryExpr (): Expr {
    switch (this.tok) {
      case T.IDENT: {
        const e: Expr = { kind: 'Identifier', name: this.lit, span: this.span(this.pos, this.end) }
        this.next()
        return e
      }
      case T.STRING: case T.NUMBER: case T.FLOAT: case T.BOOL: case T.NULL: {
        const e = this.literal()
        this.next()
        return e
      }
      case T.LPAREN: {
        const lp = this.expect(T.LPAREN)
        const inner = this.parseExpression()
        const rp = this.expect(T.RPAREN)
        return { kind: 'Paren', inner, span: this.span(lp.pos, closeEnd(rp, T.RPAREN)) }
      }
      case T.LBRACK: {
        const lb = this.expect(T.LBRACK)
        const elements = this.cur() !== T.RBRACK ? this.parseExpressionList(T.RBRACK) : []
        const rb = this.expect(T.RBRACK)
        const e: ArrayExpr = { kind: 'Array', elements, span: this.span(lb.pos, closeEnd(rb, T.RBRACK)) }
        return e
      }
      case T.LCURLY: {
        const lc = this.expect(T.LCURLY)
        // Alloy checks for `]` here (not `}`); kept so error recovery matches.
        const fields = this.cur() !== T.RBRACK ? this.parseFieldList(T.RCURLY) : []
        const rc = this.expect(T.RCURLY)
        const e: ObjectExpr = { kind: 'Object', fields, span: this.span(lc.pos, closeEnd(rc, T.RCURLY)) }
        return e
      }
    }
    this.errorf(`expected expression, got ${tokenName(this.tok)}`)
    const at = this.p(this.pos)
    const e: LiteralExpr = { kind: 'Literal', type: 'null', raw: 'null', value: null, span: { start: at, end: at } }
    this.advanceAny(statementEnd) // eat up the rest of the line
    return e
  }

  private literal (): LiteralExpr {
    const raw = this.lit
    const span = this.span(this.pos, this.end)
    switch (this.tok) {
      case T.STRING: return { kind: 'Literal', type: 'string', raw, value: decodeString(raw), span }
      case T.NUMBER: return { kind: 'Literal', type: 'number', raw, value: decodeNumber(raw, false), span }
      case T.FLOAT: return { kind: 'Literal', type: 'number', raw, value: decodeNumber(raw, true), span }
      case T.BOOL: return { kind: 'Literal', type: 'bool', raw, value: raw === 'true', span }
      default: return { kind: 'Literal', type: 'null', raw, value: null, span }
    }
  }

  /** ExpressionList = Expression { "," Expression } [ "," ] */
  private parseExpressionList (until: Token): Expr[] {
    const exprs: Expr[] = []
    while (this.tok !== until && this.tok !== T.EOF) {
      exprs.push(this.parseExpression())
      if (this.tok === until) break
      if (this.tok === T.TERMINATOR) {
        if (this.missingComma(until, 'expression list')) break
        continue
      }
      if (this.tok !== T.COMMA) this.errorf('missing \',\' in expression list')
      this.next()
    }
    return exprs
  }

  /**
   * A line break where a comma belongs. Alloy's rule: an element followed by a line break needs
   * a comma, even the last one before the closing bracket (syntax/parser/testdata/commas.alloy).
   * The error is reported once per line; when the list closes right after the line break, the
   * list is still parsed whole, so the rest of the file gets checked too. Consumes the line
   * break; true when the list closed.
   */
  private missingComma (until: Token, what: string): boolean {
    const pos = this.p(this.pos)
    const end = this.p(Math.max(this.end, this.pos))
    this.next()
    if (pos.line !== this.lastErrorLine) {
      this.lastErrorLine = pos.line
      this.diags.push({ severity: 'error', file: this.filename, span: { start: pos, end }, message: `missing ',' in ${what}` })
    }
    return this.tok === until
  }

  /** FieldList = Field { "," Field } [ "," ] */
  private parseFieldList (until: Token): ObjectField[] {
    const fields: ObjectField[] = []
    while (this.tok !== until && this.tok !== T.EOF) {
      fields.push(this.parseField())
      if (this.tok === until) break
      if (this.tok === T.TERMINATOR) {
        if (this.missingComma(until, 'field list')) break
        continue
      }
      if (this.tok !== T.COMMA) this.errorf('missing \',\' in field list')
      this.next()
    }
    return fields
  }

  /** Field = ( string | identifier ) "=" Expression */
  private parseField (): ObjectField {
    let name = ''
    let quoted = false
    let nameSpan: Span
    if (this.tok === T.STRING || this.tok === T.IDENT) {
      name = this.lit
      // Like Alloy, a quoted key is the text between the quotes, escapes not resolved.
      if (this.tok === T.STRING && name.length > 2) {
        name = name.slice(1, -1)
        quoted = true
      }
      nameSpan = this.span(this.pos, this.end)
      this.next()
    } else {
      nameSpan = this.span(this.pos, this.pos)
      this.errorf(`expected field name (string or identifier), got ${tokenName(this.tok)}`)
      this.advance(T.ASSIGN)
    }
    this.expect(T.ASSIGN)
    const value = this.parseExpression()
    return { name, quoted, nameSpan, value }
  }
}

/** End offset for a closing token: past it when present, else where it was expected. */
function closeEnd (c: Consumed, want: Token): number {
  return c.tok === want ? c.end : c.pos
}
