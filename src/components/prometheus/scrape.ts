// prometheus.scrape: scrapes its targets and forwards samples to forward_to. With
// `clustering { enabled = true }` the fleet splits the targets: each node scrapes those it
// owns by rendezvous hashing among the live peers that run the same config for this component.
import { createHash } from 'node:crypto'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { Secret } from '../../vm/value.js'
import { Fanout } from '../../storage/fanout.js'
import type { Appendable } from '../../storage/series.js'
import { ScrapePool, type TargetDebugInfo } from '../../scrape/pool.js'
import { DEFAULT_SCRAPE_PROTOCOLS, type ScrapeConfig } from '../../scrape/config.js'
import { targetKey } from '../../scrape/target.js'
import { hex64 } from '../../scrape/hash.js'
import { targetOwnership } from './scrape-ownership.js'
import type { Cluster } from '../../cluster/index.js'
import { httpClientSchema, pickHttpClientArgs, validateHttpClient } from '../../http-client/index.js'
import { parseBytes } from '../common/units.js'
import { formatDuration } from '../../vm/duration.js'

const PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4']
/** What shoal does with a body of no known content type: parse it as the Prometheus text format. */
const FALLBACKS = ['', 'PrometheusText0.0.4']
/** Names are validated as the text parsers do: legacy names, which need no escaping. */
const VALIDATION_SCHEMES = ['', 'legacy']
const ESCAPING_SCHEMES = ['', 'underscores']
/** Protocols Alloy knows that shoal does not speak (yet): named in the error instead of "unknown". */
const UNSUPPORTED = ['PrometheusText1.0.0']

/** The service name the agent registers its Cluster under. */
const CLUSTER_SERVICE = 'cluster'

export function scrapeConfig (id: string, a: Args): ScrapeConfig {
  return {
    job_name: a.job_name || id,
    scrape_interval: a.scrape_interval,
    scrape_timeout: a.scrape_timeout,
    metrics_path: a.metrics_path,
    scheme: a.scheme,
    params: a.params,
    honor_labels: a.honor_labels,
    honor_timestamps: a.honor_timestamps,
    track_timestamps_staleness: a.track_timestamps_staleness,
    sample_limit: a.sample_limit,
    target_limit: a.target_limit,
    label_limit: a.label_limit,
    label_name_length_limit: a.label_name_length_limit,
    label_value_length_limit: a.label_value_length_limit,
    body_size_limit: parseBytes(a.body_size_limit),
    scrape_protocols: a.scrape_protocols,
    enable_compression: a.enable_compression,
    http_client: pickHttpClientArgs(a),
  }
}

/**
 * A hash of the arguments that decide what a node scrapes and how: peers whose hash differs
 * run another config for this component and do not share its targets with us. forward_to is
 * left out (receivers are node-local); secrets are hashed, never shown.
 */
export function configHash (a: Args): string {
  const h = createHash('sha256')
  h.update(JSON.stringify(a, (k, v) => {
    if (k === 'forward_to') return undefined
    if (v instanceof Secret) return 'secret:' + createHash('sha256').update(v.reveal()).digest('hex')
    return v
  }))
  return h.digest('hex').slice(0, 16)
}

export interface ScrapeTargetInfo extends TargetDebugInfo {
  local: boolean
  owner: { peerId: string, name: string } | null
}

const NATIVE_HISTOGRAMS = 'native histograms need the protobuf scrape protocol, which shoal does not speak (text formats only)'

/** Alloy's uint: a negative value is refused. */
const UINT = { kind: 'number', int: true, min: 0 } as const

