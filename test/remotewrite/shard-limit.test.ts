// Resharding against a receiver that is out of capacity: Prometheus' rule alone would keep
// adding shards (every request slows down as more are sent at once); the shard limit goes back
// to the count beyond which the receiver delivered no more. Against one that serves requests in
// parallel, the shards still grow.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import { makeSeries, metricValue, silentLog, sleep, startReceiver, type Responder } from './helpers.js'

const PER_SEND = 100
/** One request's service time at the one-worker receiver: ~25 requests per 250 ms interval, so a pace is measured to a few %. */
const SERIAL_MS = 10
const PARALLEL_MS = 40

/** A receiver with one worker: requests queue up and each takes SERIAL_MS. */
function serialResponder (): Responder {
  let free = Promise.resolve()
  return () => {
    const turn = free.then(() => sleep(SERIAL_MS))
    free = turn
    return turn.then(() => ({ status: 204 }))
  }
}

/** A receiver with as many workers as requests. */
const parallelResponder: Responder = () => sleep(PARALLEL_MS).then(() => ({ status: 204 }))

/** Runs a backlog through the queue for `ms`: the most shards used, the last count and limit, samples sent. */
async function run (respond: Responder, ms: number): Promise<{ maxShards: number, shards: number, limit: number, sent: number }> {
  const rx = await startReceiver(respond)
  const registry = new Registry()
  const ep = new RemoteWriteEndpoint({
    url: rx.url,
    name: 'test',
    remoteTimeoutMs: 30_000,
    sendExemplars: false,
    sendMetadata: false,
    queue: { minShards: 1, maxShards: 40, maxSamplesPerSend: PER_SEND, batchSendDeadlineMs: 50, capacity: 1_000_000, shardUpdateIntervalMs: 250 },
  }, { registry, log: silentLog })
  ep.start()
  const series = makeSeries(200)
  let maxShards = 0
  try {
    const end = Date.now() + ms
    for (let t = 0; Date.now() < end; t++) {
      // ~40k samples/s offered: far more than either receiver takes from one shard.
      const app = ep.appender()
      for (const s of series) app.append(s, t, t)
      app.commit()
      maxShards = Math.max(maxShards, ep.queue.numShards)
      await sleep(5)
    }
    const limit = (await metricValue(registry, 'shoal_remote_storage_shards_limit', { remote_name: 'test' }))!
    const sent = (await metricValue(registry, 'prometheus_remote_storage_samples_total', { remote_name: 'test' }))!
    return { maxShards, shards: ep.queue.numShards, limit, sent }
  } finally {
    await ep.stop(0)
    await rx.close()
  }
}

describe('shard limit, against receivers over HTTP', () => {
  it('stays at a few shards for a receiver that serves one request at a time', async () => {
    const r = await run(serialResponder(), 4000)
    // Prometheus' rule alone wants all 40 here: every request takes n × 10 ms with n shards.
    // Steps up that bring no more go back; one shard leaves the worker idle between requests,
    // so 2 may pay a little, and 5 does not.
    assert.ok(r.maxShards <= 7, `at most 7 shards, got ${r.maxShards}`)
    assert.ok(r.shards <= 5, `${r.shards} shards at the end`)
    assert.ok(r.limit <= 5, `limit ${r.limit}`)
    // It still got all the receiver can take: one request per 10 ms.
    assert.ok(r.sent >= 0.6 * (4000 / SERIAL_MS) * PER_SEND, `sent ${r.sent}`)
  })

  it('lets the shards grow for a receiver that serves requests in parallel', async () => {
    const r = await run(parallelResponder, 4000)
    assert.ok(r.maxShards >= 10, `shards grew to ${r.maxShards}`)
    assert.ok(r.limit >= 10, `limit ${r.limit}`)
  })
})
