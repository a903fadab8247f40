// prometheus.remote_write: sends everything it receives to one or more remote-write endpoints,
// each with its own queue, shards and retries. Exports `receiver` for forward_to lists.
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t } from '../../vm/schema.js'
import { Capsule, Secret } from '../../vm/value.js'
import { ruleSchema, rulesFromDecoded, type RuleConfig } from '../../relabel/schema.js'
import { relabel } from '../../relabel/process.js'
import { DEFAULT_QUEUE_CONFIG, RemoteWriteEndpoint, type EndpointOptions, type TlsOptions } from '../../remotewrite/index.js'
import { Fanout } from '../../storage/fanout.js'
import { Series, sortLabels, type Appendable, type Label } from '../../storage/series.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { DiskPending } from '../../remotewrite/disk/disk-pending.js'

/** Service name under which the agent gives the --storage.wal-max-size bound (bytes per endpoint). */
export const WAL_MAX_BYTES_SERVICE = 'storage.wal-max-bytes'
export const DEFAULT_WAL_MAX_BYTES = 512 * 1024 * 1024

/** Identity of an endpoint's settings (secrets by hash), to keep unchanged endpoints on reload. */
function endpointKey (e: EndpointArgs): string {
  return JSON.stringify(e, (_k, v) => v instanceof Secret ? createHash('sha256').update(v.reveal()).digest('hex') : v)
}
import { authSchemas, tlsSchema, type AuthArgs, type TlsArgs } from '../common/http-client.js'

interface QueueArgs {
  capacity: number
  max_shards: number
  min_shards: number
  max_samples_per_send: number
  batch_send_deadline: number
  min_backoff: number
  max_backoff: number
  retry_on_http_429: boolean
  sample_age_limit: number
}

interface EndpointArgs extends AuthArgs {
  url: string
  name: string
  headers: Record<string, string>
  remote_timeout: number
  send_exemplars: boolean
  send_native_histograms: boolean
  proxy_url: string
  follow_redirects: boolean
  enable_http2: boolean
  tls_config: TlsArgs | undefined
  queue_config: QueueArgs | undefined
  metadata_config: { send: boolean, send_interval: number, max_samples_per_send: number } | undefined
  write_relabel_config: RuleConfig[]
}

interface Args {
  external_labels: Record<string, string>
  endpoint: EndpointArgs[]
  wal: unknown
}

const queueSchema = {
  capacity: attr(t.int, { default: 10000 }),
  max_shards: attr(t.int, { default: 50 }),
  min_shards: attr(t.int, { default: 1 }),
  max_samples_per_send: attr(t.int, { default: 2000 }),
  batch_send_deadline: attr(t.duration, { default: 5000 }),
  min_backoff: attr(t.duration, { default: 30 }),
  max_backoff: attr(t.duration, { default: 5000 }),
  retry_on_http_429: attr(t.bool, { default: true }),
  sample_age_limit: attr(t.duration, { default: 0 }),
}

const endpointSchema = {
  url: attr(t.string, { required: true }),
  name: attr(t.string, { default: '' }),
  headers: attr(t.map(t.string), { default: {} }),
  remote_timeout: attr(t.duration, { default: 30_000 }),
  send_exemplars: attr(t.bool, { default: true }),
  send_native_histograms: attr(t.bool, { default: false }),
  proxy_url: attr(t.string, { default: '' }),
  follow_redirects: attr(t.bool, { default: true }),
  enable_http2: attr(t.bool, { default: true }),
  ...authSchemas,
  tls_config: block(tlsSchema),
  queue_config: block(queueSchema),
  metadata_config: block({
    send: attr(t.bool, { default: true }),
    send_interval: attr(t.duration, { default: 60_000 }),
    max_samples_per_send: attr(t.int, { default: 2000 }),
  }),
  write_relabel_config: block(ruleSchema, { multiple: true }),
}

