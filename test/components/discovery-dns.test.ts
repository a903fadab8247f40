import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket, type Socket } from 'node:dgram'
import { Registry } from 'prom-client'
import { kind, type Args } from '../../src/components/discovery/dns.js'
import { DNS_SERVER_ENV } from '../../src/discovery/dns-sd.js'
import { fakeGlobals as globalsFor } from '../helpers/globals.js'

// A tiny authoritative DNS server on 127.0.0.1 speaking the wire format (RFC 1035, SRV: RFC 2782).
interface Srv { priority: number, weight: number, port: number, target: string }
interface Zone { A?: string[], AAAA?: string[], SRV?: Srv[], MX?: Array<{ pref: number, host: string }>, NS?: string[], servfail?: boolean }
const TYPE = { A: 1, NS: 2, MX: 15, AAAA: 28, SRV: 33 } as const

function encodeName (name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(p => p !== '')
  return Buffer.concat([...parts.map(p => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])])
}

function u16 (n: number): Buffer { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b }

function ipv6 (addr: string): Buffer {
  const [head = '', tail = ''] = addr.split('::')
  const h = head === '' ? [] : head.split(':')
  const t = tail === '' ? [] : tail.split(':')
  const groups = addr.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h
  return Buffer.concat(groups.map(g => u16(parseInt(g, 16))))
}

/** Answers one query message from the zone map; unknown names get NXDOMAIN. */
function answer (query: Buffer, zones: Map<string, Zone>): Buffer {
  let off = 12
  const labels: string[] = []
  while (query[off] !== 0) { const len = query[off]; labels.push(query.subarray(off + 1, off + 1 + len).toString('ascii')); off += len + 1 }
  off += 1
  const qtype = query.readUInt16BE(off)
  const question = query.subarray(12, off + 4)
  const zone = zones.get(labels.join('.').toLowerCase())
  const records: Array<[number, Buffer]> = []
  if (zone !== undefined && zone.servfail !== true) {
    if (qtype === TYPE.A) for (const ip of zone.A ?? []) records.push([TYPE.A, Buffer.from(ip.split('.').map(Number))])
    if (qtype === TYPE.AAAA) for (const ip of zone.AAAA ?? []) records.push([TYPE.AAAA, ipv6(ip)])
    if (qtype === TYPE.SRV) for (const s of zone.SRV ?? []) records.push([TYPE.SRV, Buffer.concat([u16(s.priority), u16(s.weight), u16(s.port), encodeName(s.target)])])
    if (qtype === TYPE.MX) for (const mx of zone.MX ?? []) records.push([TYPE.MX, Buffer.concat([u16(mx.pref), encodeName(mx.host)])])
    if (qtype === TYPE.NS) for (const ns of zone.NS ?? []) records.push([TYPE.NS, encodeName(ns)])
  }
  const rcode = zone === undefined ? 3 : zone.servfail === true ? 2 : 0
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0) // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2) // QR AA, RD copied, RA
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(records.length, 6)
  const rrs = records.map(([type, rdata]) => Buffer.concat([
    u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 60]), u16(rdata.length), rdata,
  ]))
  return Buffer.concat([header, question, ...rrs])
}

const zones = new Map<string, Zone>()
let socket: Socket
let queries = 0

before(async () => {
  socket = createSocket('udp4')
  socket.on('message', (msg, rinfo) => { queries++; socket.send(answer(msg, zones), rinfo.port, rinfo.address) })
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  process.env[DNS_SERVER_ENV] = `127.0.0.1:${(socket.address()).port}`
})

after(() => {
  delete process.env[DNS_SERVER_ENV]
  socket.close()
})

const fakeGlobals = (registry = new Registry()): ReturnType<typeof globalsFor> => globalsFor('discovery.dns.test', registry)

async function until (cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 10))
  }
}

