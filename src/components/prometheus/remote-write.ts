// prometheus.remote_write: sends everything it receives to one or more remote-write endpoints,
// each with its own queue, shards and retries. Exports `receiver` for forward_to lists.
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { Capsule, Secret } from '../../vm/value.js'
import { httpClientSchema, pickHttpClientArgs, validateHttpClient, sigV4Authorizer, azureAdAuthorizer, validateAzureAd } from '../../http-client/index.js'
import { ruleSchema, rulesFromDecoded, type RuleConfig } from '../../relabel/schema.js'
import { relabel } from '../../relabel/process.js'
import { DEFAULT_QUEUE_CONFIG, RemoteWriteEndpoint, type EndpointOptions } from '../../remotewrite/index.js'
import { Fanout } from '../../storage/fanout.js'
import { Series, sortLabels, type Appendable, type Label } from '../../storage/series.js'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { DiskPending } from '../../remotewrite/disk/disk-pending.js'
import { parseBytes } from '../common/units.js'

/** --storage.wal-max-size's default: the disk buffer bound per endpoint. */
export const DEFAULT_WAL_MAX_SIZE = '512MiB'
export const DEFAULT_WAL_MAX_BYTES = parseBytes(DEFAULT_WAL_MAX_SIZE)

/** Identity of an endpoint's settings (secrets by hash), to keep unchanged endpoints on reload. */
function endpointKey (e: EndpointArgs): string {
  return JSON.stringify(e, (_k, v: unknown) => v instanceof Secret ? createHash('sha256').update(v.reveal()).digest('hex') : v)
}

const q = DEFAULT_QUEUE_CONFIG
const queueSchema = {
  capacity: attr(t.int, { default: q.capacity }),
  max_shards: attr(t.int, { default: q.maxShards }),
  min_shards: attr(t.int, { default: q.minShards }),
  max_samples_per_send: attr(t.int, { default: q.maxSamplesPerSend }),
  batch_send_deadline: attr(t.duration, { default: q.batchSendDeadlineMs }),
  min_backoff: attr(t.duration, { default: q.minBackoffMs }),
  max_backoff: attr(t.duration, { default: q.maxBackoffMs }),
  retry_on_http_429: attr(t.bool, { default: q.retryOnHttp429 }),
  sample_age_limit: attr(t.duration, { default: 0, unsupported: 'samples are sent however old they are (a buffered outage is delivered whole)' }),
}

const endpointSchema = {
  url: attr(t.string, { required: true }),
  name: attr(t.string, { default: '' }),
  headers: attr(t.map(t.string), { default: {} }),
  remote_timeout: attr(t.duration, { default: 30_000 }),
  send_exemplars: attr(t.bool, { default: true }),
  send_native_histograms: attr(t.bool, { default: false }),
  protobuf_message: attr(t.enum('prometheus.WriteRequest', 'io.prometheus.write.v2.Request'), { default: 'prometheus.WriteRequest' }),
  round_robin_dns: attr(t.bool, { default: false, unsupported: 'requests go to the address the system resolver returns first' }),
  ...httpClientSchema,
  // Alloy's endpoint turns HTTP/2 off by default (since its Prometheus 3.4 upgrade), unlike the shared HTTP client block.
  enable_http2: attr(t.bool, { default: false }),
  queue_config: block(queueSchema),
  metadata_config: block({
    send: attr(t.bool, { default: true }),
    send_interval: attr(t.duration, { default: 60_000 }),
    max_samples_per_send: attr(t.int, { default: 2000 }),
  }),
  write_relabel_config: block(ruleSchema, { multiple: true }),
  sigv4: block({
    region: attr(t.string, { default: '' }),
    access_key: attr(t.string, { default: '' }),
    secret_key: attr(t.secret),
    profile: attr(t.string, { default: '' }),
    role_arn: attr(t.string, { default: '' }),
  }),
  azuread: block({
    cloud: attr(t.enum('AzurePublic', 'AzureChina', 'AzureGovernment'), { default: 'AzurePublic' }),
    managed_identity: block({ client_id: attr(t.string, { required: true }) }),
    oauth: block({ client_id: attr(t.string, { required: true }), client_secret: attr(t.secret, { required: true }), tenant_id: attr(t.string, { required: true }) }),
    sdk: block({ tenant_id: attr(t.string, { default: '' }) }),
  }),
  google_iam: block({ credentials_file: attr(t.string, { default: '' }) }, { unsupported: 'Google IAM authentication is not implemented' }),
}

