// A fleet across networks, in network namespaces: a hub and two sites that reach only the hub.
// Site B listens and dials WebSockets only; the hub listens on TCP and WebSockets and relays.
// Needs root and `ip netns` (skipped with the reason otherwise, failed under SHOAL_REQUIRE_TOOLS=1) and a build (`npm run build`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'
import { HUB_TARGET_IP, IP, makeNets, netnsUnavailable, nsGet, nsJSON, type Nets } from './netns.js'

const ROOT = join(import.meta.dirname, '../..')
const HTTP = 'http://127.0.0.1:12345' // every namespace has its own loopback
const COMPONENT = 'prometheus.scrape.fleet'

interface Agent { name: string, ns: string, proc: Proc }
interface Peer { name: string, peerId: string, isSelf: boolean, state: string, addresses: string[] }
interface Target { labels: { instance: string }, local: boolean, health: string, owner: { name: string } | null }

function config (targets: string[], sink: string): string {
  return `prometheus.scrape "fleet" {
  targets         = [${targets.map(t => `{"__address__" = "${t}"}`).join(', ')}]
  forward_to      = [prometheus.remote_write.out.receiver]
  scrape_interval = "1s"
  scrape_timeout  = "800ms"
  clustering {
    enabled = true
  }
}

prometheus.remote_write "out" {
  endpoint {
    url = "http://${sink}/api/v1/write"
  }
}
`
}

async function firstLine (p: Proc, timeoutMs: number): Promise<string> {
  return await waitFor('child output', () => { const o = p.output(); const i = o.indexOf('\n'); return i > 0 ? o.slice(0, i) : undefined }, timeoutMs, 50)
}

/** instance → name of the agent scraping it, from each agent's own debug info; throws on a double owner. */
async function owners (agents: Agent[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const a of agents) {
    const c = await nsJSON<{ debugInfo: { targets: Target[] } }>(a.ns, `${HTTP}/api/v0/web/components/${COMPONENT}`)
    for (const t of c.debugInfo.targets) {
      if (!t.local) continue
      const prev = out.get(t.labels.instance)
      if (prev !== undefined) throw new Error(`${t.labels.instance} scraped by ${prev} and ${a.name}`)
      out.set(t.labels.instance, a.name)
    }
  }
  return out
}

