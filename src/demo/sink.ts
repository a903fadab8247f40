// The demo's final sink: a remote-write receiver that keeps, per scrape target, the timestamps
// of its `up` samples, so the demo can show duplicate and missing scrapes as targets move.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeWriteRequest, getSnappy } from '../remotewrite/index.js'
import { readBody } from '../net/read-body.js'

export interface TargetStats { scrapes: number, duplicates: number, missing: number, last: number }

export class CountingSink {
  readonly series = new Set<string>()
  samples = 0
  readonly targets = new Map<string, TargetStats>()
  #server: Server | undefined
  constructor (readonly intervalMs: number) {}

  async listen (host = '127.0.0.1'): Promise<string> {
    const snappy = await getSnappy()
    this.#server = createServer((req, res) => {
      readBody(req, 64 << 20).then(body => {
        const wr = decodeWriteRequest(snappy.uncompress(body))
        for (const ts of wr.timeseries) {
          const key = ts.labels.map(l => `${l.name}=${l.value}`).join(',')
          this.series.add(key)
          this.samples += ts.samples.length
          const name = ts.labels.find(l => l.name === '__name__')?.value
          if (name !== 'up') continue
          const inst = ts.labels.find(l => l.name === 'instance')?.value ?? '?'
          for (const s of ts.samples) if (!s.stale) this.#observe(inst, s.timestamp)
        }
        res.writeHead(204).end()
      }, () => res.writeHead(400).end()).catch(err => res.writeHead(400).end(String(err)))
    })
    await new Promise<void>(resolve => this.#server!.listen(0, host, resolve))
    return `http://${host}:${(this.#server.address() as AddressInfo).port}/api/v1/write`
  }

  #observe (inst: string, ts: number): void {
    const st = this.targets.get(inst) ?? { scrapes: 0, duplicates: 0, missing: 0, last: 0 }
    if (st.last > 0) {
      const gap = ts - st.last
      if (gap < this.intervalMs / 2) st.duplicates++
      else if (gap > this.intervalMs * 1.5) st.missing += Math.round(gap / this.intervalMs) - 1
    }
    st.scrapes++
    st.last = Math.max(st.last, ts)
    this.targets.set(inst, st)
  }

  async close (): Promise<void> {
    await new Promise<void>(resolve => { if (!this.#server) return resolve(); this.#server.close(() => resolve()); this.#server.closeAllConnections() })
  }
}
