// Offset -> line/column conversion. Offsets are UTF-16 indexes into the source string;
// columns count characters (code points), so astral characters count once.
import type { Pos } from './ast.js'

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[] = [0]
  private readonly astral: boolean
  private last = 0 // line index of the previous lookup; lookups are mostly monotonic

  constructor (private readonly src: string) {
    for (let i = src.indexOf('\n'); i !== -1; i = src.indexOf('\n', i + 1)) this.starts.push(i + 1)
    this.astral = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(src)
  }

  pos (offset: number): Pos {
    const starts = this.starts
    let l = this.last
    if (offset < starts[l]) {
      let lo = 0; let hi = l
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= offset) lo = mid; else hi = mid - 1 }
      l = lo
    } else {
      while (l + 1 < starts.length && starts[l + 1] <= offset) l++
    }
    this.last = l
    const start = starts[l]
    let column = offset - start + 1
    if (this.astral) {
      for (let i = start; i < offset - 1; i++) {
        const c = this.src.charCodeAt(i)
        if (c >= 0xd800 && c <= 0xdbff) { const d = this.src.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { column--; i++ } }
      }
    }
    return { offset, line: l + 1, column }
  }
}
