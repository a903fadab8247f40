// Web UI with 5,000 targets: time to first render of /component/{id} in Chromium (navigation
// start → first targets row in the DOM), plus a filter keystroke and "show all".
// A fake API (HttpServer + registerUI) serves a clustered scrape over 3 peers.
// Run: node_modules/.bin/node --import tsx scripts/bench-ui.ts
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { HttpServer, sendJSON } from '../src/http/server.js'
import { nopLogger } from '../src/logging/logger.js'
import { defaultStaticDir, registerUI } from '../src/http/ui/routes.js'

const TARGETS = 5000
const RUNS = 5
const ID = 'prometheus.scrape.bench'
const peers = ['bench-a', 'bench-b', 'bench-c'].map((name, i) => ({
  name, addr: `127.0.0.1:${1000 + i}`, isSelf: i === 0, state: 'participant', peerId: `12D3KooWbench${i}`,
  addresses: [`/ip4/127.0.0.1/tcp/${2000 + i}`], httpAddr: `127.0.0.1:${1000 + i}`, version: '0.1.0',
  lastHeartbeat: new Date().toISOString(), lastHeartbeatAgeMs: 300, components: { [ID]: { configHash: 'abcdef0123456789', match: true } },
  targetsOwned: { [ID]: Math.round(TARGETS / 3) },
}))
const now = new Date().toISOString()
const targets = Array.from({ length: TARGETS }, (_, i) => {
  const owner = peers[i % 3]
  const addr = `10.0.${Math.floor(i / 250)}.${i % 250}:9100`
  return {
    job: ID, url: `http://${addr}/metrics`, health: i % 3 === 0 ? (i % 97 === 0 ? 'down' : 'up') : 'unknown',
    labels: { instance: addr, job: ID, site: `dc-${i % 7}`, rack: `r${i % 40}` }, discovered_labels: { __address__: addr, site: `dc-${i % 7}` },
    last_error: i % 97 === 0 ? 'Get "http://' + addr + '/metrics": dial tcp: connection refused' : '', last_scrape: i % 3 === 0 ? now : '',
    last_scrape_duration: i % 3 === 0 ? '1.234567ms' : '0s', series: 120, samples: 120, local: i % 3 === 0,
    owner: { peerId: owner.peerId, name: owner.name },
  }
})
const detail = {
  moduleID: '', localID: ID, id: ID, name: 'prometheus.scrape', label: 'bench',
  health: { state: 'healthy', message: 'started component', updatedTime: now }, referencesTo: [], referencedBy: [],
  arguments: [{ name: 'targets', type: 'attr', value: { type: 'array', value: targets.map(t => ({ type: 'object', value: Object.entries(t.discovered_labels).map(([key, v]) => ({ key, value: { type: 'string', value: v } })) })) } }],
  exports: [], debugInfo: { clustered: true, targets },
}
const body = JSON.stringify(detail)

const server = new HttpServer(nopLogger)
server.route('GET', '/api/v0/web/components/:id', (_req, res) => sendJSON(res, 200, detail))
server.route('GET', '/api/v0/web/peers', (_req, res) => sendJSON(res, 200, peers))
registerUI(server, { prefix: '/', staticDir: defaultStaticDir() })
const { port } = await server.listen('127.0.0.1', 0)
if (!existsSync('/usr/bin/chromium')) { console.error('bench-ui: /usr/bin/chromium is missing'); process.exit(1) }
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const first: number[] = []; const filter: number[] = []; const all: number[] = []
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    // Records when the first target row appears, measured from navigation start.
    await page.addInitScript(() => {
      new MutationObserver((_m, obs) => {
        if (document.querySelector('table.targets tbody tr[data-url]')) { (window as any).__firstRow = performance.now(); obs.disconnect() }
      }).observe(document, { childList: true, subtree: true })
    })
    await page.goto(`http://127.0.0.1:${port}/component/${ID}?refresh=3600`)
    await page.waitForFunction(() => (window as any).__firstRow !== undefined)
    first.push(await page.evaluate(() => (window as any).__firstRow as number))
    filter.push(await page.evaluate(async () => {
      const input = document.querySelector<HTMLInputElement>('input[data-f="text"]')!
      const t0 = performance.now()
      input.value = 'dc-3'
      input.dispatchEvent(new Event('input'))
      // The filter is debounced (120 ms); count only the work after it.
      await new Promise<void>(resolve => {
        const obs = new MutationObserver(() => { obs.disconnect(); resolve() })
        obs.observe(document.querySelector('table.targets tbody')!, { childList: true })
      })
      return performance.now() - t0 - 120
    }))
    all.push(await page.evaluate(async () => {
      const t0 = performance.now()
      document.querySelector<HTMLInputElement>('input[data-f="text"]')!.value = ''
      document.querySelector<HTMLElement>('[data-all]')!.click()
      await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))
      return performance.now() - t0
    }))
    await page.close()
  }
} finally {
  await browser.close()
  await server.close()
}
console.log(`bench-ui: ${TARGETS} targets, API body ${(body.length / 1e6).toFixed(2)} MB, median of ${RUNS} runs`)
console.log(`  first render of /component/{id}: ${median(first).toFixed(0)} ms (runs: ${first.map(x => x.toFixed(0)).join(', ')})`)
console.log(`  filter keystroke (after debounce): ${median(filter).toFixed(0)} ms`)
console.log(`  "show all" (${TARGETS} rows, incl. layout): ${median(all).toFixed(0)} ms`)
