// Character classes and Go-compatible formatting helpers shared by the scanner and parser.

const letterRe = /^\p{L}$/u
const digitRe = /^\p{Nd}$/u
const printRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

/** Letter or `_`, as Alloy identifiers start. ASCII is checked without a regex. */
export function isLetter (cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f
  return letterRe.test(String.fromCodePoint(cp))
}

/** Any Unicode decimal digit (Go's unicode.IsDigit). */
export function isDigit (cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39
  return digitRe.test(String.fromCodePoint(cp))
}

/** Go's unicode.IsPrint: graphic characters plus the ASCII space. */
export function isPrint (cp: number): boolean {
  if (cp === 0x20) return true
  if (cp < 0x20 || cp === 0x7f) return false
  if (cp < 0x7f) return true
  if (cp >= 0xd800 && cp <= 0xdfff) return false
  return printRe.test(String.fromCodePoint(cp))
}

function hex (n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0')
}

/** Go's `%#U`: `U+0024 '$'`, or just `U+0007` when the character is not printable. */
export function formatCodePoint (cp: number): string {
  const u = 'U+' + hex(cp, 4)
  return isPrint(cp) ? `${u} '${String.fromCodePoint(cp)}'` : u
}

/** Go's strconv.Quote (`%q`), used where Alloy's messages quote user text. */
export function goQuote (s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    switch (cp) {
      case 0x07: out += '\\a'; continue
      case 0x08: out += '\\b'; continue
      case 0x0c: out += '\\f'; continue
      case 0x0a: out += '\\n'; continue
      case 0x0d: out += '\\r'; continue
      case 0x09: out += '\\t'; continue
      case 0x0b: out += '\\v'; continue
      case 0x5c: out += '\\\\'; continue
      case 0x22: out += '\\"'; continue
    }
    if (isPrint(cp)) out += ch
    else if (cp < 0x80) out += '\\x' + hex(cp, 2).toLowerCase()
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd'
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4).toLowerCase()
    else out += '\\U' + hex(cp, 8).toLowerCase()
  }
  return out + '"'
}