/** prometheus.scrape's arguments, with Alloy's defaults; keys shoal does not implement refuse any other value. */
const argsSchema = {
  targets: attr(t.array(t.map(t.string)), { required: true }),
  forward_to: attr(t.array(t.capsule<Appendable>('Appendable')), { required: true }),
  job_name: attr(t.string, { default: '' }),
  extra_metrics: attr(t.bool, { default: false, unsupported: 'the extra scrape_* series are not written' }),
  enable_protobuf_negotiation: attr(t.bool, { default: false, unsupported: 'shoal does not speak the protobuf scrape protocol' }),
  honor_labels: attr(t.bool, { default: false }),
  honor_timestamps: attr(t.bool, { default: true }),
  track_timestamps_staleness: attr(t.bool, { default: false }),
  params: attr(t.map(t.array(t.string)), { default: {} }),
  scrape_classic_histograms: attr(t.bool, { default: false }),
  scrape_native_histograms: attr(t.bool, { default: false, unsupported: NATIVE_HISTOGRAMS }),
  scrape_interval: attr(t.duration, { default: 60_000 }),
  scrape_timeout: attr(t.duration, { default: 10_000 }),
  scrape_protocols: attr(t.array(t.string), { default: [...DEFAULT_SCRAPE_PROTOCOLS] }),
  scrape_fallback_protocol: attr(t.string, { default: 'PrometheusText0.0.4' }),
  metrics_path: attr(t.string, { default: '/metrics' }),
  scheme: attr(t.string, { default: 'http' }),
  body_size_limit: attr(t.any, { default: 0 }),
  sample_limit: attr(UINT, { default: 0 }),
  target_limit: attr(UINT, { default: 0 }),
  label_limit: attr(UINT, { default: 0 }),
  label_name_length_limit: attr(UINT, { default: 0 }),
  label_value_length_limit: attr(UINT, { default: 0 }),
  native_histogram_bucket_limit: attr(UINT, { default: 0, unsupported: NATIVE_HISTOGRAMS }),
  native_histogram_min_bucket_factor: attr(t.number, { default: 0, unsupported: NATIVE_HISTOGRAMS }),
  enable_compression: attr(t.bool, { default: true }),
  // Metadata always goes downstream in shoal (remote_write's metadata_config decides what is sent): docs/components.md.
  honor_metadata: attr(t.bool, { default: false }),
  convert_classic_histograms_to_nhcb: attr(t.bool, { default: false, unsupported: 'shoal carries no native histograms' }),
  start_timestamp_zero_ingestion: attr(t.bool, { default: false, unsupported: 'start timestamps are not parsed' }),
  enable_type_and_unit_labels: attr(t.bool, { default: false, unsupported: 'no __type__/__unit__ labels are added' }),
  scrape_failure_log_file: attr(t.string, { default: '', unsupported: 'scrape failures are logged to the agent log and shown in the UI' }),
  metric_name_validation_scheme: attr(t.string, { default: 'legacy' }),
  metric_name_escaping_scheme: attr(t.string, { default: '' }),
  ...httpClientSchema,
  clustering: block({
    // Required in the block, as Alloy's struct has it (`clustering { }` alone is an error there too).
    enabled: attr(t.bool, { required: true }),
    // shoal's own (docs/components.md): Alloy's clustering block has only `enabled`.
    replication_factor: attr(t.int, { default: 1 }),
  }),
}

type Args = Decoded<typeof argsSchema>

