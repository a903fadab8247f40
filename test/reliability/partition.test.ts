// A network partition: two agents in namespace A, two in B, the targets in a third namespace F
// that both reach. Cutting the A–B link splits the fleet; each side then scrapes every target
// (its owned sets cover all of them, once). After healing, the four converge to one owner per
// target within seconds. Needs root (`ip netns`); skips otherwise.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { scrapeConfig } from '../helpers/fleet.js'
import { waitFor } from '../helpers/net.js'
import { createTopology, netnsUnavailable, nsGet, type Topology } from './netns.js'
import { unavailable } from '../helpers/prereq.js'

const IP = '/usr/sbin/ip'
const CLI = join(import.meta.dirname, '../../dist/cli.js')
const TARGETS = 20
const procs: Proc[] = []
let topo: Topology | undefined

after(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  topo?.destroy()
})

interface Agent { name: string, ns: string, base: string, addr: string, p2pPort: number, proc: Proc }

/** `shoal run` inside a namespace; HTTP on the namespace's loopback, peer-to-peer on its link address. */
async function startAgent (dir: string, name: string, ns: string, addr: string, ports: { http: number, p2p: number }, join: Agent[], config: string): Promise<Agent> {
  const d = join_(dir, name)
  mkdirSync(d, { recursive: true })
  writeFileSync(join_(d, 'config.alloy'), config)
  const proc = start(IP, ['netns', 'exec', ns, process.execPath, CLI, 'run', join_(d, 'config.alloy'),
    `--server.http.listen-addr=127.0.0.1:${ports.http}`, `--storage.path=${join_(d, 'data')}`,
    '--cluster.enabled', `--cluster.node-name=${name}`, `--cluster.listen-addr=/ip4/${addr}/tcp/${ports.p2p}`,
    '--cluster.rejoin-interval=2s',
    ...(join.length > 0 ? [`--cluster.join-addresses=${join.map(j => `${j.addr}:${j.p2pPort}`).join(',')}`] : [])])
  procs.push(proc)
  const agent: Agent = { name, ns, base: `http://127.0.0.1:${ports.http}`, addr, p2pPort: ports.p2p, proc }
  await waitFor(`${name} ready`, async () => (await nsGet(ns, `${agent.base}/-/ready`)).includes('ready'), 30_000)
    .catch(err => { throw new Error(`${err.message}\n${proc.output()}`) })
  return agent
}
const join_ = (...p: string[]): string => join(...p)

async function peerNames (a: Agent): Promise<string[]> {
  return (JSON.parse(await nsGet(a.ns, `${a.base}/api/v0/web/peers`)) as Array<{ name: string }>).map(p => p.name).sort()
}

/** Names this agent sees as participants (a node that is still syncing is a viewer). */
async function participants (a: Agent): Promise<string[]> {
  return (JSON.parse(await nsGet(a.ns, `${a.base}/api/v0/web/peers`)) as Array<{ name: string, state: string }>).filter(p => p.state === 'participant').map(p => p.name).sort()
}

/** instance → owners, from each agent's own "scraped here" list (healthy scrapes only). */
async function owners (agents: Agent[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const a of agents) {
    const c = JSON.parse(await nsGet(a.ns, `${a.base}/api/v0/web/components/prometheus.scrape.fleet`)) as { debugInfo: { targets: Array<{ labels: { instance: string }, local: boolean, health: string }> } }
    for (const t of c.debugInfo.targets) if (t.local) (out.get(t.labels.instance) ?? out.set(t.labels.instance, []).get(t.labels.instance)!).push(a.name)
  }
  return out
}

/** Waits until `agents` own every target exactly once and scrape it successfully. */
async function coverOnce (agents: Agent[], all: string[], timeoutMs: number): Promise<number> {
  const t0 = Date.now()
  await waitFor(`${agents.map(a => a.name).join(',')} to own each of ${all.length} targets once`, async () => {
    const o = await owners(agents)
    return all.every(t => o.get(t)?.length === 1) && o.size === all.length
  }, timeoutMs, 250).catch(async err => {
    throw new Error(`${err.message}\nowners: ${JSON.stringify([...(await owners(agents).catch(() => new Map())).entries()])}`)
  })
  return Date.now() - t0
}

