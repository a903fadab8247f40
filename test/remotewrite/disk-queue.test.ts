// The disk buffer behind a real queue: samples read back from disk are new Series objects, yet
// each series must keep to one shard so its samples reach the receiver in order.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { RemoteWriteEndpoint } from '../../src/remotewrite/endpoint.js'
import { DiskPending } from '../../src/remotewrite/disk/disk-pending.js'
import { seriesShardKey } from '../../src/remotewrite/codec.js'
import { Series } from '../../src/storage/series.js'
import { tempDir } from '../helpers/proc.js'
import { makeSeries, metricValue, silentLog, sleep, startReceiver, until } from './helpers.js'

test('a series read back from disk keeps the shard key of the written one', () => {
  const labels = [{ name: '__name__', value: 'm' }, { name: 'i', value: '7' }]
  const a = new Series(labels)
  const b = new Series(labels.map(l => ({ ...l })))
  const c = new Series([{ name: '__name__', value: 'm' }, { name: 'i', value: '8' }])
  assert.notEqual(a.id, b.id)
  assert.equal(seriesShardKey(a), seriesShardKey(b))
  assert.notEqual(seriesShardKey(a), seriesShardKey(c))
})

test('samples partly read back from disk arrive in order per series across shards', async () => {
  // Random delays make the shards finish out of order; a tiny memory window sends most samples
  // through the disk read path (many small segments), the newest through memory.
  const rx = await startReceiver(() => sleep(Math.random() * 8).then(() => ({ status: 200 })))
  const registry = new Registry()
  const pending = new DiskPending({ dir: tempDir('diskq'), maxBytes: 64 << 20, segmentBytes: 2048, inflightMax: 100_000, memoryEntries: 64, maxMemoryEntries: 64 })
  const ep = new RemoteWriteEndpoint({
    url: rx.url, name: 't', remoteTimeoutMs: 5000, sendExemplars: false, sendMetadata: false,
    queue: { minShards: 7, maxShards: 7, maxSamplesPerSend: 13, batchSendDeadlineMs: 5, capacity: 1000 },
  }, { registry, log: silentLog, pending })
  const series = makeSeries(37)
  const rounds = 30
  try {
    // Everything is appended before sending starts, so the backlog overflows the memory window.
    for (let r = 0; r < rounds; r++) {
      const app = ep.appender()
      for (const s of series) app.append(s, 1000 * r, r)
      app.commit()
    }
    ep.start()
    const total = rounds * series.length
    await until(() => rx.requests.reduce((n, q) => n + q.req.timeseries.reduce((m, t) => m + t.samples.length, 0), 0) >= total, 20_000)
    const byI = new Map<string, number[]>()
    for (const q of rx.requests) {
      for (const t of q.req.timeseries) {
        const i = t.labels.find(l => l.name === 'i')!.value
        const list = byI.get(i) ?? []
        for (const s of t.samples) list.push(s.timestamp)
        byI.set(i, list)
      }
    }
    assert.equal(byI.size, series.length)
    for (const [i, tss] of byI) assert.deepEqual(tss, Array.from({ length: rounds }, (_, r) => 1000 * r), `series ${i}`)
    // The buffer's state is in the endpoint's metrics.
    const m = (name: string): Promise<number | undefined> => metricValue(registry, 'shoal_remote_storage_buffer_' + name, { remote_name: 't' })
    const readBack = (await m('read_back_samples_total'))!
    // What the shards took before the window overflowed, and the newest 64, came from memory.
    assert.ok(readBack >= total / 2 && readBack <= total, `read back ${readBack} of ${total}`)
    assert.equal(await m('memory_entries'), 64)
    assert.ok((await m('segments'))! >= 1)
    assert.ok((await m('bytes'))! > 0)
  } finally {
    await ep.stop(1000)
    await rx.close()
  }
})