const WAL_REASON = 'shoal keeps a disk buffer of what is not yet sent instead of a WAL; its size is --storage.wal-max-size'

const argsSchema = {
  external_labels: attr(t.map(t.string), { default: {} }),
  endpoint: block(endpointSchema, { multiple: true }),
  // Accepted at Alloy's defaults (which the Helm chart spells out): shoal's disk buffer keeps what is
  // not yet sent, bounded by --storage.wal-max-size, and has no truncation schedule to tune.
  wal: block({
    truncate_frequency: attr(t.duration, { default: 2 * 3600_000, unsupported: WAL_REASON }),
    min_keepalive_time: attr(t.duration, { default: 5 * 60_000, unsupported: WAL_REASON }),
    max_keepalive_time: attr(t.duration, { default: 8 * 3600_000, unsupported: WAL_REASON }),
  }),
}

type Args = Decoded<typeof argsSchema>
type EndpointArgs = Args['endpoint'][number]

function endpointOptions (e: EndpointArgs): EndpointOptions {
  const q = e.queue_config
  return {
    url: e.url,
    name: e.name || undefined,
    http: pickHttpClientArgs(e),
    headers: e.headers,
    remoteTimeoutMs: e.remote_timeout,
    sendExemplars: e.send_exemplars,
    sendNativeHistograms: e.send_native_histograms,
    sendMetadata: e.metadata_config?.send ?? true,
    protobufMessage: e.protobuf_message,
    metadataSendIntervalMs: e.metadata_config?.send_interval,
    metadataMaxPerSend: e.metadata_config?.max_samples_per_send,
    authorize: e.sigv4 !== undefined ? sigV4Authorizer(e.sigv4) : e.azuread !== undefined ? azureAdAuthorizer(e.azuread) : undefined,
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
  args: argsSchema,
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
      for (const p of validateHttpClient(e)) problems.push(`endpoint[${i}]: ${p}`)
      const clientAuth = e.basic_auth !== undefined || e.oauth2 !== undefined || e.authorization !== undefined || e.bearer_token !== undefined || e.bearer_token_file !== ''
      if ((e.sigv4 !== undefined && (e.azuread !== undefined || clientAuth)) || (e.azuread !== undefined && clientAuth)) {
        problems.push(`endpoint[${i}]: at most one of sigv4, azuread, basic_auth, oauth2, bearer_token & bearer_token_file must be configured`)
      }
      if (e.sigv4 !== undefined && (e.sigv4.access_key === '') !== ((e.sigv4.secret_key?.reveal() ?? '') === '')) {
        problems.push(`endpoint[${i}]: must provide an AWS SigV4 access key and secret key if credentials are specified in the SigV4 config`)
      }
      if (e.azuread !== undefined) for (const p of validateAzureAd(e.azuread)) problems.push(`endpoint[${i}]: ${p}`)
      if (e.metadata_config !== undefined && e.metadata_config.max_samples_per_send <= 0) problems.push(`endpoint[${i}]: metadata_config max_samples_per_send must be greater than 0`)
      try { rulesFromDecoded(e.write_relabel_config) } catch (err) { problems.push(`endpoint[${i}]: ${(err as Error).message}`) }
    })
    const names = args.endpoint.map(e => e.name).filter(Boolean)
    if (new Set(names).size !== names.length) problems.push('endpoint names must be unique')
    return problems
  },
  build (globals, initial) {
    const fanout = new Fanout()
    const log = globals.logger
    const maxBytes = globals.walMaxBytes ?? DEFAULT_WAL_MAX_BYTES
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
      const opts = endpointOptions(e)
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
      fanout.set(running.map(r => r.ep))
    }
    const first = new Set<string>()
    running = initial.endpoint.map((e, i) => {
      const dir = dirFor(e, i, first)
      return { key: endpointKey(e), dir, ep: start(e, i, dir, initial) }
    })
    fanout.set(running.map(r => r.ep))
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
