// Nothing lost: the receiver (a real Prometheus) goes down while the agent scrapes 50 targets,
// the agent is SIGKILLed and restarted in the middle of the outage, then the receiver comes
// back. Every scrape the targets served arrives, except at most the last un-synced second
// before the kill.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'

const OUTAGE_MS = Number(process.env.SHOAL_OUTAGE_MS ?? 40_000)
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))
let farm: Farm | undefined
let prom: (Prometheus & { dir: string, port: number }) | undefined
let agent: Proc | undefined

after(async () => {
  await agent?.stop('SIGKILL')
  await prom?.stop()
  await farm?.close()
})

async function metric (port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.split(' ').pop())
  return sum
}

test('receiver down, agent killed and restarted mid-outage: every sample arrives once the receiver is back', async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  prom = await startPrometheus()
  farm = await startFarm(50, 3)
  const dir = tempDir('outage')
  const cfg = join(dir, 'agent.alloy')
  writeFileSync(cfg, `
prometheus.scrape "farm" {
  targets = [
${farm.addresses.map(a => `    {"__address__" = "${a}"},`).join('\n')}
  ]
  forward_to      = [prometheus.remote_write.prom.receiver]
  scrape_interval = "2s"
  scrape_timeout  = "1s"
}

prometheus.remote_write "prom" {
  endpoint {
    url = "${prom.writeURL}"
    queue_config {
      batch_send_deadline = "500ms"
      max_backoff         = "1s"
    }
  }
}
`)
  const port = await freePort()
  const args = ['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`]
  agent = startShoal(args)
  await waitFor('agent ready', async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 20_000)
  await waitFor('data flowing', async () => (await prom!.query('count(up{job="prometheus.scrape.farm"} == 1)'))[0]?.value[1] === '50' || undefined, 20_000)

  // Outage: the receiver goes away.
  await prom.stop()
  await sleep(OUTAGE_MS / 2)
  // Mid-outage crash: no goodbye, no flush. Wait past one fsync interval first, so the
  // samples before the last second are durable; then restart on the same storage.
  agent.child.kill('SIGKILL')
  await agent.stop('SIGKILL')
  const servedAtKill = new Map(farm.scrapes)
  agent = startShoal(args)
  await waitFor('agent ready again', async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 20_000)
  await sleep(OUTAGE_MS / 2)

  // The receiver returns with its data; the buffered samples flow.
  prom = await startPrometheus({ dir: prom.dir, port: prom.port })
  await sleep(4000)
  // Stop scraping (SIGTERM), then wait until the agent has sent everything it holds.
  const served = new Map(farm.scrapes)
  await waitFor('buffer drained', async () => (await metric(port, 'prometheus_remote_storage_samples_pending')) === 0 || undefined, 60_000, 500)
  const failed = await metric(port, 'prometheus_remote_storage_samples_failed_total')
  assert.equal(await agent.stop('SIGTERM'), 0)
  await sleep(1000)

  const counts = new Map((await prom.query('count_over_time(demo_target_index{job="prometheus.scrape.farm"}[15m])')).map(s => [s.metric.instance, Number(s.value[1])]))
  assert.equal(counts.size, 50, 'every target has samples')
  let lostAtKill = 0
  const problems: string[] = []
  for (const addr of farm.addresses) {
    const got = counts.get(addr) ?? 0
    const want = served.get(addr) ?? 0
    // The farm counts scrapes it answered; each answered scrape is one demo_target_index sample.
    // Scrapes after `served` was read (the agent kept running a few seconds) only add samples.
    const killedWindow = (servedAtKill.get(addr) ?? 0) > 0 ? 2 : 0
    if (got < want - killedWindow) problems.push(`${addr}: ${got} samples for ${want} scrapes`)
    lostAtKill += Math.max(0, want - got)
  }
  t.diagnostic(`outage ${OUTAGE_MS / 1000}s; samples lost around the SIGKILL: ${lostAtKill} of ${[...served.values()].reduce((a, b) => a + b, 0)} scrapes; failed sends ${failed}`)
  assert.deepEqual(problems, [])
  assert.equal(failed, 0)
})
