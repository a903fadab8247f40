// The fleet map, "why here" and scrape history, in a real Chromium, on the namespace fleet of
// test/netns/ (a hub and two sites that reach only the hub; site B speaks WebSockets only). The
// browser runs inside the hub's namespace and reads the hub's UI under a path prefix.
// Needs root and `ip netns`, Chromium and a build (`npm run build`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { start, tempDir, type Proc } from '../helpers/proc.js'
import { waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'
import { HUB_TARGET_IP, IP, makeNets, netnsUnavailable, nsJSON, type Nets } from '../netns/netns.js'
import { ARTIFACTS, CHROMIUM, ROOT, docShot, ensureUIBuilt, haveChromium } from './helpers/ui.js'

const HTTP = 'http://127.0.0.1:12345'
const PREFIX = '/fleet/'
const COMPONENT = 'prometheus.scrape.fleet'
/** On the hub's loopback, where nothing listens: scrapes fail with "connection refused". */
const FAILING = `${HUB_TARGET_IP}:9`

interface Agent { name: string, ns: string, proc: Proc }

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

interface Edge { from: string, to: string, kind: string }

const pair = (e: Edge): string => [e.from, e.to].sort().join(' ')

async function mapEdges (page: Page): Promise<Map<string, string>> {
  const es = await page.$$eval('svg.fleetmap g.edge', gs => gs.map(g => ({ from: (g as any).dataset.from, to: (g as any).dataset.to, kind: (g as any).dataset.kind })))
  return new Map(es.map(e => [pair(e), e.kind]))
}

/** Launches Chromium inside namespace `ns` (playwright talks to it over a pipe, which crosses namespaces). */
async function launchIn (ns: string, dir: string): Promise<Browser> {
  const wrapper = join(dir, 'chromium-in-ns')
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`)
  chmodSync(wrapper, 0o755)
  return await chromium.launch({
    executablePath: wrapper,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/**
 * An element's screenshot, taken again when the page re-rendered the element while the shot
 * waited for it to be stable (the live pages redraw on every refresh).
 */
async function elementShot (page: Page, selector: string, path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.locator(selector).screenshot({ path, timeout: 10_000 })
      return
    } catch (err) {
      if (attempt >= 5 || !/not attached|detached/i.test(String(err))) throw err
    }
  }
}

test('fleet map, why-here panel and scrape history on the hub-and-sites fleet', { timeout: 240_000 }, async t => {
  if (unavailable(t, netnsUnavailable() ?? (haveChromium() ? undefined : `${CHROMIUM} is not installed`))) return
  ensureUIBuilt()
  const nets: Nets = makeNets()
  const procs: Proc[] = []
  let browser: Browser | undefined
  try {
    const farm = start('ip', ['netns', 'exec', nets.hub, process.execPath, '--import', 'tsx', join(ROOT, 'test/netns/farm-child.ts'), HUB_TARGET_IP, '9'],
      { cwd: ROOT, env: { SHOAL_NETNS_CHILD: '1' } })
    procs.push(farm)
    const { targets, control } = JSON.parse(await waitFor('farm', () => { const o = farm.output(); const i = o.indexOf('\n'); return i > 0 ? o.slice(0, i) : undefined }, 20_000, 50)) as { targets: string[], control: string }
    const dir = tempDir('fleet-map')
    const cfg = join(dir, 'config.alloy')
    writeFileSync(cfg, config([...targets, FAILING], control))
    const agent = (name: string, ns: string, flags: string[]): Agent => {
      mkdirSync(join(dir, name), { recursive: true })
      const proc = start('ip', ['netns', 'exec', ns, process.execPath, join(ROOT, 'dist/cli.js'), 'run', cfg,
        '--server.http.listen-addr=127.0.0.1:12345', `--server.http.ui-path-prefix=${PREFIX}`, `--storage.path=${join(dir, name)}`, '--cluster.enabled',
        `--cluster.node-name=${name}`, '--cluster.rejoin-interval=2s', ...flags], { cwd: ROOT })
      procs.push(proc)
      return { name, ns, proc }
    }
    const hub = agent('hub', nets.hub, ['--cluster.listen-addr=/ip4/0.0.0.0/tcp/7000,/ip4/0.0.0.0/tcp/7001/ws', '--cluster.relay'])
    const siteA = agent('site-a', nets.a, [`--cluster.listen-addr=/ip4/${IP.siteA}/tcp/7000`, `--cluster.join-addresses=${IP.hubA}:7000`])
    const siteB = agent('site-b', nets.b, [`--cluster.listen-addr=/ip4/${IP.siteB}/tcp/7001/ws`, `--cluster.join-addresses=/ip4/${IP.hubB}/tcp/7001/ws`])
    const agents = [hub, siteA, siteB]
    const describe = (): string => agents.map(a => `--- ${a.name}\n${a.proc.output().slice(-3000)}`).join('\n')
    await waitFor('all three agents list all three participants', async () => {
      for (const a of agents) {
        const ps = await nsJSON<Array<{ state: string }>>(a.ns, `${HTTP}/api/v0/web/peers`)
        if (ps.length !== 3 || ps.some(p => p.state !== 'participant')) return undefined
      }
      return true
    }, 60_000, 500).catch(err => { throw new Error(`${err.message}\n${describe()}`) })

    mkdirSync(ARTIFACTS, { recursive: true })
    browser = await launchIn(nets.hub, dir)
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const base = `${HTTP}${PREFIX}`

    // 1. the map: direct links to the hub (TCP to A, WebSockets to B), relayed or forwarded between the sites
    await page.goto(`${base}cluster?refresh=1`)
    const edges = await waitFor('the map to show the three links', async () => {
      const e = await mapEdges(page)
      const hubA = e.get('hub site-a')
      const hubB = e.get('hub site-b')
      const ab = e.get('site-a site-b')
      return hubA === 'tcp' && hubB === 'websockets' && (ab === 'relayed' || ab === 'gossip') ? e : undefined
    }, 40_000, 500).catch(async err => { throw new Error(`${err.message}: ${JSON.stringify([...await mapEdges(page)])}\n${describe()}`) })
    assert.equal(edges.size, 3)
    assert.equal(await page.getAttribute('svg.fleetmap g.node[data-name="hub"]', 'class'), 'node hub self')
    assert.deepEqual(await page.$$eval('svg.fleetmap g.node', ns => ns.map(n => (n as any).dataset.reachable)), ['true', 'true', 'true'])
    // keyboard: the sites are links (to their pages through the hub), reached with Tab
    const hrefs = await page.$$eval('svg.fleetmap a', as => as.map(a => a.getAttribute('href')))
    assert.equal(hrefs.length, 2)
    let focused = ''
    for (let i = 0; i < 40 && !focused.includes('peer/'); i++) {
      await page.keyboard.press('Tab')
      focused = await page.evaluate(() => { const a = (globalThis as any).document.activeElement; return a?.closest?.('svg.fleetmap') ? a.getAttribute('href') ?? '' : '' })
    }
    assert.match(focused, /^peer\/12D3/)
    // sparklines: two points make a line (one every 5 s)
    await waitFor('sparklines for every node', async () => (await page.$$('td[data-sparks] svg[data-points]')).length === 6, 30_000, 1000)
    await page.evaluate(() => { (globalThis as any).document.activeElement?.blur() })
    await elementShot(page, '[data-map-card]', join(ARTIFACTS, 'ui-fleet-map.png'))
    docShot(join(ARTIFACTS, 'ui-fleet-map.png'), 'ui-fleet-map.png')
    await page.evaluate(() => { (globalThis as any).document.documentElement.dataset.theme = 'dark' })
    await page.screenshot({ path: join(ARTIFACTS, 'ui-cluster-dark.png'), fullPage: true })
    docShot(join(ARTIFACTS, 'ui-cluster-dark.png'), 'ui-cluster-dark.png')
    await page.evaluate(() => { (globalThis as any).document.documentElement.dataset.theme = 'light' })

    // 2. the failing target's history shows its up=0 scrapes
    await page.goto(`${base}component/${COMPONENT}?refresh=1`)
    const failing = `tr[data-url="http://${FAILING}/metrics"]`
    await page.waitForSelector(`${failing} button[data-why]`)
    await page.click(`${failing} button[data-why]`)
    const down = await waitFor('up=0 scrapes in the chart', async () => {
      const n = await page.$$eval('tr.detail svg.history rect[data-up="0"]', rs => rs.length)
      return n >= 3 ? n : undefined
    }, 30_000, 500)
    assert.equal(await page.$$eval('tr.detail svg.history rect[data-up="1"]', rs => rs.length), 0, 'nothing listens there: no scrape is up')
    t.diagnostic(`${down} failed scrapes shown`)
    assert.match(await page.textContent('tr.detail [data-last-error]') ?? '', /refused|ECONNREFUSED/i)
    await page.click(`${failing} button[data-why]`) // closes it

    // 3. a target a site owns: the panel names owner and successor; SIGKILL the owner, the successor owns it
    const rows = await page.$$eval('table.targets tr[data-url]', rs => rs.map(r => ({ url: (r as any).dataset.url as string, owner: (r as any).dataset.owner as string })))
    const row = rows.find(r => r.owner.startsWith('site-') && !r.url.includes(FAILING))
    assert.ok(row, JSON.stringify(rows))
    const sel = `tr[data-url="${row.url}"]`
    await page.click(`${sel} button[data-why]`)
    await page.waitForSelector('tr.detail [data-owner] a')
    const owner = (await page.textContent('tr.detail [data-owner]'))!.trim()
    const successor = (await page.textContent('tr.detail [data-successor]'))!.trim()
    assert.equal(owner, row.owner)
    assert.notEqual(successor, owner)
    assert.ok(['hub', 'site-a', 'site-b'].includes(successor), successor)
    assert.equal(await page.$$eval('tr.detail table.ranking tbody tr', rs => rs.length), 3)
    await elementShot(page, 'tr.detail', join(ARTIFACTS, 'ui-why-here.png'))
    docShot(join(ARTIFACTS, 'ui-why-here.png'), 'ui-why-here.png')

    const victim = agents.find(a => a.name === owner)!
    await victim.proc.stop('SIGKILL')
    await waitFor(`${successor} to own it in the panel`, async () => {
      const o = (await page.textContent('tr.detail [data-owner]').catch(() => ''))?.trim()
      return o === successor ? true : undefined
    }, 30_000, 500)
    // and the fleet map marks the dead member gone (it leaves the member list) with its links
    await page.goto(`${base}cluster?refresh=1`)
    await waitFor('the map without the killed node', async () => {
      const names = await page.$$eval('svg.fleetmap g.node', ns => ns.map(n => (n as any).dataset.name))
      return names.length === 2 && !names.includes(owner) ? true : undefined
    }, 30_000, 500)
  } finally {
    await browser?.close().catch(() => {})
    for (const p of procs.reverse()) await p.stop('SIGKILL').catch(() => {})
    nets.destroy()
  }
})
