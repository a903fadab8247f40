// `shoal` command dispatch. Each command lives in its own file and returns an exit code.
import { FlagError } from './flags.js'
import { COMMIT, VERSION } from '../version.js'

const USAGE = `shoal ${VERSION}: a fleet of Prometheus scrape agents that share their targets peer to peer.

Usage: shoal <command> [flags] [args]

Commands:
  run PATH                 run an agent with the config file or directory PATH
  validate PATH            check a config for errors without running it
  fmt [-w] PATH            print a config in canonical layout (-w: rewrite the file)
  lint-metrics             check a Prometheus/OpenMetrics exposition body read from stdin
  cluster keygen FILE      write a fleet key (pre-shared key for a private fleet)
  demo                     run a local demo fleet with a target farm and a sink
  version                  print the version

Run 'shoal <command> --help' for the flags of a command.
`

type Command = (argv: string[]) => Promise<number>

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  fmt: async () => (await import('./fmt.js')).fmtCommand,
  'lint-metrics': async () => (await import('./lint.js')).lintCommand,
  cluster: async () => (await import('./cluster.js')).clusterCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
}

export async function main (argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE)
    return cmd === undefined ? 1 : 0
  }
  if (cmd === 'version' || cmd === '--version' || cmd === '-v') {
    process.stdout.write(`shoal version ${VERSION} (commit ${COMMIT}, node ${process.version}, ${process.platform}/${process.arch})\n`)
    return 0
  }
  const load = commands[cmd]
  if (!load) {
    process.stderr.write(`shoal: unknown command "${cmd}"\n\n${USAGE}`)
    return 1
  }
  try {
    return await (await load())(rest)
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`shoal ${cmd}: ${err.message}\nRun 'shoal ${cmd} --help' for usage.\n`)
      return 1
    }
    throw err
  }
}
