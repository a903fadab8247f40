// Worker for fuzz.test.ts: mutates seed files with a fixed-seed PRNG and checks the parser
// and printer on each mutant. Runs in a worker so the test can kill it if a case hangs.
import { parentPort, workerData } from 'node:worker_threads'
import { parseExpression, parseFile } from '../../src/syntax/parser.js'
import { formatFile } from '../../src/syntax/printer.js'
import { Scanner } from '../../src/syntax/scanner.js'
import { T } from '../../src/syntax/token.js'
import type { Diagnostic } from '../../src/syntax/diag.js'
import { mulberry32 } from '../helpers/random.js'

export interface FuzzInput { seeds: string[], cases: number, seed: number, maxMillis: number }
export type FuzzMessage =
  | { type: 'case', index: number, src: string }
  | { type: 'fail', index: number, src: string, reason: string }
  | { type: 'done', cases: number, clean: number, withErrors: number }

const input = workerData as FuzzInput
const post = (m: FuzzMessage): void => parentPort!.postMessage(m)

const rnd = mulberry32(input.seed)
const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]
const int = (n: number): number => Math.floor(rnd() * n)

const chars = [...'{}[](),.="`\'\\\n\t /*#$!&|<>+-^%0123456789abcxyz_eé😀\r\u0000\ufeff']
const snippets = ['{', '}', '[', ']', '(', ')', ',', '=', '==', '.', '"s"', '`r\n`', '"\\x4', '1.5e', '.5',
  'ident', 'true', 'null', '// c\n', '/* c */', '/*', '\n', '\n\n', 'a.b "l" {', 'x = ', '"\\u00e9"', '-', '!', '^', '||']

/** Token boundaries of src, for token-level mutations. */
function tokens (src: string): Array<[number, number]> {
  const out: Array<[number, number]> = []
  const sc = new Scanner(src)
  for (let n = 0; n < 100000; n++) {
    const t = sc.scan()
    if (t === T.EOF) break
    if (sc.end > sc.pos) out.push([sc.pos, sc.end])
  }
  return out
}

function mutate (src: string): string {
  const steps = 1 + int(3)
  for (let s = 0; s < steps; s++) {
    const i = int(src.length + 1)
    switch (int(7)) {
      case 0: src = src.slice(0, i) + src.slice(i + 1); break // delete a char
      case 1: src = src.slice(0, i) + pick(chars) + src.slice(i); break // insert a char
      case 2: if (i + 1 < src.length) src = src.slice(0, i) + src[i + 1] + src[i] + src.slice(i + 2); break // swap chars
      case 3: src = src.slice(0, i) + pick(snippets) + src.slice(i); break // insert a token
      default: { // token-level: delete, duplicate or swap tokens
        const toks = tokens(src)
        if (toks.length < 2) break
        const k = int(toks.length - 1)
        const [a, b] = toks[k]
        const [c, d] = toks[k + 1]
        const op = int(3)
        if (op === 0) src = src.slice(0, a) + src.slice(b)
        else if (op === 1) src = src.slice(0, b) + ' ' + src.slice(a, b) + src.slice(b)
        else src = src.slice(0, a) + src.slice(c, d) + src.slice(b, c) + src.slice(a, b) + src.slice(d)
      }
    }
  }
  return src
}

function checkDiagnostics (ds: Diagnostic[], name: string, src: string): string | undefined {
  const lines = src.split('\n').length
  for (const d of ds) {
    const { start, end } = d.span
    if (d.file !== name) return `diagnostic with file ${d.file}`
    if (d.severity !== 'error' && d.severity !== 'warning') return `severity ${JSON.stringify(d.severity)}`
    if (typeof d.message !== 'string' || d.message.length === 0) return 'empty message'
    if (!(start.offset >= 0 && start.offset <= end.offset && end.offset <= src.length)) return `bad offsets in ${JSON.stringify(d)}`
    if (start.line < 1 || start.line > lines || start.column < 1 || end.line < start.line) return `bad position in ${JSON.stringify(d)}`
  }
  return undefined
}

const noSpans = (k: string, v: unknown): unknown =>
  k === 'span' || k === 'nameSpan' || k === 'labelSpan' || k === 'lcurly' || k === 'rcurly' ? undefined : v

function shape (src: string): string {
  const { file } = parseFile('x', src)
  return JSON.stringify({ body: file.body, comments: file.comments.map(c => c.text) }, noSpans)
}

let clean = 0
let withErrors = 0
for (let index = 0; index < input.cases; index++) {
  const src = mutate(pick(input.seeds))
  post({ type: 'case', index, src })
  const fail = (reason: string): void => post({ type: 'fail', index, src, reason })
  try {
    const t0 = performance.now()
    const { file, diagnostics } = parseFile('fuzz.alloy', src)
    parseExpression(src, 'fuzz.alloy')
    const ms = performance.now() - t0
    if (ms > input.maxMillis) { fail(`parsing took ${ms.toFixed(0)}ms`); continue }
    const bad = checkDiagnostics(diagnostics, 'fuzz.alloy', src)
    if (bad !== undefined) { fail(bad); continue }
    const out = formatFile(file) // must not throw even for a partial tree
    if (diagnostics.length > 0) { withErrors++; continue }
    clean++
    // A clean file must format to a clean file with the same tree, and formatting is idempotent.
    const again = parseFile('fuzz.alloy', out)
    if (again.diagnostics.length > 0) { fail(`formatted output does not parse: ${again.diagnostics[0].message}\n${out}`); continue }
    if (shape(out) !== shape(src)) { fail(`formatting changed the tree:\n${out}`); continue }
    const twice = formatFile(again.file)
    if (twice !== out) fail(`not idempotent:\n${out}\n---\n${twice}`)
  } catch (err) {
    fail(`threw: ${(err as Error).stack ?? String(err)}`)
  }
}
post({ type: 'done', cases: input.cases, clean, withErrors })
