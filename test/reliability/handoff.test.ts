// Handoffs seen at the receiver: three agents, 30 targets, each agent labelling what it sends.
// A SIGKILLed agent's targets move without a double; when it comes back (same peer ID) and when a
// brand-new agent joins, only the targets handed to it may be scraped twice, once. A joining
// agent must not scrape targets that stay with others (it must not act alone before it has
// heard of the fleet).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { decodeWriteRequest, getSnappy } from '../../src/remotewrite/index.js'
import { Fleet, ownership, scrapeConfig, type FleetNode } from '../helpers/fleet.js'
import { waitFor } from '../helpers/net.js'
import { judgeChaos, type FaultEvent, type UpSample } from './chaos-check.js'

const INTERVAL_S = 1
const fleet = new Fleet()
let farm: Farm | undefined
let server: Server | undefined

after(async () => {
  await fleet.stopAll()
  await farm?.close()
  server?.closeAllConnections()
  server?.close()
})

/** A remote-write receiver that keeps every `up` sample with its agent label. */
async function upRecorder (): Promise<{ url: string, samples: UpSample[] }> {
  const snappy = await getSnappy()
  const samples: UpSample[] = []
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const wr = decodeWriteRequest(snappy.uncompress(Buffer.concat(chunks)))
      for (const ts of wr.timeseries) {
        const l = new Map(ts.labels.map(x => [x.name, x.value]))
        if (l.get('__name__') !== 'up') continue
        for (const s of ts.samples) if (!s.stale) samples.push({ instance: l.get('instance')!, agent: l.get('agent') ?? '?', ts: s.timestamp / 1000 })
      }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/write`, samples }
}

test('kill, restart and a new joiner: only handed-over targets are doubled, once', { timeout: 120_000 }, async (t) => {
  farm = await startFarm(30, 1)
  const rec = await upRecorder()
  const config = scrapeConfig({ targets: farm.addresses, rwURL: rec.url, interval: `${INTERVAL_S}s`, rwExtra: '  external_labels = { agent = sys.env("SHOAL_AGENT") }' })
  const add = (name: string, join: FleetNode[]): Promise<FleetNode> => fleet.add(name, config, [], join, { SHOAL_AGENT: name })
  const a = await add('a', [])
  const b = await add('b', [a])
  const c = await add('c', [a, b])
  const covered = (nodes: FleetNode[]): Promise<unknown> => waitFor('one owner per target', async () => (await ownership(nodes).catch(() => undefined))?.size === 30 || undefined, 20_000, 100)
  await covered([a, b, c])
  const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
  await sleep(3000)
  const start = Date.now() / 1000
  const events: FaultEvent[] = []
  const mark = (kind: FaultEvent['kind'], agent: string): void => { events.push({ t: Date.now() / 1000, kind, agent }) }
  await sleep(3000)

  mark('kill', 'c')
  c.proc.child.kill('SIGKILL')
  await c.proc.stop('SIGKILL')
  await covered([a, b])
  await sleep(8000)

  mark('restart', 'c')
  fleet.restart(c)
  await covered([a, b, c])
  await sleep(8000)

  mark('restart', 'd')
  const d = await add('d', [a])
  await covered([a, b, c, d])
  await sleep(8000)
  const end = Date.now() / 1000 - 2

  const v = judgeChaos(rec.samples, events, farm.addresses, { start, end }, { intervalS: INTERVAL_S, maxGapS: 2 * INTERVAL_S + 4.5, handoffS: 7 })
  const doubledBy = new Map<string, number>()
  for (const p of v.problems) { const m = /scraped by (\w+) and (\w+)/.exec(p); if (m !== null) doubledBy.set(`${m[1]}+${m[2]}`, (doubledBy.get(`${m[1]}+${m[2]}`) ?? 0) + 1) }
  t.diagnostic(`doubles per agent pair among the problems: ${JSON.stringify([...doubledBy])}`)
  assert.deepEqual(v.problems, [])
})
