// A scrape body Buffer decoded lazily, a chunk of whole lines at a time. One string for a whole
// body over V8's 128 KiB regular-object limit lands in large-object space (a fresh mmap and
// page faults on every scrape); chunks well under it are ordinary young-generation strings.
// Chunks are cut right after a '\n' byte, which never occurs inside a UTF-8 multibyte sequence,
// so decoding chunk by chunk gives exactly the text of decoding the whole body. A line can still
// straddle two chunks (raw newlines in quoted text label values): the parsers then extend().

import { isAscii } from 'node:buffer'

const LF = 10

/**
 * Bytes per chunk by default. A two-byte (non-Latin-1) string of this many UTF-16 units still
 * fits under V8's 128 KiB regular-object limit.
 */
export const DEFAULT_CHUNK_BYTES = 60 * 1024

export class BodyChunks {
  /** Byte range [from, to) of the current chunk. */
  private from = 0
  private to = 0
  /** The current chunk was ASCII (decoded as latin1): string index = byte offset - from. */
  private ascii = true
  private readonly buf: Buffer
  private readonly size: number

  constructor (buf: Buffer, size = DEFAULT_CHUNK_BYTES) {
    this.buf = buf
    this.size = Math.max(1, Math.floor(size))
  }

  /** The current chunk ends the body. */
  get final (): boolean { return this.to >= this.buf.length }

  /** Decodes the chunk after the current one (the first one on the first call). */
  next (): string { return this.load(this.to, this.to, this.size) }

  /**
   * Decodes again from `at`, a line start in the current chunk s (0 or just after a '\n'),
   * through at least one more line than the current chunk holds, and about twice as far,
   * so an entry that keeps failing costs O(rest of the body) in all.
   */
  extend (s: string, at: number): string {
    const from = this.byteOffset(s, at)
    return this.load(from, this.to, Math.max(this.size, 2 * (this.to - from)))
  }

  /** Lines before the current chunk, for body-wide error positions (error path only). */
  linesBefore (): number {
    let lines = 0
    for (let i = this.buf.indexOf(LF); i >= 0 && i < this.from; i = this.buf.indexOf(LF, i + 1)) lines++
    return lines
  }

  /** Decodes [from, end) where end is just after the last '\n' before from + size, and > minEnd. */
  private load (from: number, minEnd: number, size: number): string {
    const buf = this.buf
    const len = buf.length
    let end = len
    if (from + size < len) {
      let lf = buf.lastIndexOf(LF, from + size - 1)
      // No '\n' in the window past minEnd (a very long line): cut after the first one beyond it.
      if (lf < minEnd) lf = buf.indexOf(LF, Math.max(from + size, minEnd))
      if (lf >= 0) end = lf + 1
    }
    this.from = from
    this.to = end
    // ASCII is copied as latin1: the same string, several times faster than the UTF-8 decoder.
    this.ascii = isAscii(buf.subarray(from, end))
    return buf.toString(this.ascii ? 'latin1' : 'utf8', from, end)
  }

  /** Byte offset of line start `at` of chunk s. Non-ASCII chunks count lines: a U+FFFD may stand for 1-3 bytes. */
  private byteOffset (s: string, at: number): number {
    if (this.ascii) return this.from + at
    let b = this.from
    for (let i = s.indexOf('\n'); i >= 0 && i < at; i = s.indexOf('\n', i + 1)) b = this.buf.indexOf(LF, b) + 1
    return b
  }
}
