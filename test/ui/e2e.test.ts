// Two clustered agents (separate processes) split 20 farm targets; each agent's UI, read in a
// real Chromium, shows which targets it scrapes itself: the two sets are disjoint and cover all.
// The cluster page lists both peers and links to the other peer's pages through this node (and,
// secondarily, to its own UI); agent A shows agent B's pages through its libp2p API proxy.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { discardReceiver, scrapeConfig } from './helpers/agent.js'
import { ARTIFACTS, ROOT, ensureUIBuilt, haveChromium, launch } from './helpers/ui.js'
import { unavailable } from '../helpers/prereq.js'

const N = 20
const COMPONENT = 'prometheus.scrape.demo'
let farm: Farm
let sink: Awaited<ReturnType<typeof discardReceiver>>
let browser: Browser | undefined
let dir: string
const procs: Proc[] = []
const nodes: Array<{ name: string, http: number, p2p: number, base: string }> = []
/** Node name → libp2p peer id, once the fleet has formed. */
const ids = new Map<string, string>()

before(async () => {
  if (!haveChromium()) return
  ensureUIBuilt()
  dir = tempDir('ui-e2e')
  farm = await startFarm(N, 3)
  sink = await discardReceiver()
  writeFileSync(join(dir, 'agent.alloy'), scrapeConfig(farm.addresses, sink.url, { clustered: true, interval: '1s' }))
  for (const name of ['ui-a', 'ui-b']) {
    const http = await freePort()
    nodes.push({ name, http, p2p: await freePort(), base: `http://127.0.0.1:${http}` })
  }
  for (const n of nodes) {
    const other = nodes.find(o => o !== n)!
    mkdirSync(join(dir, n.name))
    procs.push(start(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/ui-agent.ts'), join(dir, 'agent.alloy'),
      `--server.http.listen-addr=127.0.0.1:${n.http}`, `--storage.path=${join(dir, n.name)}`,
      '--cluster.enabled', `--cluster.node-name=${n.name}`, `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${n.p2p}`,
      `--cluster.join-addresses=127.0.0.1:${other.p2p}`, '--cluster.rejoin-interval=2s', '--cluster.discover-peers=bootstrap'], { cwd: ROOT }))
  }
  browser = await launch()
})

