// Entry kinds and the parse error, kept apart from parser.ts so the parser classes can import
// them without an import cycle through parserFor().

export const Entry = { EOF: 0, Series: 1, Type: 2, Help: 3, Unit: 4, Comment: 5, Histogram: 6 } as const
export type EntryKind = typeof Entry[keyof typeof Entry]

/** A malformed exposition. line and column are 1-based; column counts UTF-16 code units. */
export class ParseError extends Error {
  constructor (message: string, readonly line: number, readonly column: number) {
    super(`${message} (line ${line}, column ${column})`)
    this.name = 'ParseError'
  }
}
