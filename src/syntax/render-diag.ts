// Renders one diagnostic for a terminal: the location and message, then the source line
// with a caret under the column. Tabs in the line are repeated in the caret line so the
// caret stays aligned whatever the terminal's tab width.
import type { Diagnostic } from './diag.js'

const BOLD = '\x1b[1m'
const RED = '\x1b[31m'
const YELLOW = '\x1b[33m'
const RESET = '\x1b[0m'

export function renderDiagnostic (d: Diagnostic, source: string | undefined, opts: { color?: boolean } = {}): string {
  const { line, column } = d.span.start
  const color = opts.color === true
  const where = `${d.file}:${line}:${column}:`
  const tint = d.severity === 'error' ? RED : YELLOW
  const msg = d.severity === 'warning' ? `warning: ${d.message}` : d.message
  let out = color ? `${BOLD}${where}${RESET} ${tint}${msg}${RESET}` : `${where} ${msg}`

  const text = source === undefined ? undefined : sourceLine(source, line)
  if (text === undefined) return out

  let pad = ''
  let col = 1
  for (const ch of text) { // code points, as columns count characters
    if (col >= column) break
    pad += ch === '\t' ? '\t' : ' '
    col++
  }
  out += '\n' + text + '\n' + pad + (color ? `${BOLD}${tint}^${RESET}` : '^')
  return out
}

/** The 1-based line without its line break, or undefined if the file has no such line. */
function sourceLine (source: string, line: number): string | undefined {
  if (line < 1) return undefined
  let start = 0
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start)
    if (nl === -1) return undefined
    start = nl + 1
  }
  let end = source.indexOf('\n', start)
  if (end === -1) end = source.length
  if (end > start && source.charCodeAt(end - 1) === 0x0d) end--
  return source.slice(start, end)
}
