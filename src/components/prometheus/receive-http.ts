// prometheus.receive_http: accepts Prometheus remote-write (1.0 and 2.0) on /api/v1/metrics/write and forwards
// the samples to forward_to (an edge gateway relaying a site's agents upstream).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { counter, perRegistry } from '../../metrics/registry.js'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, defaultsOf, t, type Decoded } from '../../vm/schema.js'
import { decodeWriteRequest, getSnappy } from '../../remotewrite/index.js'
import { decodeWriteRequestV2, PROTO_V2 } from '../../remotewrite/decode-v2.js'
import { Fanout } from '../../storage/fanout.js'
import { Series, sortLabels, type Appendable } from '../../storage/series.js'
import { readBody } from '../../net/read-body.js'

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
const REMOTE_WRITE_2 = 'not implemented: Remote Write 2.0 series are forwarded with the labels and metadata they came with'
const MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']

/** The `http` block (Alloy's fnet.ServerConfig); absent, its defaults apply. */
const httpSchema = {
  listen_address: attr(t.string, { default: '' }),
  listen_port: attr(t.int, { default: 8080 }),
  server_read_timeout: attr(t.duration, { default: 30_000 }),
  server_write_timeout: attr(t.duration, { default: 30_000, unsupported: 'Node has no per-response write deadline; only server_read_timeout bounds a request' }),
  server_idle_timeout: attr(t.duration, { default: 120_000 }),
  conn_limit: attr(t.int, { default: 0, unsupported: 'Node refuses connections over a limit where Alloy queues them' }),
  graceful_shutdown_timeout: attr(t.duration, { default: 30_000 }),
  tls: block({}, { unsupported: 'the receiver serves plain HTTP; put a TLS-terminating proxy in front of it' }),
}

const argsSchema = {
  http: block(httpSchema),
  forward_to: attr(t.array(t.capsule<Appendable>('Appendable')), { required: true }),
  // shoal's own (Alloy has no such argument): a request body larger than this is refused with 413.
  max_request_size: attr(t.int, { default: 64 << 20 }),
  accepted_remote_write_protobuf_messages: attr(t.array(t.string), { default: ['prometheus.WriteRequest'] }),
  append_metadata: attr(t.bool, { default: false, unsupported: REMOTE_WRITE_2 }),
  enable_type_and_unit_labels: attr(t.bool, { default: false, unsupported: REMOTE_WRITE_2 }),
}

type Args = Decoded<typeof argsSchema>
const HTTP_DEFAULTS = defaultsOf(httpSchema)
const httpOf = (a: Args): NonNullable<Args['http']> => a.http ?? HTTP_DEFAULTS

const kind: ComponentKind<Args> = {
  name: 'prometheus.receive_http',
  stability: 'generally-available',
  args: argsSchema,
  exports: {},
  validate (a) {
    const problems: string[] = []
    if (a.accepted_remote_write_protobuf_messages.length === 0) problems.push('accepted_remote_write_protobuf_messages must not be empty')
    for (const m of a.accepted_remote_write_protobuf_messages) {
      if (!MESSAGES.includes(m)) problems.push(`unsupported protocol version "${m}": valid values are "${MESSAGES[0]}" and "${MESSAGES[1]}"`)
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
      const reply = (code: number, msg = '', headers: Record<string, string> = {}): void => { c.requests.inc({ code: String(code) }); res.writeHead(code, { 'Content-Type': 'text/plain', ...headers }).end(msg) }
      if (req.url?.split('?')[0] !== '/api/v1/metrics/write') { reply(404, 'not found\n'); return }
      if (req.method !== 'POST') { reply(405, 'method not allowed\n'); return }
      // Content-Type's proto parameter picks the message; none (or prometheus.WriteRequest) is 1.0.
      const proto = /;\s*proto=([^;\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1] ?? 'prometheus.WriteRequest'
      // A message not in accepted_remote_write_protobuf_messages is a 415, which a 2.0 sender takes as "send 1.0".
      if (!(args.accepted_remote_write_protobuf_messages ?? MESSAGES.slice(0, 1)).includes(proto)) { reply(415, `unsupported remote write message ${proto}\n`); return }
      const v2 = proto === PROTO_V2
      readBody(req, args.max_request_size).then(async body => {
        let decoded
        try {
          const raw = (await snappy).uncompress(body)
          decoded = v2 ? decodeWriteRequestV2(raw) : decodeWriteRequest(raw)
        } catch (err) {
          reply(400, `bad remote-write request: ${(err as Error).message}\n`); return
        }
        const app = fanout.appender()
        let n = 0
        let nh = 0
        let ne = 0
        try {
          for (const ts of decoded.timeseries) {
            const s = intern.get(ts.labels)
            for (const smp of ts.samples) {
              if (smp.stale) app.appendStale(s, smp.timestamp)
              else app.append(s, smp.timestamp, smp.value, smp.start)
              n++
            }
            for (const h of ts.histograms) {
              if (h.histogram === undefined) app.appendStale(s, h.timestamp, true)
              else app.appendHistogram(s, h.timestamp, h.histogram, h.start)
              nh++
            }
            for (const ex of ts.exemplars) { app.appendExemplar(s, { labels: ex.labels, value: ex.value, timestamp: ex.timestamp }); ne++ }
          }
          for (const m of decoded.metadata) app.appendMetadata(m.metricFamilyName, { type: m.type, help: m.help, unit: m.unit })
          app.commit()
        } catch (err) {
          app.rollback()
          reply(500, `${(err as Error).message}\n`); return
        }
        c.samples.inc(n + nh)
        // 2.0 senders learn from these what was written (everything, once committed).
        reply(204, '', v2
          ? { 'X-Prometheus-Remote-Write-Samples-Written': String(n), 'X-Prometheus-Remote-Write-Histograms-Written': String(nh), 'X-Prometheus-Remote-Write-Exemplars-Written': String(ne) }
          : {})
      }, err => reply(413, `${(err as Error).message}\n`))
    })
    const applyTimeouts = (): void => {
      server.requestTimeout = httpOf(args).server_read_timeout
      server.keepAliveTimeout = httpOf(args).server_idle_timeout
    }
    applyTimeouts()
    // In-flight requests get graceful_shutdown_timeout to finish; then every connection is cut.
    const close = async (): Promise<void> => {
      const closed = new Promise<void>(resolve => { server.close(() => resolve()) })
      server.closeIdleConnections()
      let timer: NodeJS.Timeout | undefined
      await Promise.race([closed, new Promise<void>(resolve => { timer = setTimeout(resolve, httpOf(args).graceful_shutdown_timeout) })])
      clearTimeout(timer)
      server.closeAllConnections()
      await closed
    }

    const listen = async (): Promise<void> => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(httpOf(args).listen_port, httpOf(args).listen_address || '0.0.0.0', () => { server.off('error', reject); resolve() })
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
        await close()
      },
      async update (a) {
        const rebind = httpOf(a).listen_port !== httpOf(args).listen_port || httpOf(a).listen_address !== httpOf(args).listen_address
        args = a
        fanout.set(a.forward_to)
        applyTimeouts()
        if (rebind) {
          await close()
          await listen()
        }
      },
      currentHealth: () => health,
    }
  },
}

register(kind)
