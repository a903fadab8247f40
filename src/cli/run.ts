// `shoal run PATH`: mirrors `alloy run`: same flag names, SIGHUP and POST /-/reload reload the
// config, SIGINT/SIGTERM stop the agent in order.
import { Agent } from '../agent.js'
import { createSink } from '../logging/logger.js'
import type { Stability } from '../runtime/component.js'
import { flagsHelp, parseFlags, FlagError, type FlagSpecs } from './flags.js'

export const STABILITY_LEVELS: Stability[] = ['generally-available', 'public-preview', 'experimental']

export const RUN_FLAGS: FlagSpecs = {
  'server.http.listen-addr': { type: 'string', value: 'HOST:PORT', default: '127.0.0.1:12345', help: 'address the HTTP server (UI, API, /metrics) listens on' },
  'server.http.ui-path-prefix': { type: 'string', value: 'PATH', default: '/', help: 'path prefix the UI is served under (behind a proxy)' },
  'storage.path': { type: 'string', value: 'DIR', default: 'data-shoal/', help: 'directory for persistent state (peer key, WAL)' },
  'stability.level': { type: 'string', value: 'LEVEL', default: 'generally-available', help: 'minimum stability level of components to accept (generally-available, public-preview, experimental)' },
  'disable-reporting': { type: 'bool', help: 'accepted for Alloy compatibility; shoal never reports usage' },
  help: { type: 'bool', short: 'h', help: 'show this help' },
}

export function parseHostPort (s: string, flag: string): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s)
  if (!m) throw new FlagError(`invalid --${flag} "${s}": want HOST:PORT`)
  const port = Number(m[3])
  if (port > 65535) throw new FlagError(`invalid --${flag} "${s}": port out of range`)
  const host = m[1] ?? m[2]
  return { host: host === '' ? '0.0.0.0' : host, port }
}

export async function runCommand (argv: string[]): Promise<number> {
  const { flags, positionals } = parseFlags(argv, RUN_FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal run [flags] PATH\n\nRuns an agent with the config file or directory of *.alloy files PATH.\n\nFlags:\n${flagsHelp(RUN_FLAGS)}\n`)
    return 0
  }
  if (positionals.length !== 1) {
    process.stderr.write('shoal run: expected exactly one PATH argument (a config file or a directory of *.alloy files)\n')
    return 1
  }
  const stability = String(flags['stability.level']) as Stability
  if (!STABILITY_LEVELS.includes(stability)) throw new FlagError(`invalid --stability.level "${stability}" (want one of ${STABILITY_LEVELS.join(', ')})`)
  const { host, port } = parseHostPort(String(flags['server.http.listen-addr']), 'server.http.listen-addr')
  const sink = createSink('info', 'logfmt')
  const agent = new Agent({
    configPath: positionals[0],
    listenHost: host,
    listenPort: port,
    storagePath: String(flags['storage.path']),
    stabilityLevel: stability,
    uiPathPrefix: String(flags['server.http.ui-path-prefix']),
    sink,
  })
  try {
    await agent.start()
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\n`)
    await agent.stop().catch(() => {})
    return 1
  }
  return await new Promise<number>(resolve => {
    let stopping = false
    const stop = (sig: string): void => {
      if (stopping) return
      stopping = true
      agent.log.info('shutting down', { signal: sig })
      agent.stop().then(() => resolve(0), err => { agent.log.error('error while stopping', { err }); resolve(1) })
    }
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGHUP', () => { void agent.reload() })
  })
}
