// A fleet of mixed architectures: two x64 single-file binaries and one arm64 binary (under
// qemu-user emulation), each agent in its own network namespace, one config, a target farm in the
// hub namespace that routes between them. One fleet; the targets split disjointly and all are
// scraped; an x64 node's HTTP API shows the arm64 agent's debug info (fetched from it over
// libp2p); SIGKILL of the arm64 agent moves its targets to the x64 ones.
// Needs root + `ip netns` and qemu-aarch64-static with the arm64 libc (skipped with the reason
// otherwise, failed under SHOAL_REQUIRE_TOOLS=1).
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'
import { netnsUnavailable, nsGet, nsJSON } from '../netns/netns.js'
import { makeStar, siteIP, STAR_HUB_IP, type Star } from '../netns/star.js'
import { ensureBinaries, haveQemu, runner } from './binaries.js'

const ROOT = join(import.meta.dirname, '../..')
const HTTP = 'http://127.0.0.1:12345' // every namespace has its own loopback
const SCRAPE = 'prometheus.scrape.fleet'
const WRITE = 'prometheus.remote_write.out'
const TARGETS = 24 // three owners each miss all 24 with odds ~1e-4

interface Agent { name: string, arch: 'x64' | 'arm64', ns: string, proc: Proc, started: number }
interface Peer { name: string, peerId: string, state: string }
interface Target { labels: { instance: string }, local: boolean }
interface Detail { debugInfo: { targets: Target[] }, arguments: unknown }

// `constants.arch` in external_labels: each agent says which architecture evaluated the config.
function config (targets: string[], sink: string): string {
  return `prometheus.scrape "fleet" {
  targets         = [${targets.map(t => `{"__address__" = "${t}"}`).join(', ')}]
  forward_to      = [prometheus.remote_write.out.receiver]
  scrape_interval = "2s"
  scrape_timeout  = "1500ms"
  clustering {
    enabled = true
  }
}

prometheus.remote_write "out" {
  external_labels = {"arch" = constants.arch}
  endpoint {
    url = "http://${sink}/api/v1/write"
  }
}
`
}

const local = (d: Detail): string[] => d.debugInfo.targets.filter(t => t.local).map(t => t.labels.instance).sort()

/** instance → name of the agent scraping it, from each agent's own debug info; throws on a double owner. */
async function owners (agents: Agent[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const a of agents) {
    for (const instance of local(await nsJSON<Detail>(a.ns, `${HTTP}/api/v0/web/components/${SCRAPE}`))) {
      const prev = out.get(instance)
      if (prev !== undefined) throw new Error(`${instance} scraped by ${prev} and ${a.name}`)
      out.set(instance, a.name)
    }
  }
  return out
}

before(async () => { if (haveQemu() && netnsUnavailable() === undefined) await ensureBinaries() })

