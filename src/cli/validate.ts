// `shoal validate PATH`: parse and type-check against the components shoal knows, print every
// diagnostic with its source line and a caret, exit 1 on any error.
import { Controller } from '../runtime/controller.js'
import { decodeConfigBlocks } from '../process-config.js'
import { readSources, SourceError } from '../runtime/source.js'
import type { Stability } from '../runtime/component.js'
import type { Diagnostic } from '../syntax/diag.js'
import { renderDiagnostic } from '../syntax/render-diag.js'
import { flagsHelp, parseFlags, type FlagSpecs } from './flags.js'
import { STABILITY_LEVELS } from './run.js'
import '../components/index.js'

const FLAGS: FlagSpecs = {
  'stability.level': { type: 'string', default: 'generally-available', help: 'minimum stability level of components to accept (generally-available, public-preview, experimental)' },
  help: { type: 'bool', help: 'show this help', short: 'h' },
}

export async function validateCommand (argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal validate [flags] PATH\n\nParses and type-checks the config file or directory PATH; prints every error as file:line:col.\n\nFlags:\n${flagsHelp(FLAGS)}\n`)
    return 0
  }
  if (positionals.length !== 1) {
    process.stderr.write('shoal validate: expected exactly one PATH argument\n')
    return 1
  }
  const stability = String(flags['stability.level'])
  if (!STABILITY_LEVELS.includes(stability as Stability)) {
    process.stderr.write(`shoal validate: invalid --stability.level "${stability}" (want one of ${STABILITY_LEVELS.join(', ')})\n`)
    return 1
  }
  let checked
  try {
    checked = validatePath(positionals[0], stability as Stability)
  } catch (err) {
    if (err instanceof SourceError) { process.stderr.write(`Error: ${err.message}\n`); return 1 }
    throw err
  }
  const { diagnostics: diags, text } = checked
  for (const d of diags) process.stderr.write(renderDiagnostic(d, text.get(d.file), { color: process.stderr.isTTY }) + '\n')
  const errors = diags.filter(d => d.severity === 'error').length
  if (errors > 0) {
    process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} found\n`)
    return 1
  }
  return 0
}

/**
 * What `shoal validate PATH` checks: every diagnostic, and the text of every file read (imported
 * modules too) for rendering them. Throws SourceError when PATH cannot be read.
 */
export function validatePath (path: string, stability: Stability = 'generally-available'): { diagnostics: Diagnostic[], text: Map<string, string> } {
  const sources = readSources(path)
  const text = new Map(sources.map(s => [s.name, s.source]))
  const diagnostics = Controller.check(sources, (blocks, scope) => decodeConfigBlocks(blocks, scope).diagnostics, stability, text)
  return { diagnostics, text }
}
