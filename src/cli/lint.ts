// `shoal lint-metrics`: checks an exposition body from stdin with the scrape parser.
import { readFileSync } from 'node:fs'
import { lintExposition, lintProtobuf } from '../exposition/lint.js'
import { flagsHelp, parseFlags, FlagError, type FlagSpecs } from './flags.js'

const FLAGS: FlagSpecs = {
  format: { type: 'string', value: 'FORMAT', default: 'openmetrics', help: 'exposition format: text (Prometheus 0.0.4 and 1.0.0), openmetrics, or protobuf (delimited io.prometheus.client.MetricFamily); quoted UTF-8 names are read in both text formats' },
  help: { type: 'bool', short: 'h', help: 'show this help' },
}

export async function lintCommand (argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal lint-metrics [flags] < body\n\nExits 0 if the body read from stdin is valid, else prints the first error with its line and column and exits 1.\n\nFlags:\n${flagsHelp(FLAGS)}\n`)
    return 0
  }
  const format = String(flags.format)
  if (format !== 'text' && format !== 'openmetrics' && format !== 'protobuf') throw new FlagError(`invalid --format "${format}" (want text, openmetrics or protobuf)`)
  const res = format === 'protobuf' ? lintProtobuf(readFileSync(0)) : lintExposition(readFileSync(0, 'utf8'), format)
  if (res.ok) return 0
  process.stderr.write(`<stdin>:${res.line}:${res.column}: ${res.error}\n`)
  return 1
}
