// A scripted chaos run: five `shoal run --cluster.enabled` agents, 100 demo targets and a real
// Prometheus receiver. For a while agents are SIGKILLed, restarted, SIGSTOPped and resumed at
// random (fixed seed; at least two always running). Then, from the receiver's API: no target went
// without samples longer than the detection window + one interval, no target was scraped by two
// agents beyond one handoff per membership change, and no agent counted failed or dropped samples.
//
//   npm run build && node_modules/.bin/node --import tsx scripts/chaos.ts [--duration=4m] [--seed=7] [--agents=5] [--targets=100]
//
// Prints a summary table; exits 1 on any problem. SHOAL_CHAOS_DUMP=FILE also writes the samples
// and faults as JSON. test/reliability/chaos.test.ts runs a 90 s one.
import { writeFileSync } from 'node:fs'
import { startFarm, type Farm } from '../src/demo/farm.js'
import { Fleet, allParticipate, ownership, scrapeConfig, type FleetNode } from '../test/helpers/fleet.js'
import { startPrometheus, havePrometheus, type Prometheus } from '../test/helpers/prometheus.js'
import { waitFor } from '../test/helpers/net.js'
import { judgeChaos, type ChaosVerdict, type FaultEvent, type UpSample } from '../test/reliability/chaos-check.js'
import { mulberry32 } from '../test/helpers/random.js'

export interface ChaosOptions {
  durationMs: number
  seed: number
  agents: number
  targets: number
  /** Progress lines (faults as they happen); default stderr. */
  log?: (line: string) => void
}

export interface AgentCounters { failed: number, dropped: number, sent: number }

export interface ChaosReport {
  verdict: ChaosVerdict
  events: FaultEvent[]
  /** Per agent: counters summed over its incarnations (each as last read). */
  counters: Map<string, AgentCounters & { incarnations: number }>
  problems: string[]
  summary: string
}

const INTERVAL_S = 2
const HEARTBEAT_S = 1
const MISSED = 3
/** Missed heartbeats, plus the expiry tick and a second of slack for a busy 2-core host. */
const DETECTION_S = HEARTBEAT_S * MISSED + 1
const BATCH_DEADLINE_S = 0.5
/** How long after a membership change a target may be scraped by its old and new owner. */
const HANDOFF_S = DETECTION_S + 2 * INTERVAL_S + 1

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Sum of every sample of a metric family in a /metrics body. */
function sumMetric (text: string, name: string): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

async function readCounters (n: FleetNode): Promise<AgentCounters | undefined> {
  try {
    const text = await (await fetch(`${n.base}/metrics`, { signal: AbortSignal.timeout(2000) })).text()
    return {
      failed: sumMetric(text, 'prometheus_remote_storage_samples_failed_total'),
      dropped: sumMetric(text, 'prometheus_remote_storage_samples_dropped_total'),
      sent: sumMetric(text, 'prometheus_remote_storage_samples_total'),
    }
  } catch { return undefined }
}

type State = 'up' | 'dead' | 'frozen'

