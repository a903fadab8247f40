// Three clustered agents, 30 targets, a real Prometheus receiver; one agent leaves (SIGTERM) and
// comes back. On the receiver: no target has two samples of `up` in one scrape interval, and none
// misses more than the detection window.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { Fleet, ownership, scrapeConfig } from '../helpers/fleet.js'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'

const INTERVAL_S = 2
const DETECTION_S = 5
let farm: Farm | undefined
let prom: Prometheus | undefined
const fleet = new Fleet()

after(async () => {
  await fleet.stopAll()
  await farm?.close()
  await prom?.stop()
})

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

test('a fleet with a leave and a rejoin: no doubled and no missing scrapes at the receiver', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  prom = await startPrometheus()
  farm = await startFarm(30, 2)
  const config = scrapeConfig({
    targets: farm.addresses,
    rwURL: prom.writeURL,
    interval: `${INTERVAL_S}s`,
    // Each agent marks what it sends, so a target scraped by two agents shows as two series.
    rwExtra: '  external_labels = { agent = sys.env("SHOAL_AGENT") }',
  })
  const wait = ['--cluster.wait-for-size=3', '--cluster.wait-timeout=30s']
  const a = await fleet.add('a', config, wait, [], { SHOAL_AGENT: 'a' })
  const b = await fleet.add('b', config, wait, [a], { SHOAL_AGENT: 'b' })
  const c = await fleet.add('c', config, wait, [a, b], { SHOAL_AGENT: 'c' })
  await waitFor('split', async () => (await ownership([a, b, c]).catch(() => undefined))?.size === 30 || undefined, 30_000)
  const start = Date.now() / 1000
  await sleep(20_000)
  b.proc.child.kill('SIGTERM')
  assert.equal(await b.proc.stop(), 0, 'SIGTERM exits cleanly')
  await sleep(20_000)
  fleet.restart(b)
  await waitFor('b back', async () => (await fetch(`${b.base}/-/ready`)).ok, 30_000)
  await waitFor('split again', async () => (await ownership([a, b, c]).catch(() => undefined))?.size === 30 || undefined, 30_000)
  await sleep(20_000)
  const end = Date.now() / 1000 - 3 // leave time for the last batches to arrive

  const series = await prom.query(`up{job="prometheus.scrape.fleet"}[${Math.ceil(end - start) + 5}s]`) as unknown as Array<{ metric: Record<string, string>, values: Array<[number, string]> }>
  const byTarget = new Map<string, Array<{ ts: number, agent: string }>>()
  for (const s of series) {
    for (const [ts] of s.values) {
      if (ts < start || ts > end) continue
      const list = byTarget.get(s.metric.instance) ?? byTarget.set(s.metric.instance, []).get(s.metric.instance)!
      list.push({ ts, agent: s.metric.agent })
    }
  }
  assert.equal(byTarget.size, 30, 'every target has samples')
  let sameSlotDoubles = 0
  const problems: string[] = []
  for (const [inst, samples] of byTarget) {
    samples.sort((x, y) => x.ts - y.ts)
    for (let i = 1; i < samples.length; i++) {
      const gap = samples[i].ts - samples[i - 1].ts
      if (gap === 0) { sameSlotDoubles++; continue } // two agents in the same slot: one sample in an unlabelled series
      if (gap < INTERVAL_S / 2) problems.push(`${inst}: two samples ${gap}s apart (${samples[i - 1].agent}, ${samples[i].agent})`)
      if (gap > INTERVAL_S + DETECTION_S) problems.push(`${inst}: gap of ${gap}s at ${samples[i - 1].ts}`)
    }
    const first = samples[0].ts - start
    const last = end - samples[samples.length - 1].ts
    if (first > INTERVAL_S + 1 || last > INTERVAL_S + 1) problems.push(`${inst}: samples start ${first}s late or end ${last}s early`)
  }
  assert.deepEqual(problems, [])
  // Same-slot doubles collapse into one sample of an agent-less series; there should be few:
  // at most the targets that moved at the two membership changes.
  t.diagnostic(`same-slot double scrapes during handoffs: ${sameSlotDoubles}`)
  assert.ok(sameSlotDoubles <= 30, `${sameSlotDoubles} same-slot doubles`)
})
