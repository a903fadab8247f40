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
import { DEFAULT_SCRAPE_PROTOCOLS, PROTO_FIRST_SCRAPE_PROTOCOLS, type ScrapeConfig } from '../../scrape/config.js'
import { DistributedTargets, type DistributedTargetsInit, type TargetOwner } from '../../scrape/distributed-targets.js'
import { targetKey } from '../../scrape/target.js'
import { hex64 } from '../../scrape/hash.js'
import { targetOwnership } from './scrape-ownership.js'
import { httpClientSchema, pickHttpClientArgs, validateHttpClient } from '../../http-client/index.js'
import { parseBytes } from '../common/units.js'
import { formatDuration } from '../../vm/duration.js'
import { ESCAPING_SCHEMES, VALIDATION_SCHEMES, type EscapingScheme, type ValidationScheme } from '../../scrape/names.js'

const PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']
/** What shoal does with a body of no known content type: parse it as the Prometheus text format. */
const FALLBACKS = ['', ...PROTOCOLS]

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
    scrape_protocols: scrapeProtocols(a),
    scrape_fallback_protocol: a.scrape_fallback_protocol,
    scrape_native_histograms: a.scrape_native_histograms,
    scrape_classic_histograms: a.scrape_classic_histograms,
    native_histogram_bucket_limit: a.native_histogram_bucket_limit,
    native_histogram_min_bucket_factor: a.native_histogram_min_bucket_factor,
    convert_classic_histograms_to_nhcb: a.convert_classic_histograms_to_nhcb,
    enable_compression: a.enable_compression,
    metric_name_validation_scheme: a.metric_name_validation_scheme as ValidationScheme,
    metric_name_escaping_scheme: escapingScheme(a),
    http_client: pickHttpClientArgs(a),
  }
}

/** metric_name_escaping_scheme as Alloy resolves it: unset follows the validation scheme. */
export function escapingScheme (a: Pick<Args, 'metric_name_validation_scheme' | 'metric_name_escaping_scheme'>): EscapingScheme {
  if (a.metric_name_escaping_scheme !== '') return a.metric_name_escaping_scheme as EscapingScheme
  return a.metric_name_validation_scheme === 'utf8' ? 'allow-utf-8' : 'underscores'
}

function isDefaultProtocols (p: readonly string[]): boolean {
  return p.length === DEFAULT_SCRAPE_PROTOCOLS.length && p.every((x, i) => x === DEFAULT_SCRAPE_PROTOCOLS[i])
}

/**
 * scrape_protocols as Alloy resolves them: left at the default, enable_protobuf_negotiation
 * (deprecated) or scrape_native_histograms put PrometheusProto first.
 */
export function scrapeProtocols (a: Pick<Args, 'scrape_protocols' | 'enable_protobuf_negotiation' | 'scrape_native_histograms'>): string[] {
  if (isDefaultProtocols(a.scrape_protocols) && (a.enable_protobuf_negotiation || a.scrape_native_histograms)) return [...PROTO_FIRST_SCRAPE_PROTOCOLS]
  return a.scrape_protocols
}

/**
 * A hash of the arguments that decide what a node scrapes and how: peers whose hash differs
 * run another config for this component and do not share its targets with us. forward_to is
 * left out (receivers are node-local); secrets are hashed, never shown.
 */
