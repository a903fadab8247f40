// `shoal fmt [-w] PATH`: parse only (any syntactically valid Alloy file passes, whatever its
// components) and print the canonical layout, as `alloy fmt` does. PATH "-" reads stdin.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseFile } from '../syntax/parser.js'
import { formatFile } from '../syntax/printer.js'
import { renderDiagnostic } from '../syntax/render-diag.js'
import { flagsHelp, parseFlags, type FlagSpecs } from './flags.js'

const FLAGS: FlagSpecs = {
  write: { type: 'bool', short: 'w', help: 'write the result to the file instead of stdout' },
  test: { type: 'bool', short: 't', help: 'exit 1 if the file is not already formatted (prints nothing)' },
  help: { type: 'bool', short: 'h', help: 'show this help' },
}

export async function fmtCommand (argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal fmt [flags] PATH\n\nPrints the Alloy config file PATH (or - for stdin) in canonical layout.\n\nFlags:\n${flagsHelp(FLAGS)}\n`)
    return 0
  }
  if (positionals.length !== 1) {
    process.stderr.write('shoal fmt: expected exactly one PATH argument (use - for stdin)\n')
    return 1
  }
  const path = positionals[0]
  let source: string
  try {
    source = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8')
  } catch (err) {
    process.stderr.write(`Error: cannot read ${path}: ${(err as Error).message}\n`)
    return 1
  }
  const name = path === '-' ? '<stdin>' : path
  const { file, diagnostics } = parseFile(name, source)
  const errors = diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) {
    for (const d of errors) process.stderr.write(renderDiagnostic(d, source, { color: process.stderr.isTTY }) + '\n')
    return 1
  }
  const out = formatFile(file)
  if (flags.test) return out === source ? 0 : 1
  if (flags.write && path !== '-') {
    if (out !== source) writeFileSync(path, out)
    return 0
  }
  process.stdout.write(out)
  return 0
}
