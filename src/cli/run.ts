// `shoal run PATH`: mirrors `alloy run`: same flag names, SIGHUP and POST /-/reload reload the
// config, SIGINT/SIGTERM stop the agent in order.
import { Agent } from '../agent.js'
import { createSink } from '../logging/logger.js'
import type { Stability } from '../runtime/component.js'
import { flagsHelp, parseFlags, FlagError, type FlagSpecs } from './flags.js'
import { readJoinFile as readPeerList } from '../cluster/join-file.js'
import { formatDuration, parseDuration } from '../vm/duration.js'
import { parseBytes } from '../components/common/units.js'
import { DEFAULT_DISCOVERY, DEFAULT_FLEET_NAME, DEFAULT_HEARTBEAT_MS, DEFAULT_LISTEN_ADDRS, DEFAULT_MISSED_HEARTBEATS, DEFAULT_REJOIN_INTERVAL_MS, DEFAULT_WAIT_FOR_SIZE, DEFAULT_WAIT_TIMEOUT_MS } from '../cluster/options.js'
import type { ClusterOptions, DiscoveryMethod } from '../cluster/index.js'
import { DEFAULT_HTTP_LISTEN_ADDR } from '../net/defaults.js'
import { DEFAULT_WAL_MAX_SIZE } from '../components/prometheus/remote-write.js'

const list = (s: string): string[] => s.split(',').map(x => x.trim()).filter(Boolean)

function durationFlag (flags: Record<string, string | boolean>, name: string): number {
  try { return parseDuration(String(flags[name])) } catch (err) { throw new FlagError(`invalid --${name} "${flags[name]}": ${(err as Error).message}`) }
}

function intFlag (flags: Record<string, string | boolean>, name: string): number {
  const v = String(flags[name])
  if (!/^\d+$/.test(v)) throw new FlagError(`invalid --${name} "${v}": want a non-negative integer`)
  return Number(v)
}

/** Reads a peer-list file: one address per line, `#` starts a comment. */
export function readJoinFile (path: string): string[] {
  try { return readPeerList(path) } catch (err) { throw new FlagError(`--cluster.join-file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `${path}: no such file` : (err as Error).message}`) }
}

export function clusterOptions (flags: Record<string, string | boolean>): ClusterOptions {
  const methods = list(String(flags['cluster.discover-peers']))
  for (const m of methods) if (!['bootstrap', 'mdns', 'dht'].includes(m)) throw new FlagError(`invalid --cluster.discover-peers method "${m}" (want bootstrap, mdns or dht)`)
  const joinFile = String(flags['cluster.join-file'])
  if (joinFile) readJoinFile(joinFile) // fail fast on a missing or malformed file
  const join = list(String(flags['cluster.join-addresses']))
  const listen = list(String(flags['cluster.listen-addr']))
  const advertise = list(String(flags['cluster.advertise-address']))
  return {
    enabled: flags['cluster.enabled'] === true,
    nodeName: String(flags['cluster.node-name']) || undefined,
    joinAddrs: join,
    joinFile: joinFile || undefined,
    listenAddrs: listen.length > 0 ? listen : undefined,
    advertiseAddrs: advertise.length > 0 ? advertise : undefined,
    discoverPeers: methods as DiscoveryMethod[],
    fleetName: String(flags['cluster.name']),
    rejoinIntervalMs: durationFlag(flags, 'cluster.rejoin-interval'),
    keyFile: String(flags['cluster.key-file']) || undefined,
    waitForSize: intFlag(flags, 'cluster.wait-for-size'),
    waitTimeoutMs: durationFlag(flags, 'cluster.wait-timeout'),
    heartbeatMs: durationFlag(flags, 'cluster.heartbeat-interval'),
    missedHeartbeats: Math.max(1, intFlag(flags, 'cluster.missed-heartbeats')), relay: flags['cluster.relay'] === true,
  }
}

export const STABILITY_LEVELS: Stability[] = ['generally-available', 'public-preview', 'experimental']