export function configHash (a: Args): string {
  const h = createHash('sha256')
  h.update(JSON.stringify(a, (k, v: unknown) => {
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


/** Alloy's uint: a negative value is refused. */
const UINT = { kind: 'number', int: true, min: 0 } as const

/** prometheus.scrape's arguments, with Alloy's defaults; keys shoal does not implement refuse any other value. */
const argsSchema = {
  targets: attr(t.array(t.map(t.string)), { required: true }),
  forward_to: attr(t.array(t.capsule<Appendable>('Appendable')), { required: true }),
  job_name: attr(t.string, { default: '' }),
  extra_metrics: attr(t.bool, { default: false, unsupported: 'the extra scrape_* series are not written' }),
  enable_protobuf_negotiation: attr(t.bool, { default: false }),
  honor_labels: attr(t.bool, { default: false }),
  honor_timestamps: attr(t.bool, { default: true }),
  track_timestamps_staleness: attr(t.bool, { default: false }),
  params: attr(t.map(t.array(t.string)), { default: {} }),
  scrape_classic_histograms: attr(t.bool, { default: false }),
  scrape_native_histograms: attr(t.bool, { default: false }),
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
  native_histogram_bucket_limit: attr(t.int, { default: 0 }),
  native_histogram_min_bucket_factor: attr(t.number, { default: 0 }),
  enable_compression: attr(t.bool, { default: true }),
  // Metadata always goes downstream in shoal (remote_write's metadata_config decides what is sent): docs/components.md.
  honor_metadata: attr(t.bool, { default: false }),
  convert_classic_histograms_to_nhcb: attr(t.bool, { default: false }),
  start_timestamp_zero_ingestion: attr(t.bool, { default: false, unsupported: 'start timestamps are sent with remote write 2.0, but no zero sample is written at them' }),
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
      if (!PROTOCOLS.includes(p)) problems.push(`unknown scrape protocol "${p}" (supported: ${PROTOCOLS.join(', ')})`)
    }
    const dup = a.scrape_protocols.find((p, i) => a.scrape_protocols.indexOf(p) !== i)
    if (dup !== undefined) problems.push(`duplicate scrape protocol "${dup}": make sure the scrape protocols provided are unique`)
    if (a.enable_protobuf_negotiation && !isDefaultProtocols(a.scrape_protocols)) problems.push('both enable_protobuf_negotiation and scrape_protocols are set, only one can be set at a time')
    if (a.scrape_native_histograms && !scrapeProtocols(a).includes('PrometheusProto')) problems.push('scrape_native_histograms is set to true, but PrometheusProto is not in scrape_protocols')
    if (a.native_histogram_bucket_limit < 0) problems.push('native_histogram_bucket_limit must not be negative')
    if (a.native_histogram_min_bucket_factor < 0) problems.push('native_histogram_min_bucket_factor must not be negative')
    try { parseBytes(a.body_size_limit) } catch (err) { problems.push(`body_size_limit: ${(err as Error).message}`) }
    if (!FALLBACKS.includes(a.scrape_fallback_protocol)) problems.push(`invalid scrape_fallback_protocol "${a.scrape_fallback_protocol}" (valid: ${PROTOCOLS.join(', ')})`)
    problems.push(...nameSchemeProblems(a))
    problems.push(...validateHttpClient(a))
    if (a.clustering && a.clustering.replication_factor < 1) problems.push('clustering replication_factor must be at least 1')
    return problems
  },
  build (globals, initial) {
    let args = initial
    const fanout = new Fanout(args.forward_to)
    const pool = new ScrapePool(scrapeConfig(globals.id, args), { appendable: fanout, registry: globals.registry, log: globals.logger })
    const ownershipInit = (a: Args): DistributedTargetsInit => ({
      componentId: globals.id,
      enabled: a.clustering?.enabled ?? false,
      replicationFactor: a.clustering?.replication_factor ?? 1,
      configHash: configHash(a),
    })
    const targets = new DistributedTargets(globals.cluster, ownershipInit(args))
    let health: Health = { state: 'healthy', message: 'started', updatedTime: new Date() }

    void pool.setOwnership(targets.isLocal)
    void pool.sync(args.targets)
    // Membership, ownership and readiness (--cluster.wait-for-size) all arrive as change events.
    const unsubscribe = targets.onChange(() => { void pool.setOwnership(targets.isLocal) })
    globals.onStateChange({})

    return {
      async run (signal) {
        await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        unsubscribe()
        // The component is going away (reload removed it or the agent stops): its targets leave
        // this node. When clustered, another peer continues their series, so no stale markers.
        await pool.stop({ writeStaleMarkers: !targets.clustered })
      },
      async update (a) {
        const prevTargets = args.targets
        args = a
        fanout.set(a.forward_to)
        await pool.update(scrapeConfig(globals.id, a))
        targets.update(ownershipInit(a))
        void pool.setOwnership(targets.isLocal)
        if (prevTargets !== a.targets) await pool.sync(a.targets)
        health = { state: 'healthy', message: 'updated', updatedTime: new Date() }
      },
      currentHealth: () => health,
      debugInfo () {
        const self = peer(targets.self())
        const out: ScrapeTargetInfo[] = pool.debugInfo().map(t => ({ ...t, local: true, owner: self }))
        // Targets scraped elsewhere, with their owner, so one node tells who scrapes what.
        if (targets.clustered) {
          for (const { key, info } of pool.remoteTargets()) {
            const owner = targets.owner(key)
            out.push({ ...info, local: false, owner: owner && peer(owner) })
          }
        }
        return { clustered: targets.clustered, targets: out }
      },
      targetDetail (keyHex, part) {
        const tg = args.targets.find(x => hex64(targetKey(x)) === keyHex)
        if (tg === undefined) return undefined
        const key = targetKey(tg)
        if (part === 'history') {
          const loop = pool.loop(key)
          return { local: loop !== undefined, scrapes: loop?.history.records() ?? [] }
        }
        return targetOwnership(globals.cluster, targets.clustered, globals.id, key, args.clustering?.replication_factor ?? 1, pool.known(key)?.url ?? '')
      },
    }
  },
}

/** Alloy's checks of the two name schemes, in its words. */
function nameSchemeProblems (a: Args): string[] {
  const v = a.metric_name_validation_scheme
  const e = a.metric_name_escaping_scheme
  if (!(VALIDATION_SCHEMES as readonly string[]).includes(v)) return [`invalid metric_name_validation_scheme "${v}": must be either "utf8" or "legacy"`]
  if (e !== '' && !(ESCAPING_SCHEMES as readonly string[]).includes(e)) return [`invalid metric_name_escaping_scheme: "${e}", supported values: [${ESCAPING_SCHEMES.join(' ')}]`]
  if (escapingScheme(a) === 'allow-utf-8' && v !== 'utf8') return ["metric_name_escaping_scheme cannot be set to 'allow-utf-8' while metric_name_validation_scheme is not set to 'utf8'"]
  return []
}

function peer (o: TargetOwner): { peerId: string, name: string } {
  return { peerId: o.peerId, name: o.name }
}

register(kind)