test('a partitioned fleet scrapes every target on both sides and converges to one owner per target after healing', { timeout: 180_000 }, async (t) => {
  const why = netnsUnavailable()
  if (unavailable(t, why)) return
  topo = createTopology()

  const farm = start(IP, ['netns', 'exec', topo.f, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'netns-farm.ts'), topo.farmAddr, String(TARGETS)], { cwd: join(import.meta.dirname, '../..') })
  procs.push(farm)
  const targets = await waitFor('farm addresses', () => {
    const line = farm.output().split('\n').find(l => l.startsWith('['))
    return line === undefined ? undefined : JSON.parse(line) as string[]
  }, 30_000).catch(err => { throw new Error(`${err.message}\n${farm.output()}`) })
  assert.equal(targets.length, TARGETS)

  const dir = tempDir('partition')
  // Nothing listens on the remote-write URL: the test judges ownership and scrape health only.
  const config = scrapeConfig({ targets, rwURL: 'http://127.0.0.1:9/api/v1/write', interval: '1s' })
  const base = 20_000 + (process.pid % 20_000)
  const a1 = await startAgent(dir, 'a1', topo.a, topo.aAddr, { http: base, p2p: base + 1 }, [], config)
  const a2 = await startAgent(dir, 'a2', topo.a, topo.aAddr, { http: base + 2, p2p: base + 3 }, [a1], config)
  const b1 = await startAgent(dir, 'b1', topo.b, topo.bAddr, { http: base + 4, p2p: base + 5 }, [a1], config)
  const b2 = await startAgent(dir, 'b2', topo.b, topo.bAddr, { http: base + 6, p2p: base + 7 }, [b1, a1], config)
  const all = [a1, a2, b1, b2]
  await waitFor('every agent sees four participants', async () => {
    for (const a of all) if ((await participants(a)).length !== 4) return undefined
    return true
  }, 30_000)
  await coverOnce(all, targets, 20_000)
  const before = await owners(all)
  const ownedBy = (o: Map<string, string[]>, names: string[]): number => [...o.values()].filter(x => names.includes(x[0])).length
  assert.ok(ownedBy(before, ['a1', 'a2']) > 0 && ownedBy(before, ['b1', 'b2']) > 0, 'both sides own targets before the split')

  // Split: each side drops the other within the detection window and scrapes everything itself.
  topo.cut()
  const splitMs = Date.now()
  await waitFor('A sees only A, B only B', async () =>
    (await peerNames(a1)).join() === 'a1,a2' && (await peerNames(a2)).join() === 'a1,a2' &&
    (await peerNames(b1)).join() === 'b1,b2' && (await peerNames(b2)).join() === 'b1,b2' || undefined, 15_000)
  t.diagnostic(`sides separated after ${Date.now() - splitMs} ms`)
  await coverOnce([a1, a2], targets, 10_000)
  await coverOnce([b1, b2], targets, 10_000)
  // ... and keeps doing so: every target healthy on both sides after a few more scrapes.
  await new Promise(resolve => setTimeout(resolve, 3000))
  for (const side of [[a1, a2], [b1, b2]]) {
    const o = await owners(side)
    assert.deepEqual([...o.values()].filter(x => x.length !== 1), [], `${side.map(a => a.name).join(',')} each target once`)
    assert.equal(o.size, TARGETS)
    for (const a of side) {
      const c = JSON.parse(await nsGet(a.ns, `${a.base}/api/v0/web/components/prometheus.scrape.fleet`)) as { debugInfo: { targets: Array<{ local: boolean, health: string, last_error: string }> } }
      const bad = c.debugInfo.targets.filter(x => x.local && x.health !== 'up')
      assert.deepEqual(bad, [], `${a.name} scrapes its targets successfully`)
    }
  }

  // Heal: one fleet again, one owner per target.
  topo.heal()
  const healMs = Date.now()
  await waitFor('every agent sees four participants again', async () => {
    for (const a of all) if ((await participants(a)).length !== 4) return undefined
    return true
  }, 20_000)
  await coverOnce(all, targets, 10_000)
  const converged = Date.now() - healMs
  t.diagnostic(`one owner per target ${converged} ms after healing`)
  assert.ok(converged < 15_000, `converged after ${converged} ms`)
  const afterHeal = await owners(all)
  assert.ok(ownedBy(afterHeal, ['a1', 'a2']) > 0 && ownedBy(afterHeal, ['b1', 'b2']) > 0, 'both sides own targets again')
  // Rendezvous ownership is a function of the membership: the same four agents give the same split.
  assert.deepEqual(new Map([...afterHeal].map(([k, v]) => [k, v.join()])), new Map([...before].map(([k, v]) => [k, v.join()])))
})
