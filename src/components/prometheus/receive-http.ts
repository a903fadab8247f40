// prometheus.receive_http: accepts Prometheus remote-write on /api/v1/metrics/write and forwards
// the samples to forward_to (an edge gateway relaying a site's agents upstream).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { counter, perRegistry } from '../../discovery/metrics.js'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t } from '../../vm/schema.js'
import { decodeWriteRequest, getSnappy } from '../../remotewrite/index.js'
import { Fanout } from '../../storage/fanout.js'
import { Series, sortLabels, type Appendable } from '../../storage/series.js'
import { readBody } from '../../net/read-body.js'

interface Args {
  http: { listen_address: string, listen_port: number, server_read_timeout: number, server_write_timeout: number }
  forward_to: Appendable[]
  max_request_size: number
  accepted_remote_write_protobuf_messages: string[]
  append_metadata: boolean
  enable_type_and_unit_labels: boolean
}

const MAX_SERIES_CACHE = 1_000_000

/** Reuses one Series object per label set so downstream caches (remote_write encodings) hit. */
class SeriesIntern {
  #m = new Map<string, Series>()
  get (labels: Array<{ name: string, value: string }>): Series {
    let key = ''
    for (const l of labels) key += l.name + '\xff' + l.value + '\xff'
    let s = this.#m.get(key)
    if (!s) {
      if (this.#m.size >= MAX_SERIES_CACHE) this.#m.clear()
      s = new Series(sortLabels(labels.slice()))
      this.#m.set(key, s)
    }
    return s
  }
}

const receiveMetrics = perRegistry(registry => ({
  requests: counter(registry, 'prometheus_receive_http_requests_total', 'Remote-write requests received.', ['code']),
  samples: counter(registry, 'prometheus_receive_http_samples_total', 'Samples received over remote-write.'),
}))

/** In Alloy these apply only to Remote Write 2.0 payloads. */
const REMOTE_WRITE_2 = 'it applies to Remote Write 2.0 payloads, which shoal does not accept'
const MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']

const kind: ComponentKind<Args> = {
  name: 'prometheus.receive_http',
  stability: 'generally-available',
  args: {
    http: block({
      listen_address: attr(t.string, { default: '' }),
      listen_port: attr(t.int, { default: 8080 }),
      server_read_timeout: attr(t.duration, { default: 30_000 }),
      server_write_timeout: attr(t.duration, { default: 30_000 }),
      server_idle_timeout: attr(t.duration, { default: 120_000 }),
      conn_limit: attr(t.int, { default: 0 }),
      graceful_shutdown_timeout: attr(t.duration, { default: 30_000 }),
      tls: block({}, { unsupported: 'the receiver serves plain HTTP; put a TLS-terminating proxy in front of it' }),
    }),
    forward_to: attr(t.array(t.capsule('Appendable')), { required: true }),
    // shoal's own (Alloy has no such argument): a request body larger than this is refused with 413.
    max_request_size: attr(t.int, { default: 64 << 20 }),
    accepted_remote_write_protobuf_messages: attr(t.array(t.string), { default: ['prometheus.WriteRequest'] }),
    append_metadata: attr(t.bool, { default: false, unsupported: REMOTE_WRITE_2 }),
    enable_type_and_unit_labels: attr(t.bool, { default: false, unsupported: REMOTE_WRITE_2 }),
  },
  exports: {},
  validate (a) {
    const problems: string[] = []
    if (a.accepted_remote_write_protobuf_messages.length === 0) problems.push('accepted_remote_write_protobuf_messages must not be empty')
    for (const m of a.accepted_remote_write_protobuf_messages) {
      if (!MESSAGES.includes(m)) problems.push(`unsupported protocol version "${m}": valid values are "${MESSAGES[0]}" and "${MESSAGES[1]}"`)
      else if (m !== MESSAGES[0]) problems.push(`accepted_remote_write_protobuf_messages "${m}" is not supported by shoal: the receiver decodes Remote Write 1.0 (${MESSAGES[0]}) only`)
    }
    return problems
  },
  build (globals, initial) {
    const c = receiveMetrics(globals.registry)
    let args = initial
    const fanout = new Fanout(args.forward_to)
    const intern = new SeriesIntern()
    let health: Health = { state: 'unknown', message: 'starting', updatedTime: new Date() }
    const snappy = getSnappy()

    const server: Server = createServer((req, res) => {
      const reply = (code: number, msg = ''): void => { c.requests.inc({ code: String(code) }); res.writeHead(code, { 'Content-Type': 'text/plain' }).end(msg) }
      if (req.url?.split('?')[0] !== '/api/v1/metrics/write') { reply(404, 'not found\n'); return }
      if (req.method !== 'POST') { reply(405, 'method not allowed\n'); return }
      readBody(req, args.max_request_size).then(async body => {
        let decoded
        try {
          decoded = decodeWriteRequest((await snappy).uncompress(body))
        } catch (err) {
          reply(400, `bad remote-write request: ${(err as Error).message}\n`); return
        }
        const app = fanout.appender()
        let n = 0
        try {
          for (const ts of decoded.timeseries) {
            const s = intern.get(ts.labels)
            for (const smp of ts.samples) {
              if (smp.stale) app.appendStale(s, smp.timestamp)
              else app.append(s, smp.timestamp, smp.value)
              n++
            }
            for (const h of ts.histograms) {
              if (h.histogram === undefined) app.appendStale(s, h.timestamp, true)
              else app.appendHistogram(s, h.timestamp, h.histogram)
              n++
            }
            for (const ex of ts.exemplars) app.appendExemplar(s, { labels: ex.labels, value: ex.value, timestamp: ex.timestamp })
          }
          for (const m of decoded.metadata) app.appendMetadata(m.metricFamilyName, { type: m.type, help: m.help, unit: m.unit })
          app.commit()
        } catch (err) {
          app.rollback()
          reply(500, `${(err as Error).message}\n`); return
        }
        c.samples.inc(n)
        reply(204)
      }, err => reply(413, `${(err as Error).message}\n`))
    })
    server.requestTimeout = args.http.server_read_timeout

    const listen = async (): Promise<void> => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(args.http.listen_port, args.http.listen_address || '0.0.0.0', () => { server.off('error', reject); resolve() })
      })
      const a = server.address() as AddressInfo
      health = { state: 'healthy', message: `listening on ${a.address}:${a.port}`, updatedTime: new Date() }
      globals.logger.info('receive_http listening', { addr: `${a.address}:${a.port}` })
    }

    return {
      async run (signal) {
        try {
          await listen()
        } catch (err) {
          health = { state: 'unhealthy', message: `cannot listen: ${(err as Error).message}`, updatedTime: new Date() }
          throw err
        }
        await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        await new Promise<void>(resolve => { server.close(() => resolve()); server.closeAllConnections() })
      },
      async update (a) {
        const rebind = a.http.listen_port !== args.http.listen_port || a.http.listen_address !== args.http.listen_address
        args = a
        fanout.set(a.forward_to)
        if (rebind) {
          await new Promise<void>(resolve => { server.close(() => resolve()); server.closeAllConnections() })
          await listen()
        }
      },
      currentHealth: () => health,
    }
  },
}

register(kind)
