// The UI under a path prefix (--server.http.ui-path-prefix=/shoal/): pages, assets and the API
// answer under the prefix, and in a real browser every request the app makes stays under it.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { registerUI, normalizePrefix, defaultStaticDir } from '../../src/http/ui/routes.js'
import { startTestAgent, type TestAgent } from './helpers/agent.js'
import { ensureUIBuilt, haveChromium, launch } from './helpers/ui.js'
import { unavailable } from '../helpers/prereq.js'

let t: TestAgent
before(async () => {
  ensureUIBuilt()
  t = await startTestAgent(2, '/shoal/')
  registerUI(t.agent.http, { prefix: 'shoal', staticDir: defaultStaticDir() })
})
after(async () => { await t?.close() })

test('normalizePrefix', () => {
  assert.equal(normalizePrefix(''), '/')
  assert.equal(normalizePrefix('/'), '/')
  assert.equal(normalizePrefix('shoal'), '/shoal/')
  assert.equal(normalizePrefix('/a/b'), '/a/b/')
  assert.equal(normalizePrefix('//a//b//'), '/a/b/')
})

test('pages, assets and API under the prefix', async () => {
  const peerPages = ['/shoal/peer/12D3KooWpeer', '/shoal/peer/12D3KooWpeer/', '/shoal/peer/12D3KooWpeer/cluster', '/shoal/peer/12D3KooWpeer/component/prometheus.scrape.demo']
  for (const page of ['/shoal/', '/shoal/cluster', '/shoal/component/prometheus.scrape.demo', ...peerPages]) {
    const res = await fetch(t.base + page)
    assert.equal(res.status, 200, page)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    const html = await res.text()
    assert.match(html, /<base href="\/shoal\/">/, page)
    assert.match(html, /src="assets\/app\.mjs"/)
  }
  const redirect = await fetch(t.base + '/shoal', { redirect: 'manual' })
  assert.equal(redirect.status, 302)
  assert.equal(redirect.headers.get('location'), '/shoal/')

  const js = await fetch(t.base + '/shoal/assets/app.mjs')
  assert.equal(js.status, 200)
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.match(await js.text(), /componentPage/)
  const css = await fetch(t.base + '/shoal/assets/style.css')
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
  assert.equal((await fetch(t.base + '/shoal/assets/nope.js')).status, 404)
  assert.equal((await fetch(t.base + '/shoal/assets/..%2f..%2froutes.ts')).status, 404)
  assert.equal((await fetch(t.base + '/shoal/assets/%2e%2e/index.html')).status, 404)

  const api = await fetch(t.base + '/shoal/api/v0/web/components')
  assert.equal(api.status, 200)
  assert.deepEqual((await api.json() as Array<{ id: string }>).map(c => c.id).sort(), ['prometheus.remote_write.discard', 'prometheus.scrape.demo'])
  const missing = await fetch(t.base + '/shoal/api/v0/web/components/x.y')
  assert.equal(missing.status, 404)
  assert.deepEqual(await missing.json(), { error: 'component x.y not found' })
  // The API stays at its own path too; the UI itself does not answer at the root.
  assert.equal((await fetch(t.base + '/api/v0/web/peers')).status, 200)
  assert.equal((await fetch(t.base + '/cluster')).status, 404)
})

test('in Chromium, the app under /shoal/ loads, navigates and only requests /shoal/ URLs', async (ctx) => {
  if (unavailable(ctx, haveChromium() ? undefined : '/usr/bin/chromium is not installed')) return
  const browser = await launch()
  try {
    const page = await browser.newPage()
    const paths: string[] = []
    page.on('request', r => { paths.push(new URL(r.url()).pathname) })
    const errors: string[] = []
    page.on('pageerror', e => errors.push(e.message))
    await page.goto(t.base + '/shoal/')
    await page.waitForSelector('body[data-loaded] table.components tbody tr[data-id]')
    assert.deepEqual(await page.$$eval('table.components tbody tr', rs => rs.map(r => (r as any).dataset.id)), ['prometheus.remote_write.discard', 'prometheus.scrape.demo'])
    assert.equal(await page.$$eval('.graph svg a.node', ns => ns.length), 2)
    await page.click('table.components a[href="component/prometheus.scrape.demo"]')
    await page.waitForSelector('body[data-loaded] table.targets tbody tr[data-url]')
    assert.equal(new URL(page.url()).pathname, '/shoal/component/prometheus.scrape.demo')
    assert.equal(await page.$$eval('table.targets tbody tr[data-scraped="here"]', rs => rs.length), 2)
    await page.click('nav a[data-nav="cluster"]')
    await page.waitForSelector('body[data-loaded] table.peers tbody tr[data-self="true"]')
    assert.equal(new URL(page.url()).pathname, '/shoal/cluster')
    await page.reload()
    await page.waitForSelector('body[data-loaded] table.peers tbody tr')
    // Another peer's page: this agent is not clustered, so its proxy cannot answer; the page
    // says so (banner and live indicator) and still asks only under the prefix.
    await page.goto(t.base + '/shoal/peer/12D3KooWnobody')
    await page.waitForSelector('#live.err')
    assert.equal(await page.textContent('#live'), 'cannot reach 12D3KooWnobody through this node: 404 Not Found')
    const selfName = (await (await fetch(t.base + '/api/v0/web/peers')).json() as Array<{ name: string, isSelf: boolean }>).find(p => p.isSelf)!.name
    assert.ok((await page.textContent('.via-banner'))!.startsWith(`Viewing 12D3KooWnobody through ${selfName} via none`))
    assert.equal(await page.getAttribute('.via-banner', 'class'), 'via-banner err')
    assert.deepEqual(errors, [])
    const outside = paths.filter(p => !p.startsWith('/shoal/'))
    assert.deepEqual(outside, [])
    assert.ok(paths.includes('/shoal/api/v0/web/components/prometheus.scrape.demo'))
    assert.ok(paths.includes('/shoal/api/v0/web/peers'))
    assert.ok(paths.includes('/shoal/api/v0/web/peers/12D3KooWnobody/components'))
  } finally {
    await browser.close()
  }
})