test('two x64 agents and one emulated arm64 agent: one fleet, disjoint split, debug info across, failover', { timeout: 420_000 }, async t => {
  if (unavailable(t, netnsUnavailable() ?? (haveQemu() ? undefined : 'no qemu-aarch64-static / arm64 libc (/usr/aarch64-linux-gnu)'))) return
  const star: Star = makeStar('shoal15', 3)
  const procs: Proc[] = []
  try {
    const farm = start('ip', ['netns', 'exec', star.hub, process.execPath, '--import', 'tsx', join(ROOT, 'test/netns/farm-child.ts'), STAR_HUB_IP, String(TARGETS)],
      { cwd: ROOT, env: { SHOAL_NETNS_CHILD: '1' } })
    procs.push(farm)
    const first = await waitFor('farm', () => { const o = farm.output(); const i = o.indexOf('\n'); return i > 0 ? o.slice(0, i) : undefined }, 20_000, 50)
    const { targets, control } = JSON.parse(first) as { targets: string[], control: string }
    const dir = tempDir('mixed-arch')
    const cfg = join(dir, 'config.alloy')
    writeFileSync(cfg, config(targets, control))

    const names = ['x64-a', 'x64-b', 'arm64'] as const
    const agents: Agent[] = names.map((name, i) => {
      const arch = name === 'arm64' ? 'arm64' : 'x64'
      const ns = star.sites[i]
      mkdirSync(join(dir, name))
      const join_ = names.map((_, j) => j).filter(j => j !== i).map(j => `${siteIP(j)}:7000`).join(',')
      const proc = start('ip', ['netns', 'exec', ns, ...runner(arch), 'run', cfg, '--server.http.listen-addr=127.0.0.1:12345',
        `--storage.path=${join(dir, name)}`, '--cluster.enabled', `--cluster.node-name=${name}`,
        `--cluster.listen-addr=/ip4/${siteIP(i)}/tcp/7000`, `--cluster.join-addresses=${join_}`, '--cluster.rejoin-interval=2s'],
      { cwd: dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })
      procs.push(proc)
      return { name, arch, ns, proc, started: Date.now() }
    })
    const describe = (): string => agents.map(a => `--- ${a.name}\n${a.proc.output().slice(-3000)}`).join('\n')

    // start to /-/ready, per architecture (the arm64 one is emulated: this is what the test waits for,
    // ~1 min on a loaded 2-core machine, more when other tests run beside it)
    await Promise.all(agents.map(async a => {
      await waitFor(`${a.name} ready`, async () => (await nsGet(a.ns, `${HTTP}/-/ready`, 2).catch(() => ({ status: 0 }))).status === 200, 240_000, 250)
        .catch(err => { throw new Error(`${err.message}\n${describe()}`) })
      t.diagnostic(`${a.name} (${a.arch}${a.arch === 'arm64' ? ', qemu-user' : ''}): start to /-/ready ${Date.now() - a.started} ms`)
    }))

    // one fleet: every node lists all three as participants
    const ids = new Map<string, string>()
    await waitFor('all three agents list all three participants', async () => {
      for (const a of agents) {
        const ps = await nsJSON<Peer[]>(a.ns, `${HTTP}/api/v0/web/peers`)
        if (ps.length !== 3 || ps.some(p => p.state !== 'participant')) return undefined
        for (const p of ps) ids.set(p.name, p.peerId)
      }
      return true
    }, 60_000, 500).catch(err => { throw new Error(`${err.message}\n${describe()}`) })
    assert.deepEqual([...ids.keys()].sort(), ['arm64', 'x64-a', 'x64-b'])

    // targets split disjointly, each agent owns some, and every target is scraped
    const split = await waitFor('every target owned once', async () => {
      const o = await owners(agents)
      return o.size === targets.length ? o : undefined
    }, 30_000, 500)
    assert.deepEqual(new Set(split.values()), new Set(names), `every agent owns some targets: ${JSON.stringify([...split])}`)
    await waitFor('every target scraped', async () => {
      const stats = await nsJSON<Record<string, number>>(star.hub, `http://${control}/stats`)
      return targets.every(x => (stats[x] ?? 0) > 0)
    }, 30_000, 500)

    // the arm64 agent's debug info, read through an x64 node's HTTP API (over libp2p)
    const armOwn = await nsJSON<Detail>(agents[2].ns, `${HTTP}/api/v0/web/components/${SCRAPE}`)
    const viaX64 = await nsGet(agents[0].ns, `${HTTP}/api/v0/web/peers/${ids.get('arm64')!}/components/${SCRAPE}`, 20)
    assert.equal(viaX64.status, 200, viaX64.body)
    assert.deepEqual(local(JSON.parse(viaX64.body) as Detail), local(armOwn))
    assert.deepEqual(local(armOwn), [...split].filter(([, n]) => n === 'arm64').map(([x]) => x).sort())
    // and it is the arm64 build that answers: its config evaluated constants.arch to "arm64"
    const archOf = async (peer: string): Promise<string> => {
      const r = await nsGet(agents[0].ns, `${HTTP}/api/v0/web/peers/${ids.get(peer)!}/components/${WRITE}`, 20)
      assert.equal(r.status, 200, r.body)
      const m = /"arch"[^}]*?"value"\s*:\s*"([a-z0-9]+)"|"arch"\s*:\s*"([a-z0-9]+)"/.exec(r.body)
      assert.ok(m, r.body.slice(0, 2000))
      return (m[1] ?? m[2])
    }
    assert.equal(await archOf('arm64'), 'arm64')
    assert.equal(await archOf('x64-b'), 'amd64')

    // SIGKILL the arm64 agent: its targets move to the x64 ones
    const t0 = Date.now()
    await agents[2].proc.stop('SIGKILL')
    const after = await waitFor('arm64 targets taken over', async () => {
      const o = await owners(agents.slice(0, 2))
      return o.size === targets.length ? o : undefined
    }, 20_000, 250)
    const ms = Date.now() - t0
    t.diagnostic(`the arm64 agent's targets moved in ${ms} ms`)
    assert.ok(ms < 15_000, `took ${ms} ms`)
    assert.deepEqual(new Set(after.values()), new Set(['x64-a', 'x64-b']))
  } finally {
    for (const p of procs.reverse()) await p.stop('SIGKILL').catch(() => {})
    star.destroy()
  }
})
