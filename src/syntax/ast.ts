// The Alloy (formerly River) syntax tree. Produced by syntax/parser.ts, printed by
// syntax/printer.ts, evaluated by vm/. Positions are kept on every node so that any
// later stage (type-check, evaluation, component validation) can report file:line:col.

/** A position in a source file. line and column are 1-based; column counts characters. */
export interface Pos {
  readonly offset: number
  readonly line: number
  readonly column: number
}

export interface Span {
  readonly start: Pos
  /** Position just past the last character of the node. */
  readonly end: Pos
}

export interface Comment {
  /** The raw text, including the `//` or `/* *\/` markers. */
  readonly text: string
  readonly span: Span
}

export interface File {
  readonly kind: 'File'
  readonly name: string
  readonly body: Stmt[]
  /** Every comment in the file, in source order (the printer re-attaches them). */
  readonly comments: Comment[]
}

export type Stmt = AttributeStmt | BlockStmt

export interface Ident {
  readonly name: string
  readonly span: Span
}

/** `name = value` */
export interface AttributeStmt {
  readonly kind: 'Attribute'
  readonly name: Ident
  readonly value: Expr
  readonly span: Span
}

/** `a.b.c "label" { ... }` */
export interface BlockStmt {
  readonly kind: 'Block'
  /** Dotted name fragments, e.g. ['prometheus', 'scrape']. */
  readonly name: string[]
  /** Span of the whole dotted name. */
  readonly nameSpan: Span
  /** The label without quotes, when present. */
  readonly label?: string
  readonly labelSpan?: Span
  readonly body: Stmt[]
  /** From the first name fragment to the closing brace. */
  readonly span: Span
  readonly lcurly: Pos
  readonly rcurly: Pos
}

export type Expr =
  | LiteralExpr
  | ArrayExpr
  | ObjectExpr
  | IdentifierExpr
  | AccessExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | ParenExpr

export interface LiteralExpr {
  readonly kind: 'Literal'
  readonly type: 'number' | 'string' | 'bool' | 'null'
  /** The literal exactly as written (quotes and escapes included for strings). */
  readonly raw: string
  /** Decoded value: number, string (escapes resolved), boolean or null. */
  readonly value: number | string | boolean | null
  readonly span: Span
}

export interface ArrayExpr {
  readonly kind: 'Array'
  readonly elements: Expr[]
  readonly span: Span
}

export interface ObjectField {
  /** Key without quotes. */
  readonly name: string
  /** True when the key was written as a string literal (`"a.b" = 1`). */
  readonly quoted: boolean
  readonly nameSpan: Span
  readonly value: Expr
}

export interface ObjectExpr {
  readonly kind: 'Object'
  readonly fields: ObjectField[]
  readonly span: Span
}

export interface IdentifierExpr {
  readonly kind: 'Identifier'
  readonly name: string
  readonly span: Span
}

/** `value.name` */
export interface AccessExpr {
  readonly kind: 'Access'
  readonly value: Expr
  readonly name: Ident
  readonly span: Span
}

/** `value[index]` */
export interface IndexExpr {
  readonly kind: 'Index'
  readonly value: Expr
  readonly index: Expr
  readonly span: Span
}

/** `callee(args...)` */
export interface CallExpr {
  readonly kind: 'Call'
  readonly callee: Expr
  readonly args: Expr[]
  readonly span: Span
}

export type UnaryOp = '!' | '-'
export type BinaryOp =
  | '||' | '&&'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%' | '^'

export interface UnaryExpr {
  readonly kind: 'Unary'
  readonly op: UnaryOp
  readonly value: Expr
  readonly span: Span
}

export interface BinaryExpr {
  readonly kind: 'Binary'
  readonly op: BinaryOp
  readonly left: Expr
  readonly right: Expr
  readonly span: Span
}

export interface ParenExpr {
  readonly kind: 'Paren'
  readonly inner: Expr
  readonly span: Span
}
