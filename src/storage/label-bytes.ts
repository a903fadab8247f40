// A label set in its remote-write wire form: the repeated `Label labels = 1` fields of a
// TimeSeries (Label { string name = 1; string value = 2; }), held as a latin1 string (one char
// per byte). This is how a Series keeps its labels: one flat string is a GC leaf with a 16-byte
// header, where an array of label objects costs an object per label, the array and its store,
// and keeps the label strings alive. The remote-write encoder copies it with one native write.
import type { Label, Labels } from './series.js'

let scratch = Buffer.allocUnsafe(4096)

function ensure (pos: number, n: number): void {
  if (pos + n <= scratch.length) return
  let size = scratch.length * 2
  while (size < pos + n) size *= 2
  const next = Buffer.allocUnsafe(size)
  scratch.copy(next, 0, 0, pos)
  scratch = next
}

function putVarint (pos: number, n: number): number {
  while (n >= 0x80) { scratch[pos++] = (n & 0x7f) | 0x80; n >>>= 7 }
  scratch[pos++] = n
  return pos
}

function varintLen (n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}

/** Encodes a label set (in its given order; callers pass sorted sets). Both fields are always written, empty or not. */
export function encodeLabels (labels: Labels): string {
  let pos = 0
  for (const l of labels) {
    const nl = Buffer.byteLength(l.name, 'utf8')
    const vl = Buffer.byteLength(l.value, 'utf8')
    const inner = 1 + varintLen(nl) + nl + 1 + varintLen(vl) + vl
    ensure(pos, inner + 6)
    scratch[pos++] = 0x0a
    pos = putVarint(pos, inner)
    scratch[pos++] = 0x0a
    pos = putVarint(pos, nl)
    pos += scratch.write(l.name, pos, nl, 'utf8')
    scratch[pos++] = 0x12
    pos = putVarint(pos, vl)
    pos += scratch.write(l.value, pos, vl, 'utf8')
  }
  return scratch.toString('latin1', 0, pos)
}

/** The label set of an encoded string (a fresh array: callers that need it often cache it). */
export function decodeLabels (encoded: string): Label[] {
  const b = Buffer.from(encoded, 'latin1')
  const out: Label[] = []
  let o = 0
  const n = b.length
  while (o < n) {
    if (b[o++] !== 0x0a) break
    let len = 0
    let shift = 0
    for (;;) { const c = b[o++]; len += (c & 0x7f) * 2 ** shift; if (c < 0x80) break; shift += 7 }
    const end = o + len
    let name = ''
    let value = ''
    while (o < end) {
      const tag = b[o++]
      let sl = 0
      shift = 0
      for (;;) { const c = b[o++]; sl += (c & 0x7f) * 2 ** shift; if (c < 0x80) break; shift += 7 }
      const s = b.toString('utf8', o, o + sl)
      o += sl
      if (tag === 0x0a) name = s
      else if (tag === 0x12) value = s
    }
    out.push({ name, value })
  }
  return out
}

/** FNV-1a over the encoded bytes, 31 bits (a small-integer Map key). */
export function hashEncoded (encoded: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < encoded.length; i++) h = Math.imul(h ^ encoded.charCodeAt(i), 0x01000193)
  return (h >>> 0) & 0x7fffffff
}
