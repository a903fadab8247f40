// Resharding against a receiver that is out of capacity: Prometheus' rule alone would keep
// adding shards (every request slows down as more are sent at once); the shard limit goes back
// to the count beyond which the receiver delivered no more. Against one that serves requests in
// parallel, the shards still grow.
//
// The queue runs on a fake clock with a receiver modelled in the same time, so the outcome does
// not depend on how busy the machine is (the same run over real HTTP on a loaded machine once
// stepped to 9 shards); the HTTP path itself is covered by queue.test.ts.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import type { StoreOutcome } from '../../src/remotewrite/client.js'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import type { WriteSink } from '../../src/remotewrite/queue.js'
import { getSnappy } from '../../src/remotewrite/snappy.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { makeSeries, metricValue, silentLog } from './helpers.js'

const PER_SEND = 100
/** One request's service time at the one-worker receiver: ~25 requests per 250 ms interval, so a pace is measured to a few %. */
const SERIAL_MS = 10
const PARALLEL_MS = 40
const RUN_MS = 4000

type Receiver = (clock: FakeClock) => WriteSink & { inFlightMax: number }

/** A receiver with one worker: requests queue up and each takes SERIAL_MS. */
const serial: Receiver = (clock) => {
  let free = Promise.resolve()
  let inFlight = 0
  const sink = {
    inFlightMax: 0,
    store (): Promise<StoreOutcome> {
      inFlight++
      sink.inFlightMax = Math.max(sink.inFlightMax, inFlight)
      const turn = free.then(() => clock.sleep(SERIAL_MS))
      free = turn
      return turn.then(() => { inFlight--; return { kind: 'ok', status: 204 } })
    },
  }
  return sink
}

/** A receiver with as many workers as requests. */
const parallel: Receiver = (clock) => {
  let inFlight = 0
  const sink = {
    inFlightMax: 0,
    async store (): Promise<StoreOutcome> {
      inFlight++
      sink.inFlightMax = Math.max(sink.inFlightMax, inFlight)
      await clock.sleep(PARALLEL_MS)
      inFlight--
      return { kind: 'ok', status: 204 }
    },
  }
  return sink
}

interface Outcome { maxShards: number, shards: number, limit: number, sent: number, inFlightMax: number }

/** Runs a backlog through the queue for RUN_MS of fake time: the most shards used, the last count and limit, samples sent. */
async function run (receiver: Receiver): Promise<Outcome> {
  const clock = new FakeClock()
  const sink = receiver(clock)
  const registry = new Registry()
  const ep = new RemoteWriteEndpoint({
    url: 'http://127.0.0.1:9/unused',
    name: 'test',
    remoteTimeoutMs: 30_000,
    sendExemplars: false,
    sendMetadata: false,
    queue: { minShards: 1, maxShards: 40, maxSamplesPerSend: PER_SEND, batchSendDeadlineMs: 50, capacity: 1_000_000, shardUpdateIntervalMs: 250 },
  }, { registry, log: silentLog, sink, clock, snappy: await getSnappy() })
  ep.start()
  const series = makeSeries(200)
  let maxShards = 0
  try {
    for (let t = 0; t < RUN_MS / 5; t++) {
      // 40k samples/s offered: far more than either receiver takes from one shard.
      const app = ep.appender()
      for (const s of series) app.append(s, t, t)
      app.commit()
      maxShards = Math.max(maxShards, ep.queue.numShards)
      await clock.advance(5)
    }
    const limit = (await metricValue(registry, 'shoal_remote_storage_shards_limit', { remote_name: 'test' }))!
    const sent = (await metricValue(registry, 'prometheus_remote_storage_samples_total', { remote_name: 'test' }))!
    return { maxShards, shards: ep.queue.numShards, limit, sent, inFlightMax: sink.inFlightMax }
  } finally {
    // Requests in flight end on the fake clock: keep it moving until the queue has stopped.
    let stopped = false
    const stopping = ep.stop(0).then(() => { stopped = true })
    for (let i = 0; i < 1000 && !stopped; i++) await clock.advance(SERIAL_MS)
    await stopping
  }
}

describe('shard limit, on a fake clock', () => {
  it('stays at a few shards for a receiver that serves one request at a time', async () => {
    const r = await run(serial)
    // Prometheus' rule alone wants all 40 here: every request takes n × 10 ms with n shards.
    // Steps up that bring no more go back; one shard leaves the worker idle between requests,
    // so 2 may pay a little, and 5 does not.
    assert.ok(r.maxShards <= 5, `at most 5 shards, got ${JSON.stringify(r)}`)
    assert.ok(r.shards <= 3, `shards at the end: ${JSON.stringify(r)}`)
    assert.ok(r.limit <= 3, `limit: ${JSON.stringify(r)}`)
    // It still got all the receiver can take: one request per 10 ms.
    assert.ok(r.sent >= 0.8 * (RUN_MS / SERIAL_MS) * PER_SEND, `sent: ${JSON.stringify(r)}`)
  })

  it('lets the shards grow for a receiver that serves requests in parallel', async () => {
    const r = await run(parallel)
    assert.ok(r.maxShards >= 10, `shards grew: ${JSON.stringify(r)}`)
    assert.ok(r.limit >= 10, `limit: ${JSON.stringify(r)}`)
    assert.ok(r.inFlightMax >= 10, `requests in flight at once: ${JSON.stringify(r)}`)
  })

  it('gives the same outcome on every run', async () => {
    const a = await run(serial)
    const b = await run(serial)
    assert.deepEqual(a, b)
  })
})
