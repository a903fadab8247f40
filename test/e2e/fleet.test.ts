// The fleet as users run it: `shoal run --cluster.enabled` processes on loopback splitting one
// clustered prometheus.scrape, healing after kill, freeze, join and leave.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { Fleet, allParticipate, ownership, peers, scrapeConfig, targets, type FleetNode } from '../helpers/fleet.js'
import { waitFor } from '../helpers/net.js'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const farms: Farm[] = []
const fleets: Fleet[] = []
const sink = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()) })
await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
const rwURL = `http://127.0.0.1:${(sink.address() as { port: number }).port}/api/v1/write`

after(async () => {
  for (const f of fleets) await f.stopAll()
  for (const f of farms) await f.close()
  sink.closeAllConnections()
  sink.close()
})

/** Waits until the given nodes own every target exactly once; returns instance → owner and the time it took. */
async function converged (nodes: FleetNode[], all: string[], timeoutMs: number): Promise<{ owners: Map<string, string>, ms: number }> {
  const t0 = Date.now()
  const owners = await waitFor(`${nodes.map(n => n.name).join(',')} to own all ${all.length} targets once`, async () => {
    const o = await ownership(nodes).catch(() => undefined)
    if (!o || o.size !== all.length || !all.every(a => o.has(a))) return undefined
    return o
  }, timeoutMs, 100)
  return { owners, ms: Date.now() - t0 }
}

test('five agents split 60 targets; kill, freeze, join and leave heal within their windows', async () => {
  const farm = await startFarm(60, 3)
  farms.push(farm)
  const fleet = new Fleet()
  fleets.push(fleet)
  const config = scrapeConfig({ targets: farm.addresses, rwURL })
  const first = await fleet.add('n1', config, [], [])
  // Every other node knows only the first one's address: gossip and the DHT tell them the rest.
  for (let i = 2; i <= 5; i++) await fleet.add(`n${i}`, config, [], [first])
  const [n1, n2, n3, n4, n5] = fleet.nodes

  await waitFor('every node sees five participants', async () => {
    for (const n of fleet.nodes) {
      const ps = await peers(n)
      if (ps.length !== 5 || ps.some(p => p.state !== 'participant')) return undefined
    }
    return true
  }, 30_000)
  const { owners } = await converged(fleet.nodes, farm.addresses, 20_000)
  const counts = new Map<string, number>()
  for (const o of owners.values()) counts.set(o, (counts.get(o) ?? 0) + 1)
  assert.equal(counts.size, 5, `every node owns something: ${JSON.stringify([...counts])}`)

  // Any node tells who scrapes every target: its debug info names the owner of remote ones.
  const view = await targets(n3)
  assert.equal(view.length, 60)
  for (const t of view) assert.equal(t.owner?.name, owners.get(t.instance), t.instance)

  // The peers API counts owned targets per peer.
  const ps = await peers(n1) as unknown as Array<{ name: string, targetsOwned: Record<string, number> }>
  for (const p of ps) assert.equal(p.targetsOwned['prometheus.scrape.fleet'] ?? 0, counts.get(p.name) ?? 0, p.name)

  // SIGKILL: the survivors take the targets within 6 s.
  n5.proc.child.kill('SIGKILL')
  const killed = await converged([n1, n2, n3, n4], farm.addresses, 6_000)
  for (const [inst, o] of owners) if (o !== 'n5') assert.equal(killed.owners.get(inst), o, `${inst} moved although its owner lives`)

  // SIGSTOP (frozen): the same.
  n4.proc.child.kill('SIGSTOP')
  const frozen = await converged([n1, n2, n3], farm.addresses, 6_000)
  n4.proc.child.kill('SIGCONT')
  // The resumed node re-syncs (a viewer for a moment) before it takes its targets back.
  await allParticipate([n1, n2, n3, n4])
  const resumed = await converged([n1, n2, n3, n4], farm.addresses, 15_000)

  // A sixth node joins: it takes 5–20 targets and no other target moves.
  const n6 = await fleet.add('n6', config, [], [first])
  // A newcomer stays a viewer until it has heard the fleet; then everyone sees it participate.
  await waitFor('n6 participates everywhere', async () => {
    for (const n of [n1, n2, n3, n4, n6]) if ((await peers(n)).find(p => p.name === 'n6')?.state !== 'participant') return undefined
    return true
  }, 15_000)
  const joined = await converged([n1, n2, n3, n4, n6], farm.addresses, 15_000)
  const taken = [...joined.owners.values()].filter(o => o === 'n6').length
  assert.ok(taken >= 5 && taken <= 20, `n6 took ${taken} targets`)
  for (const [inst, o] of joined.owners) if (o !== 'n6') assert.equal(o, resumed.owners.get(inst), `${inst} moved between old nodes`)

  // SIGTERM: the leaver says goodbye; its targets move within 2 s.
  n2.proc.child.kill('SIGTERM')
  const left = await converged([n1, n3, n4, n6], farm.addresses, 2_000)
  assert.ok(left.ms <= 2_000)
  for (const [inst, o] of joined.owners) if (o !== 'n2') assert.equal(left.owners.get(inst), o, `${inst} moved although its owner stayed`)
  assert.ok(frozen.ms <= 6_000 && killed.ms <= 6_000)
})

