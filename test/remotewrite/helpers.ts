// A local remote-write receiver (node:http on 127.0.0.1:0) that decodes every request, plus
// small helpers shared by the client and queue tests.

import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { decodeWriteRequest, type DecodedWriteRequest } from '../../src/remotewrite/decode.js'
import { loadJsSnappy } from '../../src/remotewrite/snappy.js'
import { callbackLogger, nopLogger, type Logger } from '../../src/logging/logger.js'
import { Series, type Labels } from '../../src/storage/series.js'

export interface Received { headers: IncomingHttpHeaders, req: DecodedWriteRequest, at: number }
export interface Reply { status: number, headers?: Record<string, string>, body?: string }
export type Responder = (n: number, r: Received) => Reply | Promise<Reply>

export interface Receiver {
  url: string
  requests: Received[]
  close (): Promise<void>
}

export async function startReceiver (respond: Responder = () => ({ status: 204 })): Promise<Receiver> {
  const snappy = await loadJsSnappy()
  const requests: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const r: Received = { headers: req.headers, req: decodeWriteRequest(snappy.uncompress(Buffer.concat(chunks))), at: Date.now() }
        requests.push(r)
        const reply = await respond(requests.length - 1, r)
        res.writeHead(reply.status, reply.headers ?? {})
        res.end(reply.body ?? '')
      })()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests,
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

export const silentLog: Logger = nopLogger

export function recordingLog (): { lines: Array<{ level: string, msg: string, fields?: Record<string, unknown> }> } & Logger {
  const lines: Array<{ level: string, msg: string, fields?: Record<string, unknown> }> = []
  return Object.assign(callbackLogger((level, msg, fields) => { lines.push({ level, msg, fields }) }), { lines })
}

export async function metricValue (registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = registry.getSingleMetric(name)
  if (m === undefined) return undefined
  const data = await m.get()
  const hit = data.values.find(v => Object.entries(labels).every(([k, val]) => v.labels[k] === val) &&
    !('metricName' in v && typeof v.metricName === 'string' && v.metricName !== name))
  return hit?.value
}

export function makeSeries (n: number, prefix = 'm'): Series[] {
  return Array.from({ length: n }, (_, i) => new Series([{ name: '__name__', value: prefix }, { name: 'i', value: String(i) }] as Labels))
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls until `cond` holds or `ms` pass. */
export async function until (cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(5)
  }
}
