// Peer links are always encrypted: two agents run a clustered scrape whose names, labels and
// config text are distinctive; a capture of their peer-to-peer ports contains none of those
// strings. Without a fleet key only the Noise negotiation is plaintext; with --cluster.key-file
// not even that is (the private network encrypts from the first byte), and a node without the
// key never becomes a peer nor shows in any API.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { mkdirSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { captureLoopback, captureUnavailable, type Capture } from './capture.js'
import { unavailable } from '../helpers/prereq.js'

const CLI = join(import.meta.dirname, '../../dist/cli.js')
const procs: Proc[] = []
const captures: Capture[] = []
const servers: Server[] = []

after(async () => {
  for (const c of captures) await c.stop()
  for (const p of procs) await p.stop('SIGKILL')
  for (const s of servers) { s.closeAllConnections(); s.close() }
})

// Everything here must stay inside the encrypted channel.
const SECRETS = {
  nodeA: 'quokka-node-alpha',
  nodeB: 'quokka-node-bravo',
  fleet: 'wombatfleet',
  component: 'zebra_secret_job',
  jobName: 'okapi-job-name',
  metric: 'pangolin_secret_metric',
  labelValue: 'narwhal-label-value-7731',
  externalLabel: 'axolotl-external-9',
  configText: 'capybara-relabel-replacement',
}

interface Node { name: string, proc: Proc, base: string, p2pPort: number }

async function targetServer (): Promise<string> {
  const s = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' })
    res.end(`${SECRETS.metric}{tenant="${SECRETS.labelValue}"} 1\n`)
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  servers.push(s)
  return `127.0.0.1:${(s.address() as { port: number }).port}`
}

async function sink (): Promise<string> {
  const s = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()) })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  servers.push(s)
  return `http://127.0.0.1:${(s.address() as { port: number }).port}/api/v1/write`
}

function config (targets: string[], rwURL: string): string {
  return `prometheus.scrape "${SECRETS.component}" {
  targets         = [${targets.map(t => `{"__address__" = "${t}", "team" = "${SECRETS.labelValue}"}`).join(', ')}]
  forward_to      = [prometheus.relabel.r.receiver]
  job_name        = "${SECRETS.jobName}"
  scrape_interval = "1s"
  scrape_timeout  = "500ms"
  clustering {
    enabled = true
  }
}

prometheus.relabel "r" {
  forward_to = [prometheus.remote_write.out.receiver]
  rule {
    target_label = "note"
    replacement  = "${SECRETS.configText}"
  }
}

prometheus.remote_write "out" {
  external_labels = { site = "${SECRETS.externalLabel}" }
  endpoint {
    url = "${rwURL}"
  }
}
`
}

async function startNode (dir: string, name: string, p2pPort: number, cfg: string, extra: string[]): Promise<Node> {
  const d = join(dir, name)
  mkdirSync(d, { recursive: true })
  writeFileSync(join(d, 'config.alloy'), cfg)
  const httpPort = await freePort()
  const proc = startShoal(['run', join(d, 'config.alloy'), `--server.http.listen-addr=127.0.0.1:${httpPort}`, `--storage.path=${join(d, 'data')}`,
    '--cluster.enabled', `--cluster.node-name=${name}`, `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${p2pPort}`, `--cluster.name=${SECRETS.fleet}`,
    '--cluster.rejoin-interval=1s', ...extra])
  procs.push(proc)
  const base = `http://127.0.0.1:${httpPort}`
  await waitFor(`${name} ready`, async () => (await fetch(`${base}/-/ready`)).ok, 30_000).catch(err => { throw new Error(`${err.message}\n${proc.output()}`) })
  return { name, proc, base, p2pPort }
}

const peerNames = async (n: Node): Promise<string[]> =>
  ((await (await fetch(`${n.base}/api/v0/web/peers`)).json()) as Array<{ name: string }>).map(p => p.name).sort()

