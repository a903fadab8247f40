// An idle clustered agent (one target every 15 s, one remote_write) wakes its main thread only for
// its own timers: counted from the thread's voluntary context switches in /proc, a number the
// machine's load does not raise. prom-client's event-loop delay monitor at its default 10 ms
// resolution alone woke it 100 times a second.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { startShoal, tempDir } from '../helpers/proc.js'

const voluntarySwitches = (pid: number): number =>
  Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'))![1])

test('an idle clustered agent wakes its main thread fewer than 40 times a second', { skip: process.platform !== 'linux' }, async () => {
  const sink = createServer((q, r) => { q.resume(); q.on('end', () => { r.statusCode = 204; r.end() }) })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  const sinkPort = (sink.address() as { port: number }).port
  const dir = tempDir('idle-wakeups')
  const [http, p2p] = [await freePort(), await freePort()]
  writeFileSync(join(dir, 'agent.alloy'), `prometheus.scrape "self" {
  targets         = [{"__address__" = "127.0.0.1:${http}"}]
  forward_to      = [prometheus.remote_write.sink.receiver]
  scrape_interval = "15s"
  clustering {
    enabled = true
  }
}

prometheus.remote_write "sink" {
  endpoint {
    url = "http://127.0.0.1:${sinkPort}/api/v1/write"
  }
}
`)
  const agent = startShoal(['run', join(dir, 'agent.alloy'), `--server.http.listen-addr=127.0.0.1:${http}`, `--storage.path=${join(dir, 'data')}`,
    '--cluster.enabled', `--cluster.listen-addr=/ip4/127.0.0.1/tcp/${p2p}`])
  try {
    await waitFor('ready', async () => (await fetch(`http://127.0.0.1:${http}/-/ready`).catch(() => undefined))?.status === 200, 60_000, 300)
    // past the first scrape and the start-up work
    await new Promise(resolve => setTimeout(resolve, 5000))
    const pid = agent.child.pid!
    const s0 = voluntarySwitches(pid)
    const t0 = performance.now()
    await new Promise(resolve => setTimeout(resolve, 6000))
    const perSecond = (voluntarySwitches(pid) - s0) / ((performance.now() - t0) / 1000)
    assert.ok(perSecond < 40, `main thread woke ${perSecond.toFixed(1)} times/s`)
    // the event-loop delay metrics are still there
    const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text()
    assert.match(metrics, /^nodejs_eventloop_lag_p99_seconds \d/m)
  } finally {
    assert.equal(await agent.stop('SIGTERM'), 0, agent.output())
    sink.closeAllConnections()
    sink.close()
  }
})
