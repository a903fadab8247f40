// Building ParseErrors. Line and column are computed only when an error is thrown, so the hot
// path never counts lines.

import { ParseError } from './entry.js'

export function parseErrorAt (s: string, offset: number, message: string): ParseError {
  let line = 1
  for (let i = s.indexOf('\n'); i >= 0 && i < offset; i = s.indexOf('\n', i + 1)) line++
  const lineStart = offset > 0 ? s.lastIndexOf('\n', offset - 1) + 1 : 0
  return new ParseError(message, line, offset - lineStart + 1)
}

/** Prometheus style: `<expected>, got "<token>" while parsing: "<line so far>"`. */
export function expectedAt (s: string, lineStart: number, offset: number, expected: string): ParseError {
  const got = offset >= s.length ? 'end of input' : JSON.stringify(s[offset])
  const end = Math.min(s.length, offset + 1)
  return parseErrorAt(s, offset, `${expected}, got ${got} while parsing: ${JSON.stringify(s.slice(lineStart, end))}`)
}

/** The same error `lines` lines further down: positions in a chunk made body-wide. */
export function linesDown (e: ParseError, lines: number): ParseError {
  if (lines === 0) return e
  const suffix = ` (line ${e.line}, column ${e.column})`
  return new ParseError(e.message.slice(0, e.message.length - suffix.length), e.line + lines, e.column)
}
