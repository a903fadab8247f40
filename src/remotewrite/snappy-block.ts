// A snappy block-format compressor in plain JS, tuned for remote-write bodies (a few hundred
// KB of protobuf in which every series repeats long label runs). It beats the native addon
// here: no N-API crossing, no per-call native allocation, and the fast path never leaves
// JIT-compiled code. Same format as the reference: input cut into 64 KiB fragments, each with
// its own hash table, so every copy offset fits in two bytes.
//
// Output = uvarint(input length), then per fragment: literals (tag 00) and copies with a
// one-byte (tag 01, length 4..11, offset < 2048) or two-byte (tag 10, length 1..64) offset.

const FRAGMENT = 1 << 16
const HASH_BITS = 14
const HASH_SHIFT = 32 - HASH_BITS
/** Fragments shorter than this are stored as one literal (the match loop reads ahead). */
const INPUT_MARGIN = 15

// Positions within the current fragment; cleared before each fragment.
const table = new Uint16Array(1 << HASH_BITS)
let scratch = new Uint8Array(1 << 16)

/** Worst-case compressed size, as the reference implementation bounds it. */
export function maxCompressedLength (n: number): number {
  return 32 + n + Math.floor(n / 6)
}


function hash (v: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> HASH_SHIFT
}

function emitLiteral (dst: Uint8Array, op: number, src: Uint8Array, from: number, len: number): number {
  const n = len - 1
  if (n < 60) {
    dst[op++] = n << 2
  } else if (n < 256) {
    dst[op++] = 60 << 2
    dst[op++] = n
  } else {
    dst[op++] = 61 << 2
    dst[op++] = n & 0xff
    dst[op++] = n >>> 8
  }
  if (len < 24) {
    for (let i = 0; i < len; i++) dst[op + i] = src[from + i]
  } else {
    dst.set(src.subarray(from, from + len), op)
  }
  return op + len
}

function emitCopy (dst: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    dst[op++] = 2 | (63 << 2)
    dst[op++] = offset & 0xff
    dst[op++] = offset >>> 8
    len -= 64
  }
  if (len > 64) {
    dst[op++] = 2 | (59 << 2)
    dst[op++] = offset & 0xff
    dst[op++] = offset >>> 8
    len -= 60
  }
  if (len < 12 && offset < 2048) {
    dst[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5)
    dst[op++] = offset & 0xff
  } else {
    dst[op++] = 2 | ((len - 1) << 2)
    dst[op++] = offset & 0xff
    dst[op++] = offset >>> 8
  }
  return op
}

/** Compresses src[start, end) (at most one fragment) into dst at op; returns the new op. */
function compressFragment (src: Uint8Array, dv: DataView, start: number, end: number, dst: Uint8Array, op: number): number {
  const len = end - start
  if (len < INPUT_MARGIN + 1) return len > 0 ? emitLiteral(dst, op, src, start, len) : op
  table.fill(0)
  const limit = end - INPUT_MARGIN
  let nextEmit = start
  let ip = start + 1
  let nextHash = hash(dv.getInt32(ip, true))
  for (;;) {
    // Look for a 4-byte match, stepping faster through incompressible stretches.
    let skip = 32
    let nextIp = ip
    let candidate = 0
    for (;;) {
      ip = nextIp
      const h = nextHash
      nextIp = ip + (skip++ >>> 5)
      if (nextIp > limit) return nextEmit < end ? emitLiteral(dst, op, src, nextEmit, end - nextEmit) : op
      nextHash = hash(dv.getInt32(nextIp, true))
      candidate = start + table[h]
      table[h] = ip - start
      if (dv.getInt32(ip, true) === dv.getInt32(candidate, true)) break
    }
    op = emitLiteral(dst, op, src, nextEmit, ip - nextEmit)
    // Emit copies while the position right after one also matches somewhere.
    for (;;) {
      const base = ip
      let a = candidate + 4
      let b = ip + 4
      // Matches here are long (label runs): 8 bytes per step, then the first differing byte of
      // a 4-byte word from its XOR (little-endian: the lowest set bit) instead of a byte loop.
      while (b + 8 <= end && dv.getInt32(a, true) === dv.getInt32(b, true) && dv.getInt32(a + 4, true) === dv.getInt32(b + 4, true)) { a += 8; b += 8 }
      for (;;) {
        if (b + 4 > end) {
          while (b < end && src[a] === src[b]) { a++; b++ }
          break
        }
        const x = dv.getInt32(a, true) ^ dv.getInt32(b, true)
        if (x !== 0) { b += (31 - Math.clz32(x & -x)) >>> 3; break }
        a += 4; b += 4
      }
      ip = b
      op = emitCopy(dst, op, base - candidate, b - base)
      nextEmit = ip
      if (ip >= limit) return nextEmit < end ? emitLiteral(dst, op, src, nextEmit, end - nextEmit) : op
      table[hash(dv.getInt32(ip - 1, true))] = ip - 1 - start
      const h = hash(dv.getInt32(ip, true))
      candidate = start + table[h]
      table[h] = ip - start
      if (dv.getInt32(ip, true) !== dv.getInt32(candidate, true)) break
    }
    ip++
    nextHash = hash(dv.getInt32(ip, true))
  }
}