after(async () => {
  await browser?.close()
  for (const p of procs) await p.stop()
  await farm?.close()
  await sink?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const getJSON = async (url: string): Promise<any> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return await res.json()
}

/** The targets table as the page shows it: url → "here" or the owner's name. */
async function readTargets (page: Page): Promise<Map<string, string>> {
  const rows = await page.$$eval('table.targets tbody tr[data-url]', rs => rs.map(r => {
    const e = r as any
    return [e.dataset.url!, e.dataset.scraped === 'here' ? 'here' : (e.dataset.owner ?? '')] as [string, string]
  }))
  return new Map(rows)
}


/** Screenshots always go to test-artifacts/; docs/ is refreshed only when asked (SHOAL_UPDATE_DOCS=1). */
function docShot (from: string, name: string): void {
  if (process.env.SHOAL_UPDATE_DOCS === '1') copyFileSync(from, join(ROOT, 'docs', name))
}

test('each agent\'s component page shows a disjoint share of the targets, together all of them', async (ctx) => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const all = farm.addresses.map(a => `http://${a}/metrics`).sort()
  // The fleet has formed and settled: both nodes see two participants and agree on ownership.
  await waitFor('a settled two-node fleet', async () => {
    const views = await Promise.all(nodes.map(async n => {
      const peers = await getJSON(`${n.base}/api/v0/web/peers`) as Array<{ state: string }>
      const c = await getJSON(`${n.base}/api/v0/web/components/${COMPONENT}`)
      return { peers, local: (c.debugInfo.targets as Array<{ url: string, local: boolean }>).filter(t => t.local).map(t => t.url) }
    }))
    return views.every(v => v.peers.length === 2 && v.peers.every(p => p.state === 'participant')) &&
      views[0].local.length + views[1].local.length === N && views[0].local.length > 0 && views[1].local.length > 0
  }, 60_000, 500)
  for (const p of await getJSON(`${nodes[0].base}/api/v0/web/peers`) as Array<{ name: string, peerId: string }>) ids.set(p.name, p.peerId)

  const pages: Page[] = []
  for (const n of nodes) {
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } })
    await page.goto(`${n.base}/component/${COMPONENT}`)
    await page.waitForSelector('body[data-loaded] table.targets tbody tr[data-url]')
    pages.push(page)
  }
  // Read both pages until one refresh shows a consistent split (ownership may still be moving).
  let views: Array<Map<string, string>> = []
  const consistent = (): boolean => {
    const [a, b] = views.map(v => [...v].filter(([, o]) => o === 'here').map(([u]) => u))
    return a.length + b.length === N && new Set([...a, ...b]).size === N
  }
  const deadline = Date.now() + 20_000
  do {
    views = await Promise.all(pages.map(readTargets))
    if (consistent()) break
    await new Promise(r => setTimeout(r, 1000))
  } while (Date.now() < deadline)

  const [hereA, hereB] = views.map(v => [...v].filter(([, o]) => o === 'here').map(([u]) => u).sort())
  assert.equal(views[0].size, N, 'agent A lists every target')
  assert.equal(views[1].size, N, 'agent B lists every target')
  assert.deepEqual(hereA.filter(u => hereB.includes(u)), [], 'no target is scraped by both')
  assert.deepEqual([...hereA, ...hereB].sort(), all, 'together they scrape every target')
  assert.ok(hereA.length > 0 && hereB.length > 0, `both scrape a share (${hereA.length}/${hereB.length})`)
  // What A says B scrapes is exactly what B scrapes, and the other way round.
  assert.deepEqual([...views[0]].filter(([, o]) => o === 'ui-b').map(([u]) => u).sort(), hereB)
  assert.deepEqual([...views[1]].filter(([, o]) => o === 'ui-a').map(([u]) => u).sort(), hereA)

  // "scraped by ui-b" links to the same component on ui-b, through this node; the small
  // secondary link goes to ui-b's own UI.
  const hrefs = await pages[0].$$eval('table.targets a.peer-link', as => [...new Set(as.map(a => (a as any).href))])
  assert.deepEqual(hrefs, [`${nodes[0].base}/peer/${ids.get('ui-b')}/component/${COMPONENT}`])
  const own = await pages[0].$$eval('table.targets a.peer-own', as => [...new Set(as.map(a => (a as any).href))])
  assert.deepEqual(own, [`${nodes[1].base}/component/${COMPONENT}`])
  const count = await pages[0].textContent('[data-count]')
  assert.equal(count, `${N} targets · ${hereA.length} scraped here · ${hereB.length} by peers`)

  // Filtering and sorting happen in the page.
  await pages[0].selectOption('select[data-f="owner"]', 'here')
  assert.equal(await pages[0].$$eval('table.targets tbody tr[data-url]', rs => rs.length), hereA.length)
  await pages[0].fill('input[data-f="text"]', hereA[0].replace('http://', ''))
  await pages[0].waitForFunction(() => (globalThis as any).document.querySelectorAll('table.targets tbody tr[data-url]').length === 1)
  await pages[0].fill('input[data-f="text"]', '')
  await pages[0].selectOption('select[data-f="owner"]', '')
  await pages[0].waitForFunction(n => (globalThis as any).document.querySelectorAll('table.targets tbody tr[data-url]').length === n, N)

  mkdirSync(ARTIFACTS, { recursive: true })
  for (const [i, page] of pages.entries()) await page.evaluate(() => { const g = globalThis as any; g.document.activeElement?.blur(); g.scrollTo(0, 0) }).then(() => page.screenshot({ path: join(ARTIFACTS, `ui-component-${nodes[i].name}.png`), fullPage: true }))
  docShot(join(ARTIFACTS, 'ui-component-ui-a.png'), 'ui-component.png')
  for (const p of pages) await p.close()
})