function readSecretFile (path: string, what: string): Secret {
  try {
    return new Secret(readFileSync(path, 'utf8').trim())
  } catch (err) {
    throw new Error(`reading ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

export function tlsOptions (tls: TlsArgs | undefined): TlsOptions | undefined {
  if (!tls) return undefined
  return {
    caFile: tls.ca_file || undefined,
    caPem: tls.ca_pem || undefined,
    certFile: tls.cert_file || undefined,
    certPem: tls.cert_pem || undefined,
    keyFile: tls.key_file || undefined,
    keyPem: tls.key_pem,
    insecureSkipVerify: tls.insecure_skip_verify,
    serverName: tls.server_name || undefined,
  }
}

function endpointOptions (e: EndpointArgs, index: number): EndpointOptions {
  const q = e.queue_config
  return {
    url: e.url,
    name: e.name || undefined,
    headers: e.headers,
    remoteTimeoutMs: e.remote_timeout,
    basicAuth: e.basic_auth
      ? { username: e.basic_auth.username, password: e.basic_auth.password ?? (e.basic_auth.password_file ? readSecretFile(e.basic_auth.password_file, 'password_file') : undefined) }
      : undefined,
    bearerToken: e.bearer_token ?? (e.bearer_token_file ? readSecretFile(e.bearer_token_file, 'bearer_token_file') : undefined),
    authorization: e.authorization
      ? { type: e.authorization.type || 'Bearer', credentials: e.authorization.credentials ?? (e.authorization.credentials_file ? readSecretFile(e.authorization.credentials_file, 'credentials_file') : undefined) }
      : undefined,
    tls: tlsOptions(e.tls_config),
    sendExemplars: e.send_exemplars,
    sendMetadata: e.metadata_config?.send ?? true,
    metadataSendIntervalMs: e.metadata_config?.send_interval,
    queue: q
      ? {
          capacity: q.capacity,
          maxShards: q.max_shards,
          minShards: q.min_shards,
          maxSamplesPerSend: q.max_samples_per_send,
          batchSendDeadlineMs: q.batch_send_deadline,
          minBackoffMs: q.min_backoff,
          maxBackoffMs: q.max_backoff,
          retryOnHttp429: q.retry_on_http_429,
        }
      : {},
    ...(index >= 0 ? {} : {}),
  }
}

/** External labels (where the series lacks them) then write relabeling; one result per series, cached by the endpoint. */
export function seriesTransform (external: Record<string, string>, rules: RuleConfig[]): ((s: Series) => Series | undefined) | undefined {
  const ext = Object.entries(external)
  const compiled = rulesFromDecoded(rules)
  if (ext.length === 0 && compiled.length === 0) return undefined
  return (s: Series) => {
    const orig = s.labels
    let labels = orig
    if (ext.length > 0) {
      const added: Label[] = [...labels]
      for (const [name, value] of ext) if (!labels.some(l => l.name === name)) added.push({ name, value })
      labels = sortLabels(added)
    }
    if (compiled.length > 0) {
      const out = relabel(labels, compiled)
      if (!out || out.length === 0) return undefined
      labels = out
    }
    return labels === orig ? s : new Series(labels)
  }
}

const kind: ComponentKind<Args> = {
  name: 'prometheus.remote_write',
  stability: 'generally-available',
  args: {
    external_labels: attr(t.map(t.string), { default: {} }),
    endpoint: block(endpointSchema, { multiple: true }),
    wal: block({
      truncate_frequency: attr(t.duration, { default: 2 * 3600_000 }),
      min_keepalive_time: attr(t.duration, { default: 5 * 60_000 }),
      max_keepalive_time: attr(t.duration, { default: 8 * 3600_000 }),
    }),
  },
  exports: { receiver: { type: 'capsule', capsule: 'Appendable' } },
  validate (args) {
    const problems: string[] = []
    args.endpoint.forEach((e, i) => {
      try {
        const u = new URL(e.url)
        if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`endpoint[${i}]: url "${e.url}" must use http or https`)
      } catch { problems.push(`endpoint[${i}]: invalid url "${e.url}"`) }
      const q = e.queue_config
      if (q && q.max_shards < q.min_shards) problems.push(`endpoint[${i}]: queue_config max_shards (${q.max_shards}) less than min_shards (${q.min_shards})`)
      if (q && q.max_samples_per_send <= 0) problems.push(`endpoint[${i}]: queue_config max_samples_per_send must be greater than 0`)
      if (e.bearer_token && e.bearer_token_file) problems.push(`endpoint[${i}]: at most one of bearer_token & bearer_token_file must be configured`)
      const auths = [e.basic_auth, e.authorization, e.bearer_token ?? (e.bearer_token_file || undefined)].filter(Boolean).length
      if (auths > 1) problems.push(`endpoint[${i}]: at most one of basic_auth, authorization and bearer_token must be configured`)
      try { rulesFromDecoded(e.write_relabel_config) } catch (err) { problems.push(`endpoint[${i}]: ${(err as Error).message}`) }
    })
    const names = args.endpoint.map(e => e.name).filter(Boolean)
    if (new Set(names).size !== names.length) problems.push('endpoint names must be unique')
    return problems
  },
  build (globals, initial) {
    const fanout = new Fanout()
    const log = globals.logger
    const maxBytes = globals.service<number>(WAL_MAX_BYTES_SERVICE) ?? DEFAULT_WAL_MAX_BYTES
    interface Running { key: string, dir: string, ep: RemoteWriteEndpoint }
    let running: Running[] = []

    // One disk buffer per endpoint, in a directory named after it, so a restart (or a reload
    // that keeps the endpoint) resumes sending what was not yet sent.
    const dirFor = (e: EndpointArgs, i: number, taken: Set<string>): string => {
      let base = (e.name || new URL(e.url).host + new URL(e.url).pathname).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || `endpoint-${i}`
      while (taken.has(base)) base += `-${i}`
      taken.add(base)
      return join(globals.dataPath, 'wal', base)
    }
    const start = (e: EndpointArgs, i: number, dir: string, a: Args): RemoteWriteEndpoint => {
      const opts = endpointOptions(e, i)
      let ep: RemoteWriteEndpoint | undefined
      const pending = new DiskPending({
        dir,
        maxBytes,
        // Prometheus's capacity is per shard: with 50 shards of 2,000-sample sends, a window of
        // one capacity (10,000) kept 5 requests in flight and capped a slow-ish receiver at ~20k/s.
        inflightMax: Math.max((opts.queue.capacity ?? DEFAULT_QUEUE_CONFIG.capacity) * (opts.queue.maxShards ?? DEFAULT_QUEUE_CONFIG.maxShards), 1),
        // A sample the receiver takes within half a second is never written: a healthy sender
        // costs no disk I/O (edge devices, high series counts); in an outage every commit is.
        deferMs: 500,
        onDrop: (n, reason) => ep?.metrics.dropped(reason, n),
        log,
      })
      ep = new RemoteWriteEndpoint(opts, {
        registry: globals.registry,
        log,
        transformSeries: seriesTransform(a.external_labels, e.write_relabel_config),
        pending,
      })
      ep.start()
      return ep
    }
    const apply = async (a: Args): Promise<void> => {
      const taken = new Set<string>()
      const wanted = a.endpoint.map((e, i) => ({ e, i, key: endpointKey(e), dir: dirFor(e, i, taken) }))
      const keep = new Map<string, Running>()
      for (const r of running) if (wanted.some(w => w.key === r.key && w.dir === r.dir)) keep.set(r.dir, r)
      // Endpoints that changed or went away stop first (their buffer is closed before anyone reopens it).
      await Promise.all(running.filter(r => keep.get(r.dir) !== r).map(r => r.ep.stop(5000)))
      running = wanted.map(w => {
        const k = keep.get(w.dir)
        if (k) { k.ep.setTransformSeries(seriesTransform(a.external_labels, w.e.write_relabel_config)); return k }
        return { key: w.key, dir: w.dir, ep: start(w.e, w.i, w.dir, a) }
      })
      fanout.set(running.map(r => r.ep) as unknown as Appendable[])
    }
    const first = new Set<string>()
    running = initial.endpoint.map((e, i) => {
      const dir = dirFor(e, i, first)
      return { key: endpointKey(e), dir, ep: start(e, i, dir, initial) }
    })
    fanout.set(running.map(r => r.ep) as unknown as Appendable[])
    const receiver: Appendable = { appender: () => fanout.appender(), waitForCapacity: () => fanout.waitForCapacity() }
    globals.onStateChange({ receiver: new Capsule('Appendable', receiver) })
    return {
      async run (signal) {
        await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        await Promise.all(running.map(r => r.ep.stop(5000)))
      },
      async update (a) { await apply(a) },
      debugInfo: () => running.map(r => ({ name: r.ep.name, url: (r.ep as unknown as { opts: EndpointOptions }).opts.url, shards: r.ep.queue.numShards, pending: r.ep.queue.size, buffer: r.dir })),
    }
  },
}

register(kind)