/**
 * Compresses `input` into a new Buffer of exactly the compressed size (the caller may keep it
 * across awaits, e.g. for retries). The work happens in a reused scratch buffer.
 */
export function snappyCompress (input: Uint8Array): Buffer {
  const n = input.length
  const need = maxCompressedLength(n)
  if (scratch.length < need) scratch = new Uint8Array(Math.max(need, scratch.length * 2))
  const dst = scratch
  let op = 0
  let v = n
  while (v >= 0x80) { dst[op++] = (v & 0x7f) | 0x80; v >>>= 7 }
  dst[op++] = v
  // DataView loads compile to single unaligned 32-bit moves (byte-wise assembly costs 4 loads).
  const dv = new DataView(input.buffer, input.byteOffset, n)
  for (let at = 0; at < n; at += FRAGMENT) op = compressFragment(input, dv, at, Math.min(n, at + FRAGMENT), dst, op)
  const out = Buffer.allocUnsafe(op)
  out.set(dst.subarray(0, op))
  return out
}

function corrupt (): never {
  throw new Error('snappy: corrupt input')
}

/** Decompresses a snappy block; throws on malformed input (never reads or writes out of bounds). */
export function snappyUncompress (input: Uint8Array): Buffer {
  const end = input.length
  let ip = 0
  let n = 0
  for (let shift = 0; ; shift += 7) {
    if (ip >= end || shift > 28) corrupt()
    const b = input[ip++]
    n += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
  }
  if (n > 0x7fffffff) corrupt()
  const out = Buffer.allocUnsafe(n)
  let op = 0
  while (ip < end) {
    const tag = input[ip++]
    let len: number
    let off: number
    const kind = tag & 3
    if (kind === 0) {
      len = tag >>> 2
      if (len >= 60) {
        const k = len - 59
        if (ip + k > end) corrupt()
        len = 0
        for (let i = 0; i < k; i++) len += input[ip + i] * 2 ** (8 * i)
        ip += k
      }
      len += 1
      if (ip + len > end || op + len > n) corrupt()
      out.set(input.subarray(ip, ip + len), op)
      ip += len
      op += len
      continue
    }
    if (kind === 1) {
      if (ip + 1 > end) corrupt()
      len = 4 + ((tag >>> 2) & 7)
      off = ((tag >>> 5) << 8) | input[ip++]
    } else if (kind === 2) {
      if (ip + 2 > end) corrupt()
      len = 1 + (tag >>> 2)
      off = input[ip] | (input[ip + 1] << 8)
      ip += 2
    } else {
      if (ip + 4 > end) corrupt()
      len = 1 + (tag >>> 2)
      off = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16)) + input[ip + 3] * 0x1000000
      ip += 4
    }
    if (off === 0 || off > op || op + len > n) corrupt()
    if (off >= len) out.copyWithin(op, op - off, op - off + len)
    else for (let i = 0; i < len; i++) out[op + i] = out[op - off + i]
    op += len
  }
  if (op !== n) corrupt()
  return out
}
