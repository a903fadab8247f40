// `shoal cluster keygen FILE`: writes a fleet key (libp2p private-network pre-shared key).
// Every node started with --cluster.key-file=FILE can talk to the others; no other can.
import { existsSync, writeFileSync } from 'node:fs'
import { generateKey } from '@libp2p/pnet'
import { flagsHelp, parseFlags, type FlagSpecs } from './flags.js'

const FLAGS: FlagSpecs = {
  force: { type: 'bool', short: 'f', help: 'overwrite FILE if it exists' },
  help: { type: 'bool', short: 'h', help: 'show this help' },
}

export async function clusterCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'keygen') {
    process.stderr.write(`Usage: shoal cluster keygen [--force] FILE\n${sub === undefined || sub === '--help' || sub === '-h' ? '' : `unknown cluster command "${sub}"\n`}`)
    return sub === '--help' || sub === '-h' ? 0 : 1
  }
  const { flags, positionals } = parseFlags(rest, FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal cluster keygen [flags] FILE\n\nWrites a new fleet key to FILE (mode 0600). Give it to every node with --cluster.key-file.\n\nFlags:\n${flagsHelp(FLAGS)}\n`)
    return 0
  }
  if (positionals.length !== 1) { process.stderr.write('shoal cluster keygen: expected exactly one FILE argument\n'); return 1 }
  const file = positionals[0]
  if (existsSync(file) && !flags.force) { process.stderr.write(`shoal cluster keygen: ${file} exists; use --force to overwrite\n`); return 1 }
  const key = new Uint8Array(95)
  generateKey(key)
  writeFileSync(file, key, { mode: 0o600 })
  process.stdout.write(`wrote fleet key to ${file}\n`)
  return 0
}
