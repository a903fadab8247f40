// Decoding of literal tokens into values, with Go's semantics (Alloy uses strconv).
// The scanner has already reported malformed literals; these decoders are best-effort.

const utf8 = new TextDecoder('utf-8')

const simpleEscapes: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', '\'': '\'',
}

/** Decodes a "double-quoted" or `raw` string literal (quotes included). */
export function decodeString (raw: string): string {
  const q = raw[0]
  const body = raw.length >= 2 && raw[raw.length - 1] === q ? raw.slice(1, -1) : raw.slice(1)
  // strconv.Unquote drops CRs from raw strings.
  if (q === '`') return body.includes('\r') ? body.replaceAll('\r', '') : body
  if (!body.includes('\\')) return body

  let out = ''
  let bytes: number[] = [] // \x and octal escapes are bytes; runs of them are UTF-8 decoded together
  const flush = (): void => {
    if (bytes.length > 0) { out += utf8.decode(new Uint8Array(bytes)); bytes = [] }
  }
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch !== '\\') { flush(); out += ch; continue }
    const e = body[++i]
    if (e === undefined) break
    if (e in simpleEscapes) { flush(); out += simpleEscapes[e]; continue }
    if (e >= '0' && e <= '7') {
      bytes.push(parseInt(body.slice(i, i + 3), 8) & 0xff)
      i += 2
      continue
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (width === 0) { flush(); out += e; continue }
    const digits = body.slice(i + 1, i + 1 + width)
    i += width
    const n = parseInt(digits, 16)
    if (Number.isNaN(n)) continue
    if (e === 'x') { bytes.push(n); continue }
    flush()
    out += n <= 0x10ffff && !(n >= 0xd800 && n < 0xe000) ? String.fromCodePoint(n) : '\ufffd'
  }
  flush()
  return out
}

/**
 * Decodes a number literal like Alloy: integers go through ParseInt with base 0, so a
 * leading 0 means octal (`010` is 8); anything that fails as an integer is parsed as a float.
 */
export function decodeNumber (raw: string, isFloat: boolean): number {
  if (!isFloat && raw.length > 1 && raw[0] === '0' && /^0[0-7]+$/.test(raw)) return parseInt(raw, 8)
  return Number(raw.startsWith('.') ? '0' + raw : raw)
}