const kind: ComponentKind<Args> = {
  name: 'prometheus.scrape',
  stability: 'generally-available',
  args: argsSchema,
  exports: {},
  validate (a) {
    const problems: string[] = []
    const dur = formatDuration
    if (a.scrape_interval <= 0) problems.push('scrape_interval must be greater than 0')
    if (a.scrape_timeout <= 0) problems.push('scrape_timeout must be greater than 0')
    if (a.scrape_timeout > a.scrape_interval) problems.push(`scrape_timeout (${dur(a.scrape_timeout)}) greater than scrape_interval (${dur(a.scrape_interval)}) for scrape config with job name "${a.job_name}"`)
    if (a.scheme !== 'http' && a.scheme !== 'https') problems.push(`scheme must be "http" or "https", got "${a.scheme}"`)
    if (!a.metrics_path.startsWith('/')) problems.push(`metrics_path "${a.metrics_path}" must start with /`)
    if (a.scrape_protocols.length === 0) problems.push('scrape_protocols cannot be empty')
    for (const p of a.scrape_protocols) {
      if (UNSUPPORTED.includes(p)) problems.push(`scrape protocol "${p}" is not supported by shoal (supported: ${PROTOCOLS.join(', ')})`)
      else if (!PROTOCOLS.includes(p)) problems.push(`unknown scrape protocol "${p}" (supported: ${PROTOCOLS.join(', ')})`)
    }
    const dup = a.scrape_protocols.find((p, i) => a.scrape_protocols.indexOf(p) !== i)
    if (dup !== undefined) problems.push(`duplicate scrape protocol "${dup}": make sure the scrape protocols provided are unique`)
    try { parseBytes(a.body_size_limit) } catch (err) { problems.push(`body_size_limit: ${(err as Error).message}`) }
    if (!FALLBACKS.includes(a.scrape_fallback_protocol)) problems.push(`scrape_fallback_protocol "${a.scrape_fallback_protocol}" is not supported by shoal: a body of unknown content type is parsed as PrometheusText0.0.4`)
    if (!VALIDATION_SCHEMES.includes(a.metric_name_validation_scheme)) problems.push(`metric_name_validation_scheme "${a.metric_name_validation_scheme}" is not supported by shoal: names are validated as legacy Prometheus names`)
    if (!ESCAPING_SCHEMES.includes(a.metric_name_escaping_scheme)) problems.push(`metric_name_escaping_scheme "${a.metric_name_escaping_scheme}" is not supported by shoal: legacy names need no escaping`)
    problems.push(...validateHttpClient(a))
    if (a.clustering && a.clustering.replication_factor < 1) problems.push('clustering replication_factor must be at least 1')
    return problems
  },
  build (globals, initial) {
    let args = initial
    const fanout = new Fanout(args.forward_to)
    const pool = new ScrapePool(scrapeConfig(globals.id, args), { appendable: fanout, registry: globals.registry, log: globals.logger })
    const cluster = (): Cluster | undefined => globals.service<Cluster>(CLUSTER_SERVICE)
    const clustered = (): boolean => (args.clustering?.enabled ?? false) && (cluster()?.enabled ?? false)
    let health: Health = { state: 'healthy', message: 'started', updatedTime: new Date() }

    const owners = (key: bigint) => cluster()!.lookup(key, Math.max(1, args.clustering?.replication_factor ?? 1), globals.id)
    const isLocal = (key: bigint): boolean => {
      if (!clustered()) return true
      const c = cluster()!
      if (!c.ready()) return false // --cluster.wait-for-size: hold clustered scraping until the fleet has formed
      const o = owners(key)
      // With no candidate at all (should not happen: we are one), keep the target rather than lose it.
      return o.length === 0 || o.some(p => p.isSelf)
    }
    const applyCluster = (): void => {
      const c = cluster()
      if (clustered() && c) c.setComponentHash(globals.id, configHash(args))
      void pool.setOwnership(isLocal)
    }
    applyCluster()
    void pool.sync(args.targets)
    const unsubscribe = cluster()?.onChange(() => { void pool.setOwnership(isLocal) })
    // Until the cluster is ready (wait-for-size), look again every second; onChange covers the rest.
    const readyTimer = setInterval(() => {
      const c = cluster()
      if (!clustered() || c?.ready()) { clearInterval(readyTimer); void pool.setOwnership(isLocal) }
    }, 1000)
    globals.onStateChange({})

    return {
      async run (signal) {
        await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        clearInterval(readyTimer)
        unsubscribe?.()
        // The component is going away (reload removed it or the agent stops): its targets leave
        // this node. When clustered, another peer continues their series, so no stale markers.
        await pool.stop({ writeStaleMarkers: !clustered() })
      },
      async update (a) {
        const prevTargets = args.targets
        args = a
        fanout.set(a.forward_to)
        await pool.update(scrapeConfig(globals.id, a))
        applyCluster()
        if (prevTargets !== a.targets) await pool.sync(a.targets)
        health = { state: 'healthy', message: 'updated', updatedTime: new Date() }
      },
      currentHealth: () => health,
      debugInfo () {
        const local = pool.debugInfo()
        const c = cluster()
        const self = c?.self()
        const targets: ScrapeTargetInfo[] = local.map(t => ({ ...t, local: true, owner: self ? { peerId: self.peerId, name: self.name } : null }))
        if (clustered() && c) {
          // Targets scraped elsewhere: shown with their owner, so one node tells who scrapes what.
          const seen = new Set(local.map(t => JSON.stringify(sortedEntries(t.discovered_labels))))
          for (const tg of args.targets) {
            const o = owners(targetKey(tg))
            if (o.some(p => p.isSelf)) continue
            const owner = o[0]
            const disc = Object.fromEntries(Object.entries(tg))
            if (seen.has(JSON.stringify(sortedEntries(disc)))) continue
            targets.push({
              job: args.job_name || globals.id,
              url: remoteURL(args, tg),
              health: 'unknown',
              labels: publicLabels(tg, args, globals.id),
              discovered_labels: disc,
              last_error: '',
              last_scrape: '',
              last_scrape_duration: '0s',
              samples: 0,
              key: hex64(targetKey(tg)),
              local: false,
              owner: owner ? { peerId: owner.peerId, name: owner.name } : null,
            })
          }
        }
        return { clustered: clustered(), targets }
      },
      targetDetail (keyHex, part) {
        const tg = args.targets.find(x => hex64(targetKey(x)) === keyHex)
        if (tg === undefined) return undefined
        const key = targetKey(tg)
        if (part === 'history') {
          const loop = pool.loop(key)
          return { local: loop !== undefined, scrapes: loop?.history.records() ?? [] }
        }
        const c = cluster()
        if (c === undefined) return undefined
        return targetOwnership(c, clustered(), globals.id, key, args.clustering?.replication_factor ?? 1, remoteURL(args, tg))
      },
    }
  },
}

function sortedEntries (o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).filter(([k]) => !k.startsWith('__meta_')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function remoteURL (a: Args, tg: Record<string, string>): string {
  const scheme = tg.__scheme__ ?? a.scheme
  const path = tg.__metrics_path__ ?? a.metrics_path
  return `${scheme}://${tg.__address__ ?? ''}${path}`
}

function publicLabels (tg: Record<string, string>, a: Args, id: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(tg)) if (!k.startsWith('__')) out[k] = v
  out.job ??= a.job_name || id
  out.instance ??= tg.__address__ ?? ''
  return out
}

register(kind)