export async function runChaos (opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'))
  const rnd = mulberry32(opts.seed)
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]
  let prom: Prometheus | undefined
  let farm: Farm | undefined
  const fleet = new Fleet()
  const t0 = Date.now()
  const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`
  try {
    prom = await startPrometheus()
    farm = await startFarm(opts.targets, 2)
    const config = scrapeConfig({
      targets: farm.addresses,
      rwURL: prom.writeURL,
      interval: `${INTERVAL_S}s`,
      rwExtra: '  external_labels = { agent = sys.env("SHOAL_AGENT") }',
    })
    // No --cluster.wait-for-size: a restarted agent would hold its scraping while the others count it
    // as an owner. The run is judged only from when the whole fleet has formed.
    const flags = [`--cluster.heartbeat-interval=${HEARTBEAT_S}s`, `--cluster.missed-heartbeats=${MISSED}`]
    for (let i = 1; i <= opts.agents; i++) {
      const name = `a${i}`
      await fleet.add(name, config, flags, fleet.nodes.slice(0, 2), { SHOAL_AGENT: name })
    }
    const everyTarget = async (nodes: FleetNode[], timeoutMs: number): Promise<void> => {
      await waitFor(`${nodes.map(n => n.name).join(',')} to own all ${opts.targets} targets once`,
        async () => (await ownership(nodes).catch(() => undefined))?.size === opts.targets || undefined, timeoutMs, 250)
    }
    await allParticipate(fleet.nodes, 60_000)
    await everyTarget(fleet.nodes, 60_000)
    log(`${at()} fleet of ${opts.agents} formed; chaos for ${opts.durationMs / 1000}s (seed ${opts.seed})`)

    const state = new Map<string, State>(fleet.nodes.map(n => [n.name, 'up']))
    const counters = new Map<string, AgentCounters & { incarnations: number }>(fleet.nodes.map(n => [n.name, { failed: 0, dropped: 0, sent: 0, incarnations: 1 }]))
    /** The current incarnation's counters, as last read; folded into `counters` when it dies. */
    const current = new Map<string, AgentCounters>()
    const poll = async (): Promise<void> => {
      await Promise.all(fleet.nodes.filter(n => state.get(n.name) === 'up').map(async n => {
        const c = await readCounters(n)
        if (c !== undefined) current.set(n.name, c)
      }))
    }
    const fold = (name: string): void => {
      const c = current.get(name)
      const total = counters.get(name)!
      if (c !== undefined) { total.failed += c.failed; total.dropped += c.dropped; total.sent += c.sent }
      current.delete(name)
    }
    const events: FaultEvent[] = []
    const fault = (kind: FaultEvent['kind'], n: FleetNode): void => {
      events.push({ t: Date.now() / 1000, kind, agent: n.name })
      log(`${at()} ${kind.padEnd(7)} ${n.name}   [${fleet.nodes.map(x => `${x.name}:${state.get(x.name)}`).join(' ')}]`)
    }

    const start = Date.now() / 1000
    const until = Date.now() + opts.durationMs
    await sleep(5000)
    while (Date.now() < until) {
      await poll()
      const up = fleet.nodes.filter(n => state.get(n.name) === 'up')
      const actions: Array<() => Promise<void>> = []
      if (up.length > 2) {
        actions.push(async () => { const n = pick(up); await poll(); fold(n.name); n.proc.child.kill('SIGKILL'); await n.proc.stop('SIGKILL'); state.set(n.name, 'dead'); fault('kill', n) })
        actions.push(async () => { const n = pick(up); await poll(); n.proc.child.kill('SIGSTOP'); state.set(n.name, 'frozen'); fault('stop', n) })
      }
      const dead = fleet.nodes.filter(n => state.get(n.name) === 'dead')
      if (dead.length > 0) actions.push(async () => { const n = pick(dead); fleet.restart(n); counters.get(n.name)!.incarnations++; state.set(n.name, 'up'); fault('restart', n) })
      const frozen = fleet.nodes.filter(n => state.get(n.name) === 'frozen')
      if (frozen.length > 0) actions.push(async () => { const n = pick(frozen); n.proc.child.kill('SIGCONT'); state.set(n.name, 'up'); fault('resume', n) })
      await pick(actions)()
      // Faults further apart than the handoff window, so each is judged on its own.
      await sleep(HANDOFF_S * 1000 + 1000 + Math.floor(rnd() * 5000))
    }

    // Heal: everyone back, one at a time, then a quiet spell so the last handoffs settle and arrive.
    for (const n of fleet.nodes) {
      const s = state.get(n.name)
      if (s === 'up') continue
      if (s === 'frozen') { n.proc.child.kill('SIGCONT'); state.set(n.name, 'up'); fault('resume', n) }
      if (s === 'dead') { fleet.restart(n); counters.get(n.name)!.incarnations++; state.set(n.name, 'up'); fault('restart', n) }
      await sleep(HANDOFF_S * 1000 + 1000)
    }
    await everyTarget(fleet.nodes, 30_000)
    log(`${at()} healed; quiet for 12s`)
    await sleep(12_000)
    await poll()
    for (const n of fleet.nodes) fold(n.name)
    const end = Date.now() / 1000 - 3 // the last batches are still on their way

    const matrix = await prom.query(`up{job="prometheus.scrape.fleet"}[${Math.ceil(end - start) + 10}s]`, end) as unknown as Array<{ metric: Record<string, string>, values: Array<[number, string]> }>
    const samples: UpSample[] = []
    for (const s of matrix) for (const [ts] of s.values) samples.push({ instance: s.metric.instance, agent: s.metric.agent ?? '?', ts })
    const verdict = judgeChaos(samples, events, farm.addresses, { start, end }, {
      intervalS: INTERVAL_S,
      maxGapS: 2 * INTERVAL_S + DETECTION_S + BATCH_DEADLINE_S,
      handoffS: HANDOFF_S,
    })
    if (process.env.SHOAL_CHAOS_DUMP !== undefined) {
      writeFileSync(process.env.SHOAL_CHAOS_DUMP, JSON.stringify({ start, end, events, samples }))
      log(`${at()} samples and faults written to ${process.env.SHOAL_CHAOS_DUMP}`)
    }
    const problems = [...verdict.problems]
    for (const [name, c] of counters) {
      if (c.failed > 0) problems.push(`${name}: prometheus_remote_storage_samples_failed_total = ${c.failed}`)
      if (c.dropped > 0) problems.push(`${name}: prometheus_remote_storage_samples_dropped_total = ${c.dropped}`)
    }
    const summary = formatSummary(verdict, events, counters, problems, { start, end })
    return { verdict, events, counters, problems, summary }
  } finally {
    await fleet.stopAll()
    await farm?.close()
    await prom?.stop()
  }
}

function formatSummary (v: ChaosVerdict, events: FaultEvent[], counters: ChaosReport['counters'], problems: string[], w: { start: number, end: number }): string {
  const lines: string[] = []
  const count = (k: FaultEvent['kind'], a?: string): number => events.filter(e => e.kind === k && (a === undefined || e.agent === a)).length
  lines.push(`chaos run: ${(w.end - w.start).toFixed(0)}s judged, ${v.targets.length} targets, ${events.length} faults in ${v.episodes} episodes`)
  lines.push('')
  lines.push('agent  incarn  kills  stops  samples_sent  failed  dropped')
  for (const [name, c] of counters) {
    lines.push(`${name.padEnd(6)} ${String(c.incarnations).padStart(6)} ${String(count('kill', name)).padStart(6)} ${String(count('stop', name)).padStart(6)} ${String(c.sent).padStart(13)} ${String(c.failed).padStart(7)} ${String(c.dropped).padStart(8)}`)
  }
  const gaps = v.targets.map(t => t.maxGapS).sort((a, b) => a - b)
  const q = (p: number): string => gaps.length === 0 ? '-' : gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))].toFixed(1)
  const doubles = v.targets.reduce((n, t) => n + t.doubles, 0)
  lines.push('')
  lines.push(`longest gap per target (s): median ${q(0.5)}  p90 ${q(0.9)}  max ${q(1)}`)
  lines.push(`doubled scrape slots: ${doubles} (${v.targets.filter(t => t.doubles > 0).length} targets)   samples: ${v.targets.reduce((n, t) => n + t.samples, 0)}`)
  lines.push('')
  if (problems.length === 0) lines.push('PASS')
  else {
    lines.push(`FAIL: ${problems.length} problem(s)`)
    for (const p of problems.slice(0, 40)) lines.push(`  ${p}`)
    if (problems.length > 40) lines.push(`  ... ${problems.length - 40} more`)
  }
  return lines.join('\n')
}

function parseArgs (argv: string[]): ChaosOptions {
  const o: ChaosOptions = { durationMs: 240_000, seed: 7, agents: 5, targets: 100 }
  for (const a of argv) {
    const m = /^--(duration|seed|agents|targets)=(.+)$/.exec(a)
    if (m === null) throw new Error(`unknown argument ${a} (want --duration=4m --seed=N --agents=N --targets=N)`)
    if (m[1] === 'duration') {
      const d = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(m[2])
      if (d === null) throw new Error(`bad --duration ${m[2]} (e.g. 90s, 4m)`)
      o.durationMs = Number(d[1]) * (d[2] === 'm' ? 60_000 : d[2] === 's' ? 1000 : 1)
    } else o[m[1] as 'seed' | 'agents' | 'targets'] = Number(m[2])
  }
  if (o.agents < 3) throw new Error('--agents must be at least 3 (two stay up, one is faulted)')
  return o
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  let opts: ChaosOptions
  try { opts = parseArgs(process.argv.slice(2)) } catch (err) { process.stderr.write(`chaos: ${(err as Error).message}\n`); process.exit(2) }
  if (!havePrometheus()) { process.stderr.write('chaos: needs a Prometheus binary (apt-get install prometheus, or PROMETHEUS_BIN)\n'); process.exit(2) }
  const report = await runChaos(opts)
  process.stdout.write(report.summary + '\n')
  process.exit(report.problems.length === 0 ? 0 : 1)
}
