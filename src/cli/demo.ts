// `shoal demo`: a whole fleet on loopback with nothing but Node. Three clustered agents (separate
// processes) split a built-in farm of demo exporters and remote-write to a fourth shoal running
// prometheus.receive_http, which relays to a counting sink. A live table shows who scrapes what;
// commands kill, freeze, resume, stop and restart nodes so you can watch targets move.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { isSea } from 'node:sea'
import { startFarm } from '../demo/farm.js'
import { CountingSink } from '../demo/sink.js'
import { parseDuration } from '../vm/duration.js'
import { flagsHelp, parseFlags, FlagError, type FlagSpecs } from './flags.js'

const FLAGS: FlagSpecs = {
  agents: { type: 'string', value: 'N', default: '3', help: 'clustered agents to start' },
  targets: { type: 'string', value: 'N', default: '12', help: 'demo exporters in the farm' },
  interval: { type: 'string', value: 'DURATION', default: '5s', help: 'scrape interval' },
  duration: { type: 'string', value: 'DURATION', default: '0s', help: 'stop by itself after this long (0s: run until Ctrl-C or "quit")' },
  help: { type: 'bool', short: 'h', help: 'show this help' },
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
  })
}

interface Node {
  name: string
  httpPort: number
  p2pPort: number
  args: string[]
  child: ChildProcess | undefined
  state: 'running' | 'frozen' | 'stopped' | 'killed'
  lastSamples: number
  rate: number
}

/** argv before the CLI's own arguments that starts another shoal: the single-file binary is itself the CLI. */
const shoalArgv = (): string[] => isSea() ? [] : [join(import.meta.dirname, '..', 'cli.js')]

async function getJSON (url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return await res.json()
}

async function samplesSent (port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
  const text = await res.text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith('prometheus_remote_storage_samples_total')) sum += Number(line.split(' ').pop())
  return sum
}

