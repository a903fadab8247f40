// Hostile targets next to a healthy one, through `shoal run` into a real Prometheus: an endless
// trickle, an endless flood, a reset mid-body, a short body, a redirect loop, gzip garbage, a
// truncated gzip and a gzip bomb. Each is up=0 with its reason in the component's debug info, the
// agent stays healthy, and the healthy target keeps its 1 s interval.
// (test/e2e/datapath.test.ts covers slow, 404, malformed, huge and refused.)
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { gzipSync } from 'node:zlib'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPrometheus, havePrometheus, type Prometheus } from '../helpers/prometheus.js'
import { startShoal, tempDir, type Proc } from '../helpers/proc.js'
import { freePort, waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'

const servers: Server[] = []
const timers: NodeJS.Timeout[] = []
let prom: Prometheus | undefined
let agent: Proc | undefined

after(async () => {
  for (const t of timers) clearInterval(t)
  await agent?.stop('SIGKILL')
  for (const s of servers) { s.closeAllConnections(); s.close() }
  await prom?.stop()
})

async function serve (handler: (res: ServerResponse, path: string) => void): Promise<string> {
  const s = createServer((req, res) => handler(res, req.url ?? '/'))
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  servers.push(s)
  return `127.0.0.1:${(s.address() as { port: number }).port}`
}

const TEXT = 'text/plain; version=0.0.4; charset=utf-8'
const LIMIT = 64 * 1024

interface TargetInfo { labels: { instance: string }, health: string, last_error: string, last_scrape: string }

test('hostile targets are down with a clear reason; the healthy one keeps its interval', { timeout: 120_000 }, async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  prom = await startPrometheus()

  const healthy = await serve(res => { res.writeHead(200, { 'Content-Type': TEXT }); res.end('ok_metric 1\n') })
  // Chunked, a line every 100 ms, never finished: only the scrape timeout ends it.
  const trickle = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT })
    let i = 0
    const t = setInterval(() => { if (res.destroyed) clearInterval(t); else res.write(`trickle_metric{i="${i++}"} 1\n`) }, 100)
    timers.push(t)
  })
  // Chunked, as fast as the socket takes it, never finished: the body size limit ends it.
  const flood = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT })
    const line = 'flood_metric{x="' + 'f'.repeat(1000) + '"} 1\n'
    const pump = (): void => { while (!res.destroyed && res.write(line)); if (!res.destroyed) res.once('drain', pump) }
    pump()
  })
  // Headers and half a body, then the connection is reset.
  const reset = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT })
    res.write('reset_metric{a="b"} 1\nreset_metric{a="c')
    setTimeout(() => res.socket?.resetAndDestroy(), 50)
  })
  // Content-Length promises more than is sent before the connection closes.
  const short = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT, 'Content-Length': '1000' })
    res.write('short_metric 1\n')
    setTimeout(() => res.socket?.destroy(), 50)
  })
  const loop = await serve((res, path) => { res.writeHead(302, { Location: path === '/metrics' ? '/again' : '/metrics' }); res.end() })
  const gzipGarbage = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT, 'Content-Encoding': 'gzip' })
    res.end(Buffer.from('this is not gzip at all, just text claiming to be'))
  })
  const full = gzipSync('truncated_metric 1\n'.repeat(2000))
  const gzipTruncated = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT, 'Content-Encoding': 'gzip' })
    res.end(full.subarray(0, Math.floor(full.length / 2)))
  })
  // 4 MiB of comment lines compress to a few KiB: the limit applies to the uncompressed body.
  const bomb = gzipSync('#' + ' '.repeat(4 << 20) + '\n')
  const gzipBomb = await serve(res => {
    res.writeHead(200, { 'Content-Type': TEXT, 'Content-Encoding': 'gzip' })
    res.end(bomb)
  })

  const expect: Array<[string, string, RegExp]> = [
    ['trickle', trickle, /deadline exceeded.*scrape timeout/],
    ['flood', flood, /body size limit exceeded/],
    ['reset', reset, /read: connection reset by peer/],
    ['short', short, /connection closed by the target/],
    ['redirect loop', loop, /stopped after 10 redirects/],
    ['gzip garbage', gzipGarbage, /^gzip: incorrect header check$/],
    ['gzip truncated', gzipTruncated, /^gzip: unexpected end of file$/],
    ['gzip bomb', gzipBomb, /body size limit exceeded/],
  ]

  const dir = tempDir('bad-targets')
  const cfg = join(dir, 'agent.alloy')
  writeFileSync(cfg, `
prometheus.scrape "hostile" {
  targets = [
    {"__address__" = "${healthy}"},
${expect.map(([, a]) => `    {"__address__" = "${a}"},`).join('\n')}
  ]
  forward_to      = [prometheus.remote_write.prom.receiver]
  job_name        = "hostile"
  scrape_interval = "1s"
  scrape_timeout  = "500ms"
  body_size_limit = "${LIMIT / 1024}KiB"
}

prometheus.remote_write "prom" {
  endpoint {
    url = "${prom.writeURL}"
    queue_config {
      batch_send_deadline = "200ms"
    }
  }
}
`)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  agent = startShoal(['run', cfg, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`])
  const snapshot = async (): Promise<Map<string, TargetInfo>> => {
    const c = await (await fetch(`${base}/api/v0/web/components/prometheus.scrape.hostile`)).json() as { debugInfo: { targets: TargetInfo[] } }
    return new Map(c.debugInfo.targets.map(x => [x.labels.instance, x]))
  }
  const first = await waitFor('every target scraped once', async () => {
    const m = await snapshot()
    return (m.size === expect.length + 1 && [...m.values()].every(x => x.health !== 'unknown')) ? m : undefined
  }, 30_000).catch(err => { throw new Error(`${err.message}\nagent output:\n${agent?.output()}`) })

  assert.equal(first.get(healthy)!.health, 'up')
  assert.equal(first.get(healthy)!.last_error, '')
  const wrong: string[] = []
  for (const [what, addr, re] of expect) {
    const x = first.get(addr)!
    t.diagnostic(`${what}: ${x.last_error}`)
    if (x.health !== 'down' || !re.test(x.last_error)) wrong.push(`${what}: health=${x.health} last_error=${JSON.stringify(x.last_error)}`)
  }
  assert.deepEqual(wrong, [])

  // The healthy target's last_scrape advances about once a second while the others fail.
  const seen = new Set<string>()
  const t0 = Date.now()
  while (Date.now() - t0 < 5000) {
    seen.add((await snapshot()).get(healthy)!.last_scrape)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  assert.ok(seen.size >= 4 && seen.size <= 7, `healthy target's last_scrape took ${seen.size} values in 5 s`)

  // In Prometheus: up=0 for every hostile target, 1 for the healthy one, and the healthy one's
  // samples 1 s apart.
  await waitFor('up for every target', async () => (await prom!.query('up{job="hostile"}')).length === expect.length + 1 || undefined, 15_000)
  const ups = new Map((await prom.query('up{job="hostile"}')).map(s => [s.metric.instance, s.value[1]]))
  assert.equal(ups.get(healthy), '1')
  for (const [what, addr] of expect) assert.equal(ups.get(addr), '0', what)
  const n = Number((await prom.query(`count_over_time(up{instance="${healthy}"}[5s])`))[0].value[1])
  assert.ok(n >= 4 && n <= 6, `healthy target has ${n} samples in 5 s`)
  // Nothing from the hostile bodies leaked into storage (a partial body is not half-ingested).
  assert.deepEqual(await prom.query('{__name__=~"trickle_metric|flood_metric|reset_metric|short_metric|truncated_metric"}'), [])

  // The agent itself is fine.
  assert.equal((await fetch(`${base}/-/healthy`)).status, 200)
  assert.equal(agent.child.exitCode, null)
})