/** Runs two peers (optionally with extra flags each) under capture; returns the captured streams. */
async function capturedPair (extraA: string[], extraB: string[]): Promise<{ streams: Buffer[], a: Node, b: Node }> {
  const dir = tempDir('enc')
  const targets = [await targetServer(), await targetServer(), await targetServer(), await targetServer()]
  const cfg = config(targets, await sink())
  const pa = await freePort()
  const pb = await freePort()
  const cap = await captureLoopback([pa, pb])
  captures.push(cap)
  const a = await startNode(dir, SECRETS.nodeA, pa, cfg, extraA)
  const b = await startNode(dir, SECRETS.nodeB, pb, cfg, [`--cluster.join-addresses=127.0.0.1:${pa}`, ...extraB])
  await waitFor('a and b see each other', async () => (await peerNames(a)).length === 2 && (await peerNames(b)).length === 2 || undefined, 20_000)
  // Both own some targets: heartbeats with component hashes and ownership have flowed.
  const local = async (n: Node): Promise<number> => {
    const c = await (await fetch(`${n.base}/api/v0/web/components/prometheus.scrape.${SECRETS.component}`)).json() as { debugInfo: { targets: Array<{ local: boolean }> } }
    return c.debugInfo.targets.filter(t => t.local).length
  }
  await waitFor('targets split', async () => (await local(a)) + (await local(b)) === 4 || undefined, 15_000)
  await new Promise(resolve => setTimeout(resolve, 3000))
  await cap.stop()
  return { streams: cap.streams(), a, b }
}

function findPlaintext (streams: Buffer[], needles: string[]): string[] {
  const found: string[] = []
  for (const s of needles) if (streams.some(b => b.includes(Buffer.from(s)))) found.push(s)
  return found
}

test('without a fleet key: peer traffic carries none of the fleet\'s names, labels or config text', { timeout: 90_000 }, async (t) => {
  const why = captureUnavailable()
  if (unavailable(t, why)) return
  const { streams, a, b } = await capturedPair([], [])
  const bytes = streams.reduce((n, s) => n + s.length, 0)
  t.diagnostic(`${streams.length} TCP streams, ${bytes} payload bytes captured`)
  assert.ok(streams.length >= 1 && bytes > 2000, `captured ${bytes} bytes in ${streams.length} streams`)
  // Positive control: the capture does see the link's plaintext handshake.
  assert.deepEqual(findPlaintext(streams, ['/multistream/1.0.0', '/noise']), ['/multistream/1.0.0', '/noise'])
  const needles = [...Object.values(SECRETS), 'membership', 'meshsub', '/kad/', '/yamux/', '/ipfs/id', a.base.slice(7), b.base.slice(7)]
  assert.deepEqual(findPlaintext(streams, needles), [])
})

test('with --cluster.key-file: not even the handshake is plaintext, and a keyless node never gets in', { timeout: 90_000 }, async (t) => {
  const why = captureUnavailable()
  if (unavailable(t, why)) return
  const keyDir = tempDir('enc-key')
  const key = join(keyDir, 'fleet.key')
  assert.equal(spawnSync(process.execPath, [CLI, 'cluster', 'keygen', key]).status, 0)
  const { streams, a, b } = await capturedPair([`--cluster.key-file=${key}`], [`--cluster.key-file=${key}`])
  const bytes = streams.reduce((n, s) => n + s.length, 0)
  assert.ok(bytes > 2000, `captured ${bytes} bytes`)
  const needles = [...Object.values(SECRETS), '/multistream/1.0.0', '/noise', 'membership', a.base.slice(7), b.base.slice(7)]
  assert.deepEqual(findPlaintext(streams, needles), [])

  // A node without the key dials a keyed one: it never becomes a peer on either side, owns none of
  // their targets, and shows in none of their APIs.
  const intruderDir = tempDir('enc-intruder')
  const intruder = await startNode(intruderDir, 'intruder', await freePort(), config([], await sink()), [`--cluster.join-addresses=127.0.0.1:${a.p2pPort}`])
  await new Promise(resolve => setTimeout(resolve, 4000))
  assert.deepEqual(await peerNames(intruder), ['intruder'])
  for (const n of [a, b]) {
    assert.deepEqual(await peerNames(n), [SECRETS.nodeA, SECRETS.nodeB].sort())
    for (const path of ['/api/v0/web/peers', `/api/v0/web/components/prometheus.scrape.${SECRETS.component}`, '/metrics']) {
      assert.doesNotMatch(await (await fetch(n.base + path)).text(), /intruder/, `${n.name} ${path}`)
    }
  }
})