test('hub + two sites: membership, disjoint split, API across sites via the relay, failover', { timeout: 180_000 }, async t => {
  if (unavailable(t, netnsUnavailable())) return
  const nets: Nets = makeNets()
  const procs: Proc[] = []
  try {
    const farm = start('ip', ['netns', 'exec', nets.hub, process.execPath, '--import', 'tsx', join(ROOT, 'test/netns/farm-child.ts'), HUB_TARGET_IP, '9'],
      { cwd: ROOT, env: { SHOAL_NETNS_CHILD: '1' } })
    procs.push(farm)
    const { targets, control } = JSON.parse(await firstLine(farm, 20_000)) as { targets: string[], control: string }
    const dir = tempDir('netns')
    const cfg = join(dir, 'config.alloy')
    writeFileSync(cfg, config(targets, control))

    const agent = (name: string, ns: string, flags: string[]): Agent => {
      mkdirSync(join(dir, name), { recursive: true })
      const proc = start('ip', ['netns', 'exec', ns, process.execPath, join(ROOT, 'dist/cli.js'), 'run', cfg,
        `--server.http.listen-addr=127.0.0.1:12345`, `--storage.path=${join(dir, name)}`, '--cluster.enabled',
        `--cluster.node-name=${name}`, '--cluster.rejoin-interval=2s', ...flags], { cwd: ROOT })
      procs.push(proc)
      return { name, ns, proc }
    }
    const hub = agent('hub', nets.hub, ['--cluster.listen-addr=/ip4/0.0.0.0/tcp/7000,/ip4/0.0.0.0/tcp/7001/ws', '--cluster.relay'])
    const siteA = agent('site-a', nets.a, [`--cluster.listen-addr=/ip4/${IP.siteA}/tcp/7000`, `--cluster.join-addresses=${IP.hubA}:7000`])
    const siteB = agent('site-b', nets.b, [`--cluster.listen-addr=/ip4/${IP.siteB}/tcp/7001/ws`, `--cluster.join-addresses=/ip4/${IP.hubB}/tcp/7001/ws`])
    const agents = [hub, siteA, siteB]
    const describe = (): string => agents.map(a => `--- ${a.name}\n${a.proc.output().slice(-3000)}`).join('\n')

    // every node lists all three, as participants, although the sites never connect directly
    const ids = new Map<string, string>()
    await waitFor('all three agents list all three participants', async () => {
      for (const a of agents) {
        const ps = await nsJSON<Peer[]>(a.ns, `${HTTP}/api/v0/web/peers`)
        if (ps.length !== 3 || ps.some(p => p.state !== 'participant')) return undefined
        for (const p of ps) ids.set(p.name, p.peerId)
      }
      return true
    }, 60_000, 500).catch(err => { throw new Error(`${err.message}\n${describe()}`) })
    assert.deepEqual([...ids.keys()].sort(), ['hub', 'site-a', 'site-b'])

    // addresses: the hub speaks TCP and WebSockets, nobody advertises loopback, site B only WebSockets
    const fromA = await nsJSON<Peer[]>(siteA.ns, `${HTTP}/api/v0/web/peers`)
    const hubAddrs = fromA.find(p => p.name === 'hub')!.addresses
    assert.ok(hubAddrs.some(x => /\/tcp\/7000\/p2p\//.test(x)) && hubAddrs.some(x => /\/tcp\/7001\/ws\/p2p\//.test(x)), hubAddrs.join(' '))
    assert.ok(fromA.every(p => p.addresses.every(x => !x.startsWith('/ip4/127.'))), JSON.stringify(fromA.map(p => p.addresses)))
    const bAddrs = await waitFor('site B to announce a relay address', async () => {
      const p = (await nsJSON<Peer[]>(siteA.ns, `${HTTP}/api/v0/web/peers`)).find(x => x.name === 'site-b')!
      return p.addresses.some(x => x.includes('/p2p-circuit')) ? p.addresses : undefined
    }, 30_000, 500)
    assert.ok(bAddrs.filter(x => !x.includes('/p2p-circuit')).every(x => x.includes('/ws/')), bAddrs.join(' '))

    // targets split disjointly and every one is scraped
    const split = await waitFor('every target owned once', async () => {
      const o = await owners(agents)
      return o.size === targets.length ? o : undefined
    }, 30_000, 500)
    assert.equal(new Set(split.values()).size, 3, `every agent owns some targets: ${JSON.stringify([...split])}`)
    await waitFor('every target scraped', async () => {
      const stats = await nsJSON<Record<string, number>>(nets.hub, `http://${control}/stats`)
      return targets.every(t => (stats[t] ?? 0) > 0)
    }, 20_000, 500)

    // site A shows site B's scrape debug info, fetched over libp2p through the hub
    const local = (body: { debugInfo: { targets: Target[] } }): string[] => body.debugInfo.targets.filter(t => t.local).map(t => t.labels.instance).sort()
    const bOwn = await nsJSON<{ debugInfo: { targets: Target[] } }>(siteB.ns, `${HTTP}/api/v0/web/components/${COMPONENT}`)
    const viaA = await nsGet(siteA.ns, `${HTTP}/api/v0/web/peers/${ids.get('site-b')!}/components/${COMPONENT}`, 20)
    assert.equal(viaA.status, 200, viaA.body)
    assert.match(viaA.headers, /x-shoal-via: relay\r?$/im) // B reserved a slot on the hub: A dials B's /p2p-circuit address
    assert.deepEqual(local(JSON.parse(viaA.body)), local(bOwn))
    assert.deepEqual(local(bOwn), [...split].filter(([, n]) => n === 'site-b').map(([t]) => t).sort())
    const listB = await nsGet(siteA.ns, `${HTTP}/api/v0/web/peers/${ids.get('site-b')!}/components`, 20)
    assert.equal(listB.status, 200)
    assert.ok((JSON.parse(listB.body) as Array<{ id: string }>).some(c => c.id === COMPONENT))
    const peersOfB = await nsGet(siteA.ns, `${HTTP}/api/v0/web/peers/${ids.get('site-b')!}/peers`, 20)
    assert.deepEqual((JSON.parse(peersOfB.body) as Peer[]).filter(p => p.isSelf).map(p => p.name), ['site-b'])
    

    // SIGKILL site A: its targets move to the others within the detection window
    const t0 = Date.now()
    await siteA.proc.stop('SIGKILL')
    const after = await waitFor('site A targets taken over', async () => {
      const o = await owners([hub, siteB])
      return o.size === targets.length ? o : undefined
    }, 20_000, 250)
    const ms = Date.now() - t0
    t.diagnostic(`site A's targets moved in ${ms} ms`)
    assert.ok(ms < 15_000, `took ${ms} ms`)
    assert.deepEqual(new Set(after.values()), new Set(['hub', 'site-b']))
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGKILL').catch(() => {})
    nets.destroy()
  }
})