export const RUN_FLAGS: FlagSpecs = {
  'server.http.listen-addr': { type: 'string', value: 'HOST:PORT', default: DEFAULT_HTTP_LISTEN_ADDR, help: 'address the HTTP server (UI, API, /metrics) listens on' },
  'server.http.ui-path-prefix': { type: 'string', value: 'PATH', default: '/', help: 'path prefix the UI is served under (behind a proxy)' },
  'storage.path': { type: 'string', value: 'DIR', default: 'data-shoal/', help: 'directory for persistent state (peer key, WAL)' },
  'storage.wal-max-size': { type: 'string', value: 'SIZE', default: DEFAULT_WAL_MAX_SIZE, help: 'disk buffer bound per remote-write endpoint; when full the oldest samples are dropped (counted and logged)' },
  'stability.level': { type: 'string', value: 'LEVEL', default: 'generally-available', help: 'minimum stability level of components to accept (generally-available, public-preview, experimental)' },
  'disable-reporting': { type: 'bool', help: 'accepted for Alloy compatibility; shoal never reports usage' },
  'cluster.enabled': { type: 'bool', help: 'join a fleet: clustered prometheus.scrape components share their targets with the other nodes' },
  'cluster.node-name': { type: 'string', value: 'NAME', default: '', help: 'name of this node in the fleet (default: hostname)' },
  'cluster.join-addresses': { type: 'string', value: 'ADDRS', default: '', help: 'comma-separated peers to join: multiaddrs (with or without /p2p/ID) or host:port' },
  'cluster.join-file': { type: 'string', value: 'FILE', default: '', help: 'file with peers to join, one per line (# comments); re-read every rejoin interval' },
  'cluster.advertise-address': { type: 'string', value: 'ADDR', default: '', help: 'address (host:port or multiaddr) other nodes should dial to reach this one' },
  'cluster.listen-addr': { type: 'string', value: 'ADDRS', default: '', help: `comma-separated multiaddrs (or host:port) the peer-to-peer node listens on (default ${DEFAULT_LISTEN_ADDRS.join(',')})` },
  'cluster.discover-peers': { type: 'string', value: 'METHODS', default: DEFAULT_DISCOVERY.join(','), help: 'comma-separated peer discovery methods: bootstrap, mdns, dht' },
  'cluster.name': { type: 'string', value: 'NAME', default: DEFAULT_FLEET_NAME, help: 'fleet name; fleets with different names never mix' },
  'cluster.rejoin-interval': { type: 'string', value: 'DURATION', default: formatDuration(DEFAULT_REJOIN_INTERVAL_MS), help: 'how often to re-dial the join addresses (0s disables)' },
  'cluster.key-file': { type: 'string', value: 'FILE', default: '', help: 'fleet key (shoal cluster keygen): only nodes with the same key can connect' },
  'cluster.wait-for-size': { type: 'string', value: 'N', default: String(DEFAULT_WAIT_FOR_SIZE), help: 'scrape nothing clustered until the fleet has N members (0: do not wait)' },
  'cluster.wait-timeout': { type: 'string', value: 'DURATION', default: formatDuration(DEFAULT_WAIT_TIMEOUT_MS), help: 'stop waiting for --cluster.wait-for-size after this long (0s: wait forever)' },
  'cluster.heartbeat-interval': { type: 'string', value: 'DURATION', default: formatDuration(DEFAULT_HEARTBEAT_MS), help: 'how often this node announces itself' },
  'cluster.missed-heartbeats': { type: 'string', value: 'N', default: String(DEFAULT_MISSED_HEARTBEATS), help: 'a peer is dropped after this many missed heartbeats' },
  'cluster.relay': { type: 'bool', help: 'be a circuit relay for fleet members that cannot be dialled (behind NAT or a firewall)' },
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
  const cluster = clusterOptions(flags)
  let walMaxBytes: number
  try { walMaxBytes = parseBytes(String(flags['storage.wal-max-size'])) } catch (err) { throw new FlagError(`invalid --storage.wal-max-size "${flags['storage.wal-max-size']}": ${(err as Error).message}`) }
  if (walMaxBytes < 1 << 20) throw new FlagError('--storage.wal-max-size must be at least 1MiB')
  const sink = createSink('info', 'logfmt')
  const agent = new Agent({
    configPath: positionals[0],
    listenHost: host,
    listenPort: port,
    storagePath: String(flags['storage.path']),
    stabilityLevel: stability,
    uiPathPrefix: String(flags['server.http.ui-path-prefix']),
    sink,
    cluster,
    walMaxBytes,
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