test('the cluster page lists both peers, their split, and links to the other peer\'s own UI', async (ctx) => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const [a, b] = nodes
  const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(`${a.base}/cluster`)
  await page.waitForFunction(() => { const d = (globalThis as any).document; return d.body.dataset.loaded === 'true' && d.querySelectorAll('table.peers tbody tr[data-peer]').length === 2 })
  const rows = await page.$$eval('table.peers tbody tr[data-peer]', rs => rs.map(r => ({
    name: (r as any).dataset.peer,
    self: (r as any).dataset.self,
    state: r.querySelector('.badge')?.textContent,
    mismatch: r.classList.contains('mismatch'),
    owned: Number(r.querySelector('td.num b')?.textContent),
  })))
  assert.deepEqual(rows.map(r => [r.name, r.self, r.state, r.mismatch]), [['ui-a', 'true', 'participant', false], ['ui-b', 'false', 'participant', false]])
  assert.equal(rows[0].owned + rows[1].owned, N)
  assert.equal(await page.$$eval('[data-split] > div', ds => ds.length), 2)
  assert.equal(await page.textContent('#node'), 'node ui-a')
  await page.screenshot({ path: join(ARTIFACTS, 'ui-cluster.png'), fullPage: true })
  docShot(join(ARTIFACTS, 'ui-cluster.png'), 'ui-cluster.png')

  assert.equal(await page.getAttribute('tr[data-peer="ui-b"] a.peer-ui', 'href'), `peer/${ids.get('ui-b')}`)
  await page.click('tr[data-peer="ui-b"] a.peer-own')
  await page.waitForURL(`${b.base}/`)
  await page.waitForSelector('body[data-loaded] table.components tbody tr[data-id]')
  await page.waitForFunction(() => (globalThis as any).document.querySelector('#node')?.textContent === 'node ui-b')
  assert.deepEqual(await page.$$eval('table.components tbody tr', rs => rs.map(r => (r as any).dataset.id)), ['prometheus.remote_write.discard', COMPONENT])
  // The graph: both components, one edge, the scrape right of the remote_write it references.
  const boxes = await page.$$eval('.graph a.node', ns => ns.map(n => [(n as any).dataset.id, n.getBoundingClientRect().x]))
  assert.equal(boxes.length, 2)
  const x = Object.fromEntries(boxes) as Record<string, number>
  assert.ok(x[COMPONENT] > x['prometheus.remote_write.discard'])
  assert.equal(await page.$$eval('.graph path.edge', es => es.length), 1)
  await page.screenshot({ path: join(ARTIFACTS, 'ui-components.png'), fullPage: true })
  await page.close()
})

test('through agent A, agent B\'s scrape component lists exactly the targets B says it scrapes', async (ctx) => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const [a, b] = nodes
  const idB = ids.get('ui-b')!
  const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } })
  // Every proxied request the page makes, to see it poll without reloading.
  let polls = 0
  page.on('request', r => { if (r.url() === `${a.base}/api/v0/web/peers/${idB}/components/${COMPONENT}`) polls++ })
  await page.goto(`${a.base}/peer/${idB}/component/${COMPONENT}?refresh=1`)
  await page.waitForSelector('body[data-loaded] table.targets tbody tr[data-url]')

  // B's own API is the truth; read both until one poll agrees (ownership may still move).
  let shown: Map<string, string> = new Map()
  let truth: string[] = []
  const mine = (v: Map<string, string>, who: string): string[] => [...v].filter(([, o]) => o === who).map(([u]) => u).sort()
  const deadline = Date.now() + 20_000
  do {
    const c = await getJSON(`${b.base}/api/v0/web/components/${COMPONENT}`)
    truth = (c.debugInfo.targets as Array<{ url: string, local: boolean }>).filter(t => t.local).map(t => t.url).sort()
    shown = await readTargets(page)
    if (JSON.stringify(mine(shown, 'here')) === JSON.stringify(truth)) break
    await new Promise(r => setTimeout(r, 1000))
  } while (Date.now() < deadline)
  assert.ok(truth.length > 0 && truth.length < N, `B scrapes a share (${truth.length})`)
  assert.deepEqual(mine(shown, 'here'), truth, 'rows marked as scraped by the viewed peer are exactly B\'s')
  assert.equal(shown.size, N)
  const all = farm.addresses.map(x => `http://${x}/metrics`)
  assert.deepEqual(mine(shown, 'ui-a'), all.filter(u => !truth.includes(u)).sort(), 'the rest are ui-a\'s')
  assert.equal(await page.textContent('[data-count]'), `${N} targets · ${truth.length} scraped by ui-b · ${N - truth.length} by others`)
  assert.equal(await page.textContent(`table.targets tr[data-url="${truth[0]}"] td.owner`), 'scraped by ui-b')

  // The banner names both ends and how A reached B (two loopback nodes: a direct link).
  assert.equal(await page.getAttribute('.via-banner', 'data-via'), 'direct')
  assert.match((await page.textContent('.via-banner'))!, /^Viewing ui-b through ui-a via direct/)
  assert.equal(await page.getAttribute('.via-banner a.peer-own', 'href'), `${b.base}/`)
  // "scraped by ui-a": ui-a is this node, so the link is this node's own page.
  assert.deepEqual(await page.$$eval('table.targets a.peer-link', as => [...new Set(as.map(x => (x as any).href))]), [`${a.base}/component/${COMPONENT}`])
  // Dependencies stay on B, through A.
  assert.equal(await page.getAttribute('[data-deps] a', 'href'), `peer/${idB}/component/prometheus.remote_write.discard`)

  // Live: the page keeps polling B through A, without a reload.
  await page.evaluate(() => { (globalThis as any).__sameDocument = true })
  const seen = polls
  const until = Date.now() + 10_000
  while (polls < seen + 2 && Date.now() < until) await new Promise(r => setTimeout(r, 200))
  assert.ok(polls >= seen + 2, `polled again (${seen} → ${polls})`)
  assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true)

  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, 'ui-peer-component.png'), fullPage: true })
  docShot(join(ARTIFACTS, 'ui-peer-component.png'), 'ui-peer-component.png')
  await page.close()
})

