// Elastic tabstops, with the semantics of Go's text/tabwriter as `alloy fmt` configures it
// (minwidth 0, tabwidth 8, padding 1, pad with spaces, DiscardEmptyColumns | TabIndent),
// followed by Alloy's trimmer (drop trailing blanks and escape markers).
//
// Input conventions: '\t' ends a cell (an indentation column when leading), '\v' ends an
// alignment cell, '\n' ends a line, '\f' ends a line and the current alignment section.
// Text between two ESC characters is opaque (comments), but counts towards cell width.

export const ESC = '\u0000'
const ESC_CODE = 0

const TAB_WIDTH = 8
const PADDING = 1

interface Cell { size: number, width: number, htab: boolean }

function codePoints (s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) { n--; i++ }
    }
  }
  return n
}

class TabWriter {
  private out: string[] = []
  private buf = ''
  private pos = 0 // buf index up to which the current cell's width is counted
  private cell: Cell = { size: 0, width: 0, htab: false }
  private inEscape = false
  private lines: Cell[][] = [[]]
  private widths: number[] = []

  write (text: string): void {
    let n = 0
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i)
      if (!this.inEscape) {
        if (ch === 0x09 || ch === 0x0b || ch === 0x0a || ch === 0x0c) {
          this.append(text.slice(n, i))
          this.updateWidth()
          n = i + 1
          const ncells = this.terminateCell(ch === 0x09)
          if (ch === 0x0a || ch === 0x0c) {
            this.lines.push([])
            // A one-cell line cannot affect alignment of later lines, so flush early too.
            if (ch === 0x0c || ncells === 1) this.flush()
          }
        } else if (ch === ESC_CODE) {
          this.append(text.slice(n, i))
          this.updateWidth()
          n = i
          this.inEscape = true
        }
      } else if (ch === ESC_CODE) {
        this.append(text.slice(n, i + 1))
        n = i + 1
        this.endEscape()
      }
    }
    this.append(text.slice(n))
  }

  result (): string {
    this.flush()
    return this.out.join('')
  }

  private append (s: string): void {
    this.buf += s
    this.cell.size += s.length
  }

  private updateWidth (): void {
    this.cell.width += codePoints(this.buf.slice(this.pos))
    this.pos = this.buf.length
  }

  private endEscape (): void {
    this.updateWidth()
    this.cell.width -= 2 // the ESC markers take no room
    this.pos = this.buf.length
    this.inEscape = false
  }

  private terminateCell (htab: boolean): number {
    this.cell.htab = htab
    const line = this.lines[this.lines.length - 1]
    line.push(this.cell)
    this.cell = { size: 0, width: 0, htab: false }
    return line.length
  }

  private flush (): void {
    if (this.cell.size > 0) {
      if (this.inEscape) this.endEscape()
      this.terminateCell(false)
    }
    this.format(0, 0, this.lines.length)
    this.buf = ''
    this.pos = 0
    this.cell = { size: 0, width: 0, htab: false }
    this.inEscape = false
    this.lines = [[]]
    this.widths = []
  }

  /** Finds column blocks (consecutive lines sharing a column) and sizes them recursively. */
  private format (pos0: number, line0: number, line1: number): number {
    let pos = pos0
    const column = this.widths.length
    for (let cur = line0; cur < line1; cur++) {
      if (column >= this.lines[cur].length - 1) continue
      // The last cell of a line is not part of any column, hence the -1 above.
      pos = this.writeLines(pos, line0, cur)
      line0 = cur
      let width = 0
      let discardable = true
      for (; cur < line1; cur++) {
        const line = this.lines[cur]
        if (column >= line.length - 1) break
        const c = line[column]
        if (c.width + PADDING > width) width = c.width + PADDING
        if (c.width > 0 || c.htab) discardable = false
      }
      if (discardable) width = 0
      this.widths.push(width)
      pos = this.format(pos, line0, cur)
      this.widths.pop()
      line0 = cur
    }
    return this.writeLines(pos, line0, line1)
  }

  private writeLines (pos: number, line0: number, line1: number): number {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]
      let useTabs = true // leading empty cells are indentation
      for (let j = 0; j < line.length; j++) {
        const c = line[j]
        if (c.size === 0) {
          if (j < this.widths.length) this.pad(c.width, this.widths[j], useTabs)
        } else {
          useTabs = false
          this.out.push(this.buf.slice(pos, pos + c.size))
          pos += c.size
          if (j < this.widths.length) this.pad(c.width, this.widths[j], false)
        }
      }
      if (i + 1 === this.lines.length) {
        // The last buffered line has no newline yet: write what is buffered of it.
        this.out.push(this.buf.slice(pos, pos + this.cell.size))
        pos += this.cell.size
      } else {
        this.out.push('\n')
      }
    }
    return pos
  }

  private pad (textw: number, cellw: number, useTabs: boolean): void {
    if (useTabs) {
      const w = Math.ceil(cellw / TAB_WIDTH) * TAB_WIDTH
      this.out.push('\t'.repeat(Math.ceil((w - textw) / TAB_WIDTH)))
      return
    }
    this.out.push(' '.repeat(cellw - textw))
  }
}

/** Removes trailing blanks from lines and the ESC markers; escaped text passes unchanged. */
function trim (data: string): string {
  const SPACE = 0; const TEXT = 1; const ESCAPED = 2
  let state = SPACE
  let space = ''
  let start = 0
  let out = ''
  for (let i = 0; i < data.length; i++) {
    let ch = data.charCodeAt(i)
    if (ch === 0x0b) ch = 0x09
    if (state === SPACE) {
      if (ch === 0x09 || ch === 0x20) space += data[i] === '\v' ? '\t' : data[i]
      else if (ch === 0x0a || ch === 0x0c) { space = ''; out += '\n' } else if (ch === ESC_CODE) { out += space; state = ESCAPED; start = i + 1 } else { out += space; state = TEXT; start = i }
    } else if (state === TEXT) {
      if (ch === 0x09 || ch === 0x20) { out += data.slice(start, i); state = SPACE; space = data[i] === '\v' ? '\t' : data[i] } else if (ch === 0x0a || ch === 0x0c) { out += data.slice(start, i) + '\n'; state = SPACE; space = '' } else if (ch === ESC_CODE) { out += data.slice(start, i); state = ESCAPED; start = i + 1 }
    } else if (ch === ESC_CODE) {
      out += data.slice(start, i)
      state = SPACE
      space = ''
    }
  }
  if (state !== SPACE) out += data.slice(start)
  return out
}

/** Aligns and trims printer output exactly as Alloy's printer pipeline does. */
export function alignAndTrim (text: string): string {
  const tw = new TabWriter()
  tw.write(text)
  return trim(tw.result())
}
