// The UI shows modules as Alloy's does: a declared component's page lists its inner components,
// and each inner component has its own page under its module-qualified id.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { Agent } from '../../src/agent.js'
import { createSink } from '../../src/logging/logger.js'
import { startFarm, type Farm } from '../../src/demo/farm.js'
import { unavailable } from '../helpers/prereq.js'
import { tempDir } from '../helpers/proc.js'
import { discardReceiver } from './helpers/agent.js'
import { ensureUIBuilt, haveChromium, launch } from './helpers/ui.js'

let agent: Agent | undefined
let farm: Farm | undefined
let sink: Awaited<ReturnType<typeof discardReceiver>> | undefined
let browser: Browser | undefined
let base = ''
const dir = tempDir('ui-modules')

before(async () => {
  ensureUIBuilt()
  farm = await startFarm(2, 2)
  sink = await discardReceiver()
  const config = join(dir, 'config.alloy')
  writeFileSync(config, `declare "scraper" {
  argument "targets" { }
  argument "forward_to" { }
  prometheus.scrape "inner" {
    targets         = argument.targets.value
    forward_to      = argument.forward_to.value
    scrape_interval = "1s"
    scrape_timeout  = "500ms"
  }
}
scraper "a" {
  targets    = [${farm.addresses.map(a => `{"__address__" = "${a}"}`).join(', ')}]
  forward_to = [prometheus.remote_write.discard.receiver]
}
prometheus.remote_write "discard" {
  endpoint {
    url = "${sink.url}"
  }
}
`)
  agent = new Agent({
    configPath: config, listenHost: '127.0.0.1', listenPort: 0, storagePath: join(dir, 'data'),
    stabilityLevel: 'generally-available', uiPathPrefix: '/', sink: createSink('error', 'logfmt', () => {}), cluster: undefined,
  })
  await agent.start()
  base = `http://127.0.0.1:${agent.http.address!.port}`
  if (haveChromium()) browser = await launch()
})

after(async () => {
  await browser?.close()
  await agent?.stop()
  await farm?.close()
  await sink?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('a declared component\'s page lists its inner components; each opens under its module id', async ctx => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const page = await browser!.newPage()
  await page.goto(`${base}/component/scraper.a`)
  const item = page.locator('[data-module-list] a')
  await item.first().waitFor({ timeout: 10_000 })
  assert.deepEqual(await item.allTextContents(), ['prometheus.scrape.inner'])
  await item.first().click()
  await page.waitForURL(/\/component\/scraper\.a\/prometheus\.scrape\.inner$/)
  await page.locator('[data-title]').filter({ hasText: 'scraper.a/prometheus.scrape.inner' }).waitFor({ timeout: 10_000 })
  // Its own targets table: the two farm targets, scraped here.
  await page.waitForFunction("document.querySelectorAll('[data-table] tbody tr').length === 2", undefined, { timeout: 10_000 })
  assert.equal(await page.locator('[data-info]').textContent().then(t => t?.includes('scraper.a')), true, 'module shown')
  await page.close()
})