/** Runs the component until its first refresh has settled; returns its targets and health. */
async function discover (args: Partial<Args>, registry = new Registry()): Promise<{ targets: unknown, health: string, message: string }> {
  const g = fakeGlobals(registry)
  const c = kind.build(g, { names: [], refresh_interval: 30_000, type: 'SRV', port: 0, ...args })
  const ac = new AbortController()
  const done = c.run(ac.signal)
  try {
    await until(() => c.currentHealth!().state !== 'unknown', 'first refresh')
  } finally {
    ac.abort()
    await done
  }
  const h = c.currentHealth!()
  return { targets: JSON.parse(JSON.stringify(g.exports.at(-1)!.targets)), health: h.state, message: h.message }
}

const empty = { __meta_dns_srv_record_target: '', __meta_dns_srv_record_port: '', __meta_dns_mx_record_target: '', __meta_dns_ns_record_target: '' }

test('A records: one target per address with the configured port', async () => {
  zones.set('web.test.local', { A: ['10.1.0.1', '10.1.0.2'] })
  const r = await discover({ names: ['web.test.local'], type: 'A', port: 9100 })
  assert.equal(r.health, 'healthy')
  assert.deepEqual(r.targets, [
    { __address__: '10.1.0.1:9100', __meta_dns_name: 'web.test.local', ...empty },
    { __address__: '10.1.0.2:9100', __meta_dns_name: 'web.test.local', ...empty },
  ])
})

test('AAAA records: IPv6 addresses are bracketed', async () => {
  zones.set('v6.test.local', { AAAA: ['fd00::1', '2001:db8:0:0:0:0:0:42'] })
  const r = await discover({ names: ['v6.test.local'], type: 'aaaa', port: 80 })
  assert.deepEqual(r.targets, [
    { __address__: '[fd00::1]:80', __meta_dns_name: 'v6.test.local', ...empty },
    { __address__: '[2001:db8::42]:80', __meta_dns_name: 'v6.test.local', ...empty },
  ])
})

test('SRV records (default type): target and port from the record, rooted name in the meta label', async () => {
  zones.set('_metrics._tcp.test.local', { SRV: [{ priority: 10, weight: 5, port: 9090, target: 'node1.test.local' }, { priority: 10, weight: 5, port: 9091, target: 'node2.test.local' }] })
  zones.set('_other._tcp.test.local', { SRV: [{ priority: 0, weight: 0, port: 7000, target: 'node3.test.local' }] })
  const r = await discover({ names: ['_metrics._tcp.test.local', '_other._tcp.test.local'] })
  assert.equal(r.health, 'healthy')
  assert.deepEqual(r.targets, [
    { ...empty, __address__: 'node1.test.local:9090', __meta_dns_name: '_metrics._tcp.test.local', __meta_dns_srv_record_target: 'node1.test.local.', __meta_dns_srv_record_port: '9090' },
    { ...empty, __address__: 'node2.test.local:9091', __meta_dns_name: '_metrics._tcp.test.local', __meta_dns_srv_record_target: 'node2.test.local.', __meta_dns_srv_record_port: '9091' },
    { ...empty, __address__: 'node3.test.local:7000', __meta_dns_name: '_other._tcp.test.local', __meta_dns_srv_record_target: 'node3.test.local.', __meta_dns_srv_record_port: '7000' },
  ])
})

test('MX and NS records: the record target with the configured port', async () => {
  zones.set('mail.test.local', { MX: [{ pref: 10, host: 'mx1.test.local' }], NS: ['ns1.test.local'] })
  const mx = await discover({ names: ['mail.test.local'], type: 'MX', port: 25 })
  assert.deepEqual(mx.targets, [{ ...empty, __address__: 'mx1.test.local:25', __meta_dns_name: 'mail.test.local', __meta_dns_mx_record_target: 'mx1.test.local.' }])
  const ns = await discover({ names: ['mail.test.local'], type: 'NS', port: 53 })
  assert.deepEqual(ns.targets, [{ ...empty, __address__: 'ns1.test.local:53', __meta_dns_name: 'mail.test.local', __meta_dns_ns_record_target: 'ns1.test.local.' }])
})

