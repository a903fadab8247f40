// prometheus.scrape: scrapes its targets and forwards samples to forward_to. With
// `clustering { enabled = true }` the fleet splits the targets: each node scrapes those it
// owns by rendezvous hashing among the live peers that run the same config for this component.
import { createHash } from 'node:crypto'
import type { ComponentKind, Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t } from '../../vm/schema.js'
import { Secret } from '../../vm/value.js'
import { Fanout } from '../../storage/fanout.js'
import type { Appendable } from '../../storage/series.js'
import { ScrapePool, type TargetDebugInfo } from '../../scrape/pool.js'
import type { ScrapeConfig } from '../../scrape/config.js'
import { targetKey } from '../../scrape/target.js'
import type { Cluster } from '../../cluster/index.js'
import { authSchemas, tlsSchema, type AuthArgs, type TlsArgs } from '../common/http-client.js'
import { parseBytes } from '../common/units.js'

interface Args extends AuthArgs {
  targets: Array<Record<string, string>>
  forward_to: Appendable[]
  job_name: string
  extra_metrics: boolean
  honor_labels: boolean
  honor_timestamps: boolean
  track_timestamps_staleness: boolean
  params: Record<string, string[]>
  scrape_classic_histograms: boolean
  scrape_interval: number
  scrape_timeout: number
  scrape_protocols: string[]
  metrics_path: string
  scheme: string
  body_size_limit: unknown
  sample_limit: number
  target_limit: number
  label_limit: number
  label_name_length_limit: number
  label_value_length_limit: number
  enable_compression: boolean
  proxy_url: string
  follow_redirects: boolean
  enable_http2: boolean
  http_headers: Record<string, unknown>
  tls_config: TlsArgs | undefined
  clustering: { enabled: boolean, replication_factor: number } | undefined
}

const PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4']
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
    follow_redirects: a.follow_redirects,
    proxy_url: a.proxy_url || undefined,
    basic_auth: a.basic_auth ? { username: a.basic_auth.username, password: a.basic_auth.password, password_file: a.basic_auth.password_file || undefined } : undefined,
    bearer_token: a.bearer_token,
    bearer_token_file: a.bearer_token_file || undefined,
    authorization: a.authorization ? { type: a.authorization.type, credentials: a.authorization.credentials, credentials_file: a.authorization.credentials_file || undefined } : undefined,
    tls_config: a.tls_config
      ? {
          ca_pem: a.tls_config.ca_pem || undefined,
          ca_file: a.tls_config.ca_file || undefined,
          cert_pem: a.tls_config.cert_pem || undefined,
          cert_file: a.tls_config.cert_file || undefined,
          key_pem: a.tls_config.key_pem,
          key_file: a.tls_config.key_file || undefined,
          server_name: a.tls_config.server_name || undefined,
          insecure_skip_verify: a.tls_config.insecure_skip_verify,
          min_version: a.tls_config.min_version || undefined,
        }
      : undefined,
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

const kind: ComponentKind<Args> = {
  name: 'prometheus.scrape',
  stability: 'generally-available',
  args: {
    targets: attr(t.array(t.map(t.string)), { required: true }),
    forward_to: attr(t.array(t.capsule('Appendable')), { required: true }),
    job_name: attr(t.string, { default: '' }),
    extra_metrics: attr(t.bool, { default: false }),
    enable_protobuf_negotiation: attr(t.bool, { default: false }),
    honor_labels: attr(t.bool, { default: false }),
    honor_timestamps: attr(t.bool, { default: true }),
    track_timestamps_staleness: attr(t.bool, { default: false }),
    params: attr(t.map(t.array(t.string)), { default: {} }),
    scrape_classic_histograms: attr(t.bool, { default: false }),
    scrape_native_histograms: attr(t.bool, { default: false }),
    scrape_interval: attr(t.duration, { default: 60_000 }),
    scrape_timeout: attr(t.duration, { default: 10_000 }),
    scrape_protocols: attr(t.array(t.string), { default: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText0.0.4'] }),
    scrape_fallback_protocol: attr(t.string, { default: '' }),
    metrics_path: attr(t.string, { default: '/metrics' }),
    scheme: attr(t.string, { default: 'http' }),
    body_size_limit: attr(t.any, { default: 0 }),
    sample_limit: attr(t.int, { default: 0 }),
    target_limit: attr(t.int, { default: 0 }),
    label_limit: attr(t.int, { default: 0 }),
    label_name_length_limit: attr(t.int, { default: 0 }),
    label_value_length_limit: attr(t.int, { default: 0 }),
    native_histogram_bucket_limit: attr(t.int, { default: 0 }),
    native_histogram_min_bucket_factor: attr(t.number, { default: 0 }),
    enable_compression: attr(t.bool, { default: true }),
    metric_name_validation_scheme: attr(t.string, { default: '' }),
    metric_name_escaping_scheme: attr(t.string, { default: '' }),
    proxy_url: attr(t.string, { default: '' }),
    no_proxy: attr(t.string, { default: '' }),
    proxy_from_environment: attr(t.bool, { default: false }),
    proxy_connect_header: attr(t.map(t.array(t.secret)), { default: {} }),
    follow_redirects: attr(t.bool, { default: true }),
    enable_http2: attr(t.bool, { default: true }),
    http_headers: attr(t.map(t.array(t.secret)), { default: {} }),
    ...authSchemas,
    tls_config: block(tlsSchema),
    clustering: block({
      enabled: attr(t.bool, { default: false }),
      replication_factor: attr(t.int, { default: 1 }),
    }),
  },
  exports: {},
  validate (a) {
    const problems: string[] = []
    const dur = (ms: number): string => {
      if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h0m0s`
      if (ms % 60_000 === 0) return `${ms / 60_000}m0s`
      return `${ms / 1000}s`
    }
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
    if (new Set(a.scrape_protocols).size !== a.scrape_protocols.length) problems.push('duplicated protocol in scrape_protocols')
    try { parseBytes(a.body_size_limit) } catch (err) { problems.push(`body_size_limit: ${(err as Error).message}`) }
    if (a.bearer_token && a.bearer_token_file) problems.push('at most one of bearer_token & bearer_token_file must be configured')
    const auths = [a.basic_auth, a.authorization, a.bearer_token ?? (a.bearer_token_file || undefined)].filter(Boolean).length
    if (auths > 1) problems.push('at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured')
    if (a.proxy_url) { try { new URL(a.proxy_url) } catch { problems.push(`invalid proxy_url "${a.proxy_url}"`) } }
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
              local: false,
              owner: owner ? { peerId: owner.peerId, name: owner.name } : null,
            })
          }
        }
        return { clustered: clustered(), targets }
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
