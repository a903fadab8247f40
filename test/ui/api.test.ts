// Pins the JSON shapes the UI reads: /api/v0/web/components, /components/{id}, /peers
// (key sets and value types), on an agent scraping real targets.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startTestAgent, type TestAgent } from './helpers/agent.js'
import { waitFor } from '../helpers/net.js'

let t: TestAgent
before(async () => { t = await startTestAgent(2) })
after(async () => { await t?.close() })

const getJSON = async (path: string): Promise<any> => {
  const res = await fetch(t.base + path)
  assert.equal(res.status, 200, path)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  return await res.json()
}

/** key → typeof (with 'array' and 'null'), sorted by key. */
function shape (o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(o).sort()) out[k] = o[k] === null ? 'null' : Array.isArray(o[k]) ? 'array' : typeof o[k]
  return out
}

const SUMMARY = {
  componentType: 'string', health: 'object', id: 'string', label: 'string', localID: 'string', moduleID: 'string',
  name: 'string', referencedBy: 'array', referencesTo: 'array', type: 'string',
}

test('GET /api/v0/web/components: one summary per component', async () => {
  const list = await getJSON('/api/v0/web/components') as any[]
  assert.deepEqual(list.map(c => c.id).sort(), ['prometheus.remote_write.discard', 'prometheus.scrape.demo'])
  for (const c of list) {
    assert.deepEqual(shape(c), SUMMARY)
    assert.deepEqual(shape(c.health), { message: 'string', state: 'string', updatedTime: 'string' })
    assert.ok(!Number.isNaN(Date.parse(c.health.updatedTime)))
  }
  const scrape = list.find(c => c.id === 'prometheus.scrape.demo')
  assert.equal(scrape.name, 'prometheus.scrape')
  assert.equal(scrape.label, 'demo')
  assert.equal(scrape.localID, 'prometheus.scrape.demo')
  assert.equal(scrape.moduleID, '')
  assert.deepEqual(scrape.referencesTo, ['prometheus.remote_write.discard'])
  assert.deepEqual(list.find(c => c.id === 'prometheus.remote_write.discard').referencedBy, ['prometheus.scrape.demo'])
})

test('GET /api/v0/web/components/{id}: arguments, exports and scrape debug info', async () => {
  const c = await getJSON('/api/v0/web/components/prometheus.scrape.demo')
  assert.deepEqual(shape(c), { ...SUMMARY, arguments: 'array', debugInfo: 'object', exports: 'array' })
  const targets = c.arguments.find((s: any) => s.name === 'targets')
  assert.deepEqual(shape(targets), { name: 'string', type: 'string', value: 'object' })
  assert.equal(targets.type, 'attr')
  assert.equal(targets.value.type, 'array')
  assert.equal(targets.value.value.length, 2)
  assert.equal(targets.value.value[0].type, 'object')
  assert.deepEqual(targets.value.value[0].value.map((e: any) => e.key), ['__address__', 'site'])
  assert.deepEqual(c.arguments.find((s: any) => s.name === 'scrape_interval').value, { type: 'string', value: '1s' })
  const rw = await getJSON('/api/v0/web/components/prometheus.remote_write.discard')
  const endpoint = rw.arguments.find((s: any) => s.name === 'endpoint')
  assert.equal(endpoint.type, 'block')
  assert.ok(Array.isArray(endpoint.body))
  assert.deepEqual(rw.exports.map((e: any) => [e.name, e.type, e.value.type]), [['receiver', 'attr', 'capsule']])

  const info = await waitFor('both targets scraped', async () => {
    const d = await getJSON('/api/v0/web/components/prometheus.scrape.demo')
    return d.debugInfo.targets.every((x: any) => x.health === 'up') && d.debugInfo
  }, 10_000)
  assert.deepEqual(shape(info), { clustered: 'boolean', targets: 'array' })
  assert.equal(info.clustered, false)
  assert.equal(info.targets.length, 2)
  for (const x of info.targets) {
    assert.deepEqual(shape(x), {
      discovered_labels: 'object', health: 'string', job: 'string', key: 'string', labels: 'object', last_error: 'string', last_scrape: 'string',
      last_scrape_duration: 'string', local: 'boolean', owner: 'object', samples: 'number', series: 'number', url: 'string',
    })
    assert.equal(x.local, true)
    assert.deepEqual(shape(x.owner), { name: 'string', peerId: 'string' })
    assert.match(x.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    assert.match(x.last_scrape_duration, /^[\d.]+(ns|µs|us|ms|s)/)
  }
  assert.deepEqual(info.targets.map((x: any) => x.url).sort(), t.farm.addresses.map(a => `http://${a}/metrics`).sort())
})

test('GET /api/v0/web/components/{id} of an unknown component is a JSON 404', async () => {
  const res = await fetch(t.base + '/api/v0/web/components/nope.nope')
  assert.equal(res.status, 404)
  assert.deepEqual(await res.json(), { error: 'component nope.nope not found' })
})

test('GET /api/v0/web/peers: this node, with shoal\'s fields', async () => {
  const peers = await getJSON('/api/v0/web/peers') as any[]
  assert.equal(peers.length, 1)
  const p = peers[0]
  assert.deepEqual(shape(p), {
    addr: 'string', addresses: 'array', components: 'object', httpAddr: 'string', isSelf: 'boolean', lastHeartbeat: 'string',
    lastHeartbeatAgeMs: 'number', name: 'string', peerId: 'string', state: 'string', targetsOwned: 'object', version: 'string',
  })
  assert.equal(p.isSelf, true)
  assert.equal(p.state, 'participant')
  assert.deepEqual(p.targetsOwned, { 'prometheus.scrape.demo': 2 })
  for (const v of Object.values<any>(p.components)) assert.deepEqual(shape(v), { configHash: 'string', match: 'boolean' })
})

test('GET /api/v0/web/components/{id}/targets/{key}/history and /ownership', async () => {
  const d = await getJSON('/api/v0/web/components/prometheus.scrape.demo')
  const key = d.debugInfo.targets[0].key as string
  assert.match(key, /^[0-9a-f]{16}$/)
  const h = await waitFor('two scrapes in the history', async () => {
    const x = await getJSON(`/api/v0/web/components/prometheus.scrape.demo/targets/${key}/history`)
    return x.scrapes.length >= 2 && x
  }, 10_000)
  assert.equal(h.local, true)
  for (const s of h.scrapes) {
    assert.deepEqual(shape(s), { durationSeconds: 'number', error: 'string', samples: 'number', time: 'string', up: 'boolean' })
    assert.equal(s.up, true)
  }
  assert.ok(Date.parse(h.scrapes[1].time) > Date.parse(h.scrapes[0].time))
  const o = await getJSON(`/api/v0/web/components/prometheus.scrape.demo/targets/${key}/ownership`)
  assert.equal(o.clustered, false)
  assert.equal(o.key, key)
  assert.equal(o.url, d.debugInfo.targets[0].url)
  assert.equal(o.owners.length, 1)
  assert.equal(o.successor, null)
  const missing = await fetch(`${t.base}/api/v0/web/components/prometheus.scrape.demo/targets/0000000000000000/ownership`)
  assert.equal(missing.status, 404)
  assert.match((await missing.json() as { error: string }).error, /target 0000000000000000 not found/)
  assert.equal((await fetch(`${t.base}/api/v0/web/components/prometheus.remote_write.discard/targets/${key}/history`)).status, 404)
})
