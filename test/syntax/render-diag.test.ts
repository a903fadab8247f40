import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseFile } from '../../src/syntax/parser.js'
import { renderDiagnostic } from '../../src/syntax/render-diag.js'
import type { Diagnostic } from '../../src/syntax/diag.js'

function first (src: string): Diagnostic {
  const { diagnostics } = parseFile('cfg.alloy', src)
  assert.ok(diagnostics.length > 0)
  return diagnostics[0]
}

describe('renderDiagnostic', () => {
  it('prints location, message, the line and a caret under the column', () => {
    const src = 'a = 1\nb = [1, 2\n 3]\n'
    assert.equal(renderDiagnostic(first(src), src), "cfg.alloy:2:10: missing ',' in expression list\nb = [1, 2\n         ^")
  })

  it('keeps tabs in the caret line so the caret aligns', () => {
    const src = 'block {\n\t\tx = $\n}\n'
    assert.equal(renderDiagnostic(first(src), src), "cfg.alloy:2:7: illegal character U+0024 '$'\n\t\tx = $\n\t\t    ^")
  })

  it('counts columns in characters and drops a CR', () => {
    const src = 'a = "é😀" 1\r\n'
    assert.equal(renderDiagnostic(first(src), src), 'cfg.alloy:1:10: expected TERMINATOR, got NUMBER\na = "é😀" 1\n         ^')
  })

  it('prints only the header without source, or when the line does not exist', () => {
    const d = first('a = \n')
    assert.equal(renderDiagnostic(d, undefined), 'cfg.alloy:2:1: expected expression, got EOF')
    assert.equal(renderDiagnostic({ ...d, span: { start: { offset: 99, line: 9, column: 1 }, end: { offset: 99, line: 9, column: 1 } } }, 'a = \n'),
      'cfg.alloy:9:1: expected expression, got EOF')
  })

  it('colours when asked', () => {
    const src = 'a = $\n'
    const out = renderDiagnostic(first(src), src, { color: true })
    assert.equal(out, "\x1b[1mcfg.alloy:1:5:\x1b[0m \x1b[31millegal character U+0024 '$'\x1b[0m\na = $\n    \x1b[1m\x1b[31m^\x1b[0m")
  })
})
