// Lexical tokens of the Alloy syntax. Numbers rather than strings so the scanner and
// parser compare small integers in their hot loops.

export const T = {
  ILLEGAL: 0,
  EOF: 1,
  COMMENT: 2,
  IDENT: 3,
  NUMBER: 4,
  FLOAT: 5,
  STRING: 6,
  BOOL: 7,
  NULL: 8,
  OR: 9,
  AND: 10,
  NOT: 11,
  ASSIGN: 12,
  EQ: 13,
  NEQ: 14,
  LT: 15,
  LTE: 16,
  GT: 17,
  GTE: 18,
  ADD: 19,
  SUB: 20,
  MUL: 21,
  DIV: 22,
  MOD: 23,
  POW: 24,
  LCURLY: 25,
  RCURLY: 26,
  LPAREN: 27,
  RPAREN: 28,
  LBRACK: 29,
  RBRACK: 30,
  COMMA: 31,
  DOT: 32,
  /** An inserted statement terminator (a newline, or EOF after a statement). */
  TERMINATOR: 33,
} as const

export type Token = typeof T[keyof typeof T]

// Names as Alloy prints them in messages ("expected }, got EOF").
const names: readonly string[] = [
  'ILLEGAL', 'EOF', 'COMMENT', 'IDENT', 'NUMBER', 'FLOAT', 'STRING', 'BOOL', 'NULL',
  '||', '&&', '!', '=', '==', '!=', '<', '<=', '>', '>=',
  '+', '-', '*', '/', '%', '^',
  '{', '}', '(', ')', '[', ']', ',', '.',
  'TERMINATOR',
]

export function tokenName (t: Token): string {
  return names[t] ?? 'ILLEGAL'
}

/** Binary operator precedence, 0 for non-operators. `^` is handled separately (right-assoc). */
export function binaryPrecedence (t: Token): number {
  switch (t) {
    case T.OR: return 1
    case T.AND: return 2
    case T.EQ: case T.NEQ: case T.LT: case T.LTE: case T.GT: case T.GTE: return 3
    case T.ADD: case T.SUB: return 4
    case T.MUL: case T.DIV: case T.MOD: return 5
    case T.POW: return 6
    default: return 0
  }
}
