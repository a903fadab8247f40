// The fleet map stays readable at 200 members: past 50 the sites are drawn as one bubble each,
// their links summed, the hubs on their own; and at 3 every member is its own node. The links
// answer is made up here (routed in the browser), the page and its code are the real ones.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { startTestAgent, type TestAgent } from './helpers/agent.js'
import { ensureUIBuilt, haveChromium, launch } from './helpers/ui.js'
import { unavailable } from '../helpers/prereq.js'

interface Link { peerId: string, name: string, kind: string, rttMs: number | null, lastUsed: string, addr: string }

/** `hubs` hubs linked to everyone by TCP; `sites` sites of `per` members linked in a chain inside the site; a few unreachable. */
function fleet (hubs: number, sites: number, per: number): unknown {
  const now = new Date().toISOString()
  const m: Array<{ peerId: string, name: string, site: number }> = []
  for (let h = 0; h < hubs; h++) m.push({ peerId: `12D3KooWhub${h}`, name: `hub-${h}`, site: -1 })
  for (let s = 0; s < sites; s++) for (let i = 0; i < per; i++) m.push({ peerId: `12D3KooWs${s}n${i}`, name: `site${String.fromCharCode(97 + s)}-${i}`, site: s })
  const link = (to: typeof m[0], kind: string): Link => ({ peerId: to.peerId, name: to.name, kind, rttMs: kind === 'gossip' ? null : 1.5, lastUsed: kind === 'gossip' ? '' : now, addr: '' })
  return {
    self: m[0].peerId,
    collectedAt: now,
    members: m.map((x, i) => {
      const links: Link[] = []
      for (const y of m) {
        if (y === x) continue
        if (x.site === -1 || y.site === -1) links.push(link(y, y.site === 1 || x.site === 1 ? 'websockets' : 'tcp'))
        else if (x.site === y.site && Math.abs(Number(x.name.split('-')[1]) - Number(y.name.split('-')[1])) === 1) links.push(link(y, 'tcp'))
        else if (m.length <= 10) links.push(link(y, 'relayed'))
      }
      const lost = i % 37 === 5
      return { peerId: x.peerId, name: x.name, state: 'participant', isSelf: i === 0, reachable: !lost, via: i === 0 ? 'self' : lost ? 'none' : 'direct', ...(lost ? { error: 'no route' } : { links }) }
    }),
  }
}

let t: TestAgent
let browser: Browser | undefined
before(async () => {
  ensureUIBuilt()
  t = await startTestAgent(2)
  if (haveChromium()) browser = await launch()
})
after(async () => { await browser?.close(); await t?.close() })

test('a node without a fleet answers /cluster/links with itself alone', async () => {
  const body = await (await fetch(`${t.base}/api/v0/web/cluster/links`)).json() as { self: string, members: Array<{ isSelf: boolean, reachable: boolean, links: unknown[] }> }
  assert.equal(body.members.length, 1)
  assert.equal(body.members[0].isSelf, true)
  assert.equal(body.members[0].reachable, true)
  assert.deepEqual(body.members[0].links, [])
  const self = await (await fetch(`${t.base}/api/v0/web/cluster/links/self`)).json() as { links: unknown[], history: { stepSeconds: number } }
  assert.deepEqual(self.links, [])
  assert.equal(self.history.stepSeconds, 5)
})

for (const [hubs, sites, per, grouped] of [[1, 2, 1, false], [2, 3, 66, true]] as const) {
  const n = hubs + sites * per
  test(`the map at ${n} members`, async ctx => {
    if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
    await page.route('**/api/v0/web/cluster/links', route => route.fulfill({ json: fleet(hubs, sites, per) }))
    await page.goto(`${t.base}/cluster`)
    await page.waitForSelector('svg.fleetmap')
    const nodes = await page.$$eval('svg.fleetmap g.node', ns => ns.map(g => ({ name: (g as any).dataset.name as string, size: Number((g as any).dataset.groupSize ?? 1), hub: g.classList.contains('hub'), reachable: (g as any).dataset.reachable })))
    const edges = await page.$$eval('svg.fleetmap g.edge', es => es.map(e => ({ from: (e as any).dataset.from, to: (e as any).dataset.to, kind: (e as any).dataset.kind, count: Number((e as any).dataset.count ?? 1) })))
    assert.equal(nodes.reduce((a, x) => a + x.size, 0), n, 'every member drawn once')
    assert.deepEqual(nodes.filter(x => x.hub).map(x => x.name), Array.from({ length: hubs }, (_, i) => `hub-${i}`))
    if (!grouped) {
      assert.equal(nodes.length, n)
      assert.deepEqual(edges.map(e => [[e.from, e.to].sort().join(' '), e.kind]).sort(), [['hub-0 sitea-0', 'tcp'], ['hub-0 siteb-0', 'websockets'], ['sitea-0 siteb-0', 'relayed']])
    } else {
      // one bubble per site: 3 sites of 66 plus the 2 hubs, readable rather than 200 dots
      assert.equal(nodes.length, hubs + sites)
      assert.deepEqual(nodes.filter(x => !x.hub).map(x => [x.name, x.size]), [['sitea ×66', 66], ['siteb ×66', 66], ['sitec ×66', 66]])
      // a hub's links into a site are summed on one edge; site b is reached over WebSockets
      const hubToB = edges.find(e => [e.from, e.to].includes('hub-0') && [e.from, e.to].includes('siteb ×66'))
      assert.deepEqual(hubToB && { kind: hubToB.kind, count: hubToB.count }, { kind: 'websockets', count: 66 })
      assert.equal(edges.length, hubs * sites + 1, 'hub-to-site edges and the link between the hubs') // in-site links stay inside the bubble
      // members that could not be asked are marked on their bubble
      assert.ok(nodes.some(x => x.reachable === 'false'))
      assert.match(await page.textContent('[data-map-note]') ?? '', /cannot be reached from this node/)
    }
    await page.close()
  })
}