test('a name with no records of the type is healthy and empty; NXDOMAIN is unhealthy', async () => {
  zones.set('nosrv.test.local', { A: ['10.9.9.9'] })
  const none = await discover({ names: ['nosrv.test.local'] })
  assert.deepEqual(none, { targets: [], health: 'healthy', message: '0 targets' })
  const registry = new Registry()
  const nx = await discover({ names: ['missing.test.local'], type: 'A', port: 80 }, registry)
  assert.deepEqual(nx, { targets: [], health: 'unhealthy', message: 'lookup missing.test.local A: no such host (NXDOMAIN)' })
  assert.match(await registry.getSingleMetricAsString('prometheus_sd_dns_lookups_total'), /^prometheus_sd_dns_lookups_total 1$/m)
  // Prometheus counts NXDOMAIN as an answer, not a lookup failure.
  assert.match(await registry.getSingleMetricAsString('prometheus_sd_dns_lookup_failures_total'), /^prometheus_sd_dns_lookup_failures_total 0$/m)
})

test('a failing lookup keeps that name\'s last good targets; refresh picks up changes; update applies at once', async (t) => {
  zones.set('flaky.test.local', { A: ['10.2.0.1'] })
  zones.set('steady.test.local', { A: ['10.3.0.1'] })
  const registry = new Registry()
  const g = fakeGlobals(registry)
  const c = kind.build(g, { names: ['flaky.test.local', 'steady.test.local'], refresh_interval: 200, type: 'A', port: 80 })
  const ac = new AbortController()
  const done = c.run(ac.signal)
  t.after(async () => { ac.abort(); await done })
  const addrs = (): string[] => (g.exports.at(-1)!.targets as Array<Record<string, string>>).map(t => t.__address__)
  await until(() => g.exports.length === 2, 'first refresh')
  assert.deepEqual(addrs(), ['10.2.0.1:80', '10.3.0.1:80'])

  zones.set('flaky.test.local', { servfail: true })
  zones.set('steady.test.local', { A: ['10.3.0.2'] })
  await until(() => c.currentHealth!().state === 'unhealthy', 'unhealthy on SERVFAIL')
  assert.equal(c.currentHealth!().message, 'lookup flaky.test.local A: server failure (SERVFAIL)')
  assert.deepEqual(addrs(), ['10.2.0.1:80', '10.3.0.2:80'], 'the failing name keeps its targets, the other updates')
  assert.match(await registry.getSingleMetricAsString('prometheus_sd_dns_lookup_failures_total'), /^prometheus_sd_dns_lookup_failures_total [1-9]\d*$/m)

  zones.set('flaky.test.local', { A: ['10.2.0.9'] })
  await until(() => c.currentHealth!().state === 'healthy', 'recovery')
  assert.deepEqual(addrs(), ['10.2.0.9:80', '10.3.0.2:80'])

  const before = g.exports.length
  await c.update({ names: ['steady.test.local'], refresh_interval: 60_000, type: 'A', port: 8080 })
  await until(() => g.exports.length === before + 1, 'refresh after update')
  assert.deepEqual(addrs(), ['10.3.0.2:8080'])

  ac.abort()
  await done
  const n = queries
  await new Promise(r => setTimeout(r, 300))
  assert.equal(queries, n, 'no queries after stop')
})

test('validate: port required for non-SRV types, type checked', () => {
  const base: Args = { names: ['x'], refresh_interval: 30_000, type: 'SRV', port: 0 }
  assert.deepEqual(kind.validate!(base), [])
  assert.deepEqual(kind.validate!({ ...base, type: 'A' }), ['a port is required in DNS-SD configs for all record types except SRV'])
  assert.deepEqual(kind.validate!({ ...base, type: 'TXT' }), ['invalid DNS-SD records type TXT'])
  assert.deepEqual(kind.validate!({ ...base, type: 'mx', port: 25 }), [])
})