export async function demoCommand (argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, FLAGS)
  if (flags.help) {
    process.stdout.write(`Usage: shoal demo [flags]\n\nRuns a demo fleet on 127.0.0.1.\n\nFlags:\n${flagsHelp(FLAGS)}\n`)
    return 0
  }
  const nAgents = Number(flags.agents)
  const nTargets = Number(flags.targets)
  if (!Number.isInteger(nAgents) || nAgents < 1 || nAgents > 20) throw new FlagError('--agents must be between 1 and 20')
  if (!Number.isInteger(nTargets) || nTargets < 1 || nTargets > 1000) throw new FlagError('--targets must be between 1 and 1000')
  const intervalMs = parseDuration(String(flags.interval))
  const durationMs = parseDuration(String(flags.duration))

  const dir = mkdtempSync(join(tmpdir(), 'shoal-demo-'))
  const farm = await startFarm(nTargets)
  const sink = new CountingSink(intervalMs)
  const sinkURL = await sink.listen()
  const children = new Set<ChildProcess>()

  const spawnShoal = (name: string, args: string[]): ChildProcess => {
    const logFile = join(dir, `${name}.log`)
    const child = spawn(process.execPath, [...shoalArgv(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    const chunks: string[] = []
    child.stderr.on('data', (b: Buffer) => { chunks.push(b.toString()); if (chunks.length > 200) writeFileSync(logFile, chunks.splice(0).join(''), { flag: 'a' }) })
    child.on('exit', () => { writeFileSync(logFile, chunks.splice(0).join(''), { flag: 'a' }); children.delete(child) })
    children.add(child)
    return child
  }

  // The relay: a fourth shoal that receives remote-write and forwards it to the counting sink.
  const relayHTTP = await freePort()
  const relayRW = await freePort()
  writeFileSync(join(dir, 'relay.alloy'), `prometheus.receive_http "demo" {
  http {
    listen_address = "127.0.0.1"
    listen_port    = ${relayRW}
  }
  forward_to = [prometheus.remote_write.sink.receiver]
}

prometheus.remote_write "sink" {
  endpoint {
    url = "${sinkURL}"
    queue_config {
      batch_send_deadline = "1s"
    }
  }
}
`)
  spawnShoal('relay', ['run', join(dir, 'relay.alloy'), `--server.http.listen-addr=127.0.0.1:${relayHTTP}`, `--storage.path=${join(dir, 'relay-data')}`])

  const targets = farm.addresses.map(a => `    {"__address__" = "${a}", "site" = "demo"},`).join('\n')
  writeFileSync(join(dir, 'agent.alloy'), `prometheus.scrape "demo" {
  targets = [
${targets}
  ]
  forward_to      = [prometheus.remote_write.relay.receiver]
  scrape_interval = "${Math.round(intervalMs)}ms"
  scrape_timeout  = "${Math.round(Math.min(intervalMs, 10_000) * 0.8)}ms"

  clustering {
    enabled = true
  }
}

prometheus.remote_write "relay" {
  endpoint {
    url = "http://127.0.0.1:${relayRW}/api/v1/metrics/write"
    queue_config {
      batch_send_deadline = "1s"
    }
  }
}
`)
  const nodes: Node[] = []
  for (let i = 0; i < nAgents; i++) {
    const httpPort = await freePort()
    const p2pPort = await freePort()
    const name = `agent-${i + 1}`
    mkdirSync(join(dir, name), { recursive: true })
    const args = ['run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${httpPort}`, `--storage.path=${join(dir, name)}`,
      '--cluster.enabled', `--cluster.node-name=${name}`, `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--cluster.rejoin-interval=5s', '--cluster.discover-peers=bootstrap,dht',
      // Hold clustered scraping until the whole fleet is there, so a cold start scrapes nothing twice.
      `--cluster.wait-for-size=${nAgents}`, '--cluster.wait-timeout=15s',
      ...(i > 0 ? [`--cluster.join-addresses=127.0.0.1:${nodes[0].p2pPort}`] : [`--cluster.join-addresses=${Array.from({ length: 0 }).join(',')}`])]
    nodes.push({ name, httpPort, p2pPort, args, child: undefined, state: 'running', lastSamples: 0, rate: 0 })
  }
  // Every node knows every other's address once they exist, so the fleet heals after any restart.
  for (const n of nodes) {
    const others = nodes.filter(o => o !== n).map(o => `127.0.0.1:${o.p2pPort}`).join(',')
    n.args = n.args.filter(a => !a.startsWith('--cluster.join-addresses=')).concat(`--cluster.join-addresses=${others}`)
    n.child = spawnShoal(n.name, n.args)
  }

  const out = process.stdout
  out.write(`shoal demo: ${nAgents} agents, ${nTargets} targets every ${flags.interval}; files and logs in ${dir}\n`)
  for (const n of nodes) out.write(`  ${n.name}: UI http://127.0.0.1:${n.httpPort}/  (p2p 127.0.0.1:${n.p2pPort})\n`)
  out.write(`  relay (prometheus.receive_http): UI http://127.0.0.1:${relayHTTP}/\n`)
  out.write('Commands: kill N | freeze N | resume N | stop N | restart N | quit   (N = agent number)\n\n')

  const render = async (): Promise<string> => {
    const rows: string[] = []
    rows.push(`${'node'.padEnd(10)} ${'process'.padEnd(8)} ${'cluster'.padEnd(12)} ${'peers'.padStart(5)} ${'targets'.padStart(7)} ${'samples/s'.padStart(9)}`)
    for (const n of nodes) {
      let state = '-'; let peers = '-'; let owned = '-'
      if (n.state === 'running') {
        try {
          const ps = await getJSON(`http://127.0.0.1:${n.httpPort}/api/v0/web/peers`) as Array<{ isSelf: boolean, state: string }>
          peers = String(ps.length)
          state = ps.find(p => p.isSelf)?.state ?? '?'
          const c = await getJSON(`http://127.0.0.1:${n.httpPort}/api/v0/web/components/prometheus.scrape.demo`) as { debugInfo?: { targets?: Array<{ local?: boolean }> } }
          owned = String((c.debugInfo?.targets ?? []).filter(t => t.local !== false).length)
          const s = await samplesSent(n.httpPort)
          n.rate = n.lastSamples > 0 ? (s - n.lastSamples) / 2 : 0
          n.lastSamples = s
        } catch { state = 'starting' }
      }
      rows.push(`${n.name.padEnd(10)} ${n.state.padEnd(8)} ${state.padEnd(12)} ${peers.padStart(5)} ${owned.padStart(7)} ${n.rate.toFixed(0).padStart(9)}`)
    }
    let dup = 0; let miss = 0
    for (const st of sink.targets.values()) { dup += st.duplicates; miss += st.missing }
    rows.push(`sink: ${sink.series.size} series, ${sink.samples} samples, ${sink.targets.size}/${nTargets} targets seen, duplicate scrapes ${dup}, missing scrapes ${miss}`)
    return rows.join('\n') + '\n'
  }

  let done = false
  const finish = async (): Promise<void> => {
    if (done) return
    done = true
    clearInterval(ticker)
    rl?.close()
    for (const c of children) { try { c.kill('SIGCONT'); c.kill('SIGTERM') } catch {} }
    await Promise.race([
      Promise.all([...children].map(c => new Promise(resolve => c.once('exit', resolve)))),
      new Promise(resolve => setTimeout(resolve, 8000)),
    ])
    for (const c of children) { try { c.kill('SIGKILL') } catch {} }
    await farm.close()
    await sink.close()
    if (!process.env.SHOAL_DEMO_KEEP) rmSync(dir, { recursive: true, force: true })
  }

  const ticker = setInterval(() => { void render().then(t => { if (!done) out.write(t + '\n') }) }, 2000)
  const rl = process.stdin.isTTY || process.env.SHOAL_DEMO_STDIN ? createInterface({ input: process.stdin }) : undefined
  const result = await new Promise<number>(resolve => {
    process.once('SIGINT', () => { void finish().then(() => resolve(0)) })
    process.once('SIGTERM', () => { void finish().then(() => resolve(0)) })
    if (durationMs > 0) setTimeout(() => { void render().then(t => { out.write('final:\n' + t); return finish() }).then(() => resolve(0)) }, durationMs)
    rl?.on('line', line => {
      const [cmd, num] = line.trim().split(/\s+/)
      if (cmd === 'quit' || cmd === 'q') { void finish().then(() => resolve(0)); return }
      const n = nodes[Number(num) - 1]
      if (!n) { out.write('which node? e.g. "kill 2"\n'); return }
      const c = n.child
      switch (cmd) {
        case 'kill': if (c && n.state !== 'killed' && n.state !== 'stopped') { c.kill('SIGKILL'); n.state = 'killed' } break
        case 'freeze': if (c && n.state === 'running') { c.kill('SIGSTOP'); n.state = 'frozen' } break
        case 'resume': if (c && n.state === 'frozen') { c.kill('SIGCONT'); n.state = 'running' } break
        case 'stop': if (c && n.state === 'running') { c.kill('SIGTERM'); n.state = 'stopped' } break
        case 'restart':
          if (c && (n.state === 'running' || n.state === 'frozen')) { c.kill('SIGCONT'); c.kill('SIGKILL') }
          setTimeout(() => { n.child = spawnShoal(n.name, n.args); n.state = 'running'; n.lastSamples = 0 }, 300)
          break
        default: out.write(`unknown command "${cmd}"\n`)
      }
    })
  })
  return result
}
