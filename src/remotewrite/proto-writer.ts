// A minimal protobuf writer over one growable buffer that is reused across requests.
// Only what remote-write 1.0 needs: varints (int64 two's complement), fixed64 doubles,
// length-delimited bytes and strings.

const TWO_32 = 4294967296
const utf8 = new TextEncoder()

export class ProtoWriter {
  /** A Buffer so cached label bytes (latin1 strings) can be written with one native call. */
  buf: Buffer
  pos = 0
  private view: DataView

  constructor (initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialSize)
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
  }

  reset (): void { this.pos = 0 }

  /** Makes room for `n` more bytes. */
  ensure (n: number): void {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafeSlow(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer, next.byteOffset, next.length)
  }

  /** The bytes written so far (a view: valid until the next reset). */
  bytes (): Uint8Array { return this.buf.subarray(0, this.pos) }

  byte (b: number): void {
    this.ensure(1)
    this.buf[this.pos++] = b
  }

  /** Varint of a non-negative integer below 2^32 (tags, lengths). Caller ensured 5 bytes. */
  uvarint32 (n: number): void {
    const buf = this.buf
    let pos = this.pos
    while (n > 127) {
      buf[pos++] = (n & 127) | 128
      n >>>= 7
    }
    buf[pos++] = n
    this.pos = pos
  }

  /** Varint of an int64 given as a JS integer (|n| <= 2^53); negatives take 10 bytes. Caller ensured 10 bytes. */
  varint64 (n: number): void {
    if (n >= 0 && n < TWO_32) {
      this.uvarint32(n)
      return
    }
    let lo = n >>> 0
    let hi = Math.floor(n / TWO_32) >>> 0
    const buf = this.buf
    let pos = this.pos
    while (hi > 0 || lo > 127) {
      buf[pos++] = (lo & 127) | 128
      lo = ((lo >>> 7) | (hi << 25)) >>> 0
      hi >>>= 7
    }
    buf[pos++] = lo
    this.pos = pos
  }

  /** Little-endian IEEE double. Caller ensured 8 bytes. */
  double (v: number): void {
    this.view.setFloat64(this.pos, v, true)
    this.pos += 8
  }

  /** Raw 64 bits given as two 32-bit halves (used for StaleNaN, which JS cannot hold in a number). */
  fixed64Bits (hi: number, lo: number): void {
    this.view.setUint32(this.pos, lo, true)
    this.view.setUint32(this.pos + 4, hi, true)
    this.pos += 8
  }

  /** Bytes held as a latin1 string (one char per byte, as encodeLabels returns them). */
  latin1 (bytes: string): void {
    this.ensure(bytes.length)
    this.pos += this.buf.write(bytes, this.pos, 'latin1')
  }

  /** The bytes written since `start`, as a latin1 string. */
  latin1Since (start: number): string {
    return this.buf.toString('latin1', start, this.pos)
  }

  raw (bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** Tag + length + UTF-8 bytes of a string field. */
  stringField (tag: number, s: string): void {
    const max = s.length * 3
    this.ensure(max + 10)
    this.buf[this.pos++] = tag
    if (max < 128) {
      // One length byte suffices: write the string after it, then fill the length in.
      const lenAt = this.pos++
      const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos))
      this.buf[lenAt] = written
      this.pos += written
      return
    }
    const bytes = utf8.encode(s)
    this.uvarint32(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }
}

/** Encoded size of a varint for an int64 given as a JS integer. */
export function varintSize (n: number): number {
  if (n < 0) return 10
  if (n < 128) return 1
  if (n < 16384) return 2
  if (n < 2097152) return 3
  if (n < 268435456) return 4
  if (n < 34359738368) return 5
  if (n < 4398046511104) return 6
  if (n < 562949953421312) return 7
  if (n < 72057594037927936) return 8
  return 9
}