test('from A\'s cluster page, a click opens B\'s pages through A', async (ctx) => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const [a, b] = nodes
  const idB = ids.get('ui-b')!
  const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(`${a.base}/cluster`)
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('table.peers tbody tr[data-peer]').length === 2)
  await page.evaluate(() => { (globalThis as any).__sameDocument = true })

  await page.click('tr[data-peer="ui-b"] a.peer-ui')
  await page.waitForURL(`${a.base}/peer/${idB}`)
  await page.waitForSelector('body[data-loaded] table.components tbody tr[data-id]')
  const bComps = (await getJSON(`${b.base}/api/v0/web/components`) as Array<{ id: string }>).map(c => c.id).sort()
  assert.deepEqual(await page.$$eval('table.components tbody tr', rs => rs.map(r => (r as any).dataset.id)), bComps)
  assert.equal(await page.textContent('.via-banner [data-peer-name]'), 'ui-b')
  assert.equal(await page.$$eval('.graph a.node', ns => ns.length), 2)
  assert.equal(await page.getAttribute(`.graph a.node[data-id="${COMPONENT}"]`, 'href'), `peer/${idB}/component/${COMPONENT}`)

  // The fleet as B sees it, through A: B is the viewed peer, A this node.
  await page.click('.via-banner a:text("Cluster")')
  await page.waitForURL(`${a.base}/peer/${idB}/cluster`)
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('table.peers tbody tr[data-peer]').length === 2)
  const tags = await page.$$eval('table.peers tbody tr[data-peer]', rs => rs.map(r => [(r as any).dataset.peer, (r as any).dataset.self, [...r.querySelectorAll('.tag')].map(t => t.textContent).join(',')]))
  assert.deepEqual(tags, [['ui-a', 'false', 'this node'], ['ui-b', 'true', 'viewed']])

  // Back on A's own cluster page, B's targets-owned count opens B's component through A.
  await page.click('nav a[data-nav="cluster"]')
  await page.waitForURL(`${a.base}/cluster`)
  await page.waitForSelector('tr[data-peer="ui-b"] a.owned')
  await page.click('tr[data-peer="ui-b"] a.owned')
  await page.waitForURL(`${a.base}/peer/${idB}/component/${COMPONENT}`)
  await page.waitForFunction(n => (globalThis as any).document.querySelectorAll('table.targets tbody tr[data-url]').length === n, N)
  assert.match((await page.textContent('[data-count]'))!, new RegExp(`^${N} targets · \\d+ scraped by ui-b · \\d+ by others$`))
  assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true, 'navigated inside the app, no reload')
  await page.close()
})