test('config drift: a changed scrape config is shown mismatched and its targets are neither doubled nor dropped among the matching nodes', async () => {
  const farm = await startFarm(20, 2)
  farms.push(farm)
  const fleet = new Fleet()
  fleets.push(fleet)
  const config = scrapeConfig({ targets: farm.addresses, rwURL })
  const drifted = scrapeConfig({ targets: farm.addresses, rwURL, interval: '3s' })
  const a = await fleet.add('a', config, [], [])
  const b = await fleet.add('b', config, [], [a])
  const c = await fleet.add('c', drifted, [], [a])
  await waitFor('a shows c mismatched', async () => {
    const ps = await peers(a)
    const pc = ps.find(p => p.name === 'c')
    return ps.length === 3 && pc?.components['prometheus.scrape.fleet']?.match === false && ps.find(p => p.name === 'b')?.components['prometheus.scrape.fleet']?.match === true
  }, 20_000)
  // The matching pair covers every target exactly once; the drifted node does not take any of theirs.
  const { owners } = await converged([a, b], farm.addresses, 15_000)
  assert.equal(owners.size, 20)
  const fromA = await targets(a)
  assert.ok(fromA.every(t => t.owner?.name === 'a' || t.owner?.name === 'b'), 'the drifted node owns nothing in the view of the matching nodes')
  // c, alone with its config, scrapes all of its targets itself (nothing dropped while the rollout is half done).
  await waitFor('c covers its own config group', async () => (await targets(c)).filter(t => t.local).length === 20 || undefined, 15_000)
})

test('--cluster.wait-for-size holds clustered scraping until the fleet is big enough', async () => {
  const farm = await startFarm(10, 1)
  farms.push(farm)
  const fleet = new Fleet()
  fleets.push(fleet)
  const config = scrapeConfig({ targets: farm.addresses, rwURL, interval: '1s' })
  const a = await fleet.add('w1', config, ['--cluster.wait-for-size=3'], [])
  const b = await fleet.add('w2', config, ['--cluster.wait-for-size=3'], [a])
  await waitFor('w1 sees w2', async () => (await peers(a)).length === 2 || undefined, 15_000)
  await new Promise(r => setTimeout(r, 2500))
  assert.equal((await targets(a)).filter(t => t.local).length, 0)
  assert.equal((await targets(b)).filter(t => t.local).length, 0)
  assert.equal([...farm.scrapes.values()].reduce((x, y) => x + y, 0), 0, 'nothing scraped before the fleet has 3 members')
  const c = await fleet.add('w3', config, ['--cluster.wait-for-size=3'], [a])
  await converged([a, b, c], farm.addresses, 15_000)
})

test('--cluster.key-file: a node with another key or none never joins; --cluster.name keeps fleets apart', async () => {
  const farm = await startFarm(4, 1)
  farms.push(farm)
  const fleet = new Fleet()
  fleets.push(fleet)
  const cli = join(import.meta.dirname, '../../dist/cli.js')
  const key1 = join(fleet.dir, 'k1')
  const key2 = join(fleet.dir, 'k2')
  for (const k of [key1, key2]) assert.equal(spawnSync(process.execPath, [cli, 'cluster', 'keygen', k]).status, 0)
  const config = scrapeConfig({ targets: farm.addresses, rwURL })
  const a = await fleet.add('k-a', config, [`--cluster.key-file=${key1}`], [])
  const b = await fleet.add('k-b', config, [`--cluster.key-file=${key1}`], [a])
  const wrong = await fleet.add('k-wrong', config, [`--cluster.key-file=${key2}`], [a])
  const none = await fleet.add('k-none', config, [], [a])
  // Two unkeyed fleets with different names; the second's node is told both fleets' addresses.
  const x = await fleet.add('x1', config, [], [])
  const y1 = await fleet.add('y1', config, ['--cluster.name=elsewhere'], [])
  const y2 = await fleet.add('y2', config, ['--cluster.name=elsewhere'], [y1, x, none])
  await waitFor('a and b see each other', async () => (await peers(a)).length === 2 || undefined, 15_000)
  await waitFor('the other fleet formed', async () => (await peers(y1)).length === 2 || undefined, 15_000)
  await new Promise(r => setTimeout(r, 3000))
  const names = (await peers(a)).map(p => p.name).sort()
  assert.deepEqual(names, ['k-a', 'k-b'])
  assert.deepEqual((await peers(b)).map(p => p.name).sort(), ['k-a', 'k-b'])
  assert.deepEqual((await peers(wrong)).map(p => p.name), ['k-wrong'])
  assert.deepEqual((await peers(none)).map(p => p.name), ['k-none'])
  assert.deepEqual((await peers(x)).map(p => p.name), ['x1'])
  assert.deepEqual((await peers(y2)).map(p => p.name).sort(), ['y1', 'y2'])
})
