// From a discovered target to a scrape target, as Prometheus's PopulateLabels does:
// config defaults, target relabeling, validation, `instance`, and the scrape URL.
import { sortLabels, type Label, type Labels } from '../storage/series.js'
import type { ResolvedScrapeConfig } from './config.js'
import { formatPromDuration, parsePromDuration } from './duration.js'
import { hashLabelPairs, hex64 } from './hash.js'

export const ADDRESS = '__address__'
export const SCHEME = '__scheme__'
export const METRICS_PATH = '__metrics_path__'
export const SCRAPE_INTERVAL = '__scrape_interval__'
export const SCRAPE_TIMEOUT = '__scrape_timeout__'
export const PARAM_PREFIX = '__param_'
export const META_PREFIX = '__meta_'
export const RESERVED_PREFIX = '__'

/**
 * The target's identity in the fleet: a hash of its discovered labels without `__meta_*`
 * (as Alloy's NonMetaLabelsHash). Clustering uses it for ownership and the loop for its
 * scrape offset, so it must not depend on anything node-local. See hash.ts.
 */
export function targetKey (discovered: Readonly<Record<string, string>>): bigint {
  const pairs: Array<[string, string]> = []
  for (const name in discovered) {
    if (!name.startsWith(META_PREFIX)) pairs.push([name, discovered[name]])
  }
  return hashLabelPairs(pairs)
}

/** Thrown for a target that cannot be scraped; the pool shows it and carries on. */
export class TargetError extends Error {
  override name = 'TargetError'
}

export interface Target {
  /** targetKey() of the discovered labels. */
  readonly key: bigint
  /** The key as 16 hex digits (map key, JSON). */
  readonly keyHex: string
  /** As discovery gave it. */
  readonly discovered: Readonly<Record<string, string>>
  /** Discovered labels plus config defaults, before relabeling (the UI's "discovered labels"). */
  readonly discoveredLabels: Labels
  /** Every label after relabeling, including `__address__` and other `__` labels. */
  readonly labels: Labels
  /** Labels attached to scraped series: those not starting with `__`. */
  readonly publicLabels: Labels
  readonly url: string
  readonly intervalMs: number
  readonly timeoutMs: number
}

/** PopulateDiscoveredLabels: discovered labels plus the config's defaults where unset. */
export function discoveredLabels (discovered: Readonly<Record<string, string>>, cfg: ResolvedScrapeConfig): Map<string, string> {
  const lb = new Map<string, string>()
  for (const name in discovered) {
    // An empty value is the same as an absent label.
    if (discovered[name] !== '') lb.set(name, discovered[name])
  }
  const setDefault = (name: string, value: string): void => {
    if (!lb.get(name)) lb.set(name, value)
  }
  setDefault('job', cfg.job_name)
  setDefault(SCRAPE_INTERVAL, formatPromDuration(cfg.scrape_interval))
  setDefault(SCRAPE_TIMEOUT, formatPromDuration(cfg.scrape_timeout))
  setDefault(METRICS_PATH, cfg.metrics_path)
  setDefault(SCHEME, cfg.scheme)
  for (const [name, values] of Object.entries(cfg.params)) {
    if (values.length > 0) setDefault(PARAM_PREFIX + name, values[0])
  }
  return lb
}

function toLabels (m: Map<string, string>): Label[] {
  const out: Label[] = []
  for (const [name, value] of m) if (value !== '') out.push({ name, value })
  return sortLabels(out)
}

// Lone UTF-16 surrogates cannot be encoded as UTF-8: Prometheus rejects such values.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Builds a scrape target. Returns undefined when target relabeling dropped it; throws
 * TargetError (with Prometheus's messages) when it cannot be scraped.
 */
export function newTarget (discovered: Readonly<Record<string, string>>, cfg: ResolvedScrapeConfig): Target | undefined {
  const lbMap = discoveredLabels(discovered, cfg)
  const disc = toLabels(lbMap)

  let labels: Labels = disc
  if (cfg.relabel !== undefined) {
    const out = cfg.relabel(disc)
    if (out === undefined || out.length === 0) return undefined
    labels = out
  }
  const lb = new Map<string, string>()
  for (const l of labels) if (l.value !== '') lb.set(l.name, l.value)

  const addr = lb.get(ADDRESS)
  if (addr === undefined) throw new TargetError('no address')
  if (addr.includes('/')) throw new TargetError(`${JSON.stringify(addr)} is not a valid hostname`)

  const interval = lb.get(SCRAPE_INTERVAL) ?? ''
  const timeout = lb.get(SCRAPE_TIMEOUT) ?? ''
  let intervalMs: number
  let timeoutMs: number
  try {
    intervalMs = parsePromDuration(interval)
  } catch (err) {
    throw new TargetError(`error parsing scrape interval: ${(err as Error).message}`)
  }
  if (intervalMs === 0) throw new TargetError('scrape interval cannot be 0')
  try {
    timeoutMs = parsePromDuration(timeout)
  } catch (err) {
    throw new TargetError(`error parsing scrape timeout: ${(err as Error).message}`)
  }
  if (timeoutMs === 0) throw new TargetError('scrape timeout cannot be 0')
  if (timeoutMs > intervalMs) {
    throw new TargetError(`scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`)
  }

  // Meta labels go after relabeling; other `__` labels stay for the URL and the UI.
  for (const name of [...lb.keys()]) if (name.startsWith(META_PREFIX)) lb.delete(name)
  if (!lb.get('instance')) lb.set('instance', addr)

  const final = toLabels(lb)
  for (const l of final) {
    if (LONE_SURROGATE.test(l.value)) throw new TargetError(`invalid label value for ${JSON.stringify(l.name)}: ${JSON.stringify(l.value)}`)
  }

  const url = scrapeURL(lb, cfg.params)
  try {
     
    new URL(url)
  } catch {
    throw new TargetError(`${JSON.stringify(addr)} is not a valid hostname`)
  }

  const key = targetKey(discovered)
  return {
    key,
    keyHex: hex64(key),
    discovered,
    discoveredLabels: disc,
    labels: final,
    publicLabels: final.filter(l => !l.name.startsWith(RESERVED_PREFIX)),
    url,
    intervalMs,
    timeoutMs,
  }
}

// Go's url.QueryEscape: everything but unreserved characters is escaped, space as '+'.
function queryEscape (s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
}

/** scheme://address/path?params, with __param_<name> labels overriding the config's first value. */
export function scrapeURL (lb: ReadonlyMap<string, string>, configParams: Readonly<Record<string, string[]>>): string {
  const params = new Map<string, string[]>()
  for (const [k, v] of Object.entries(configParams)) params.set(k, [...v])
  for (const [name, value] of lb) {
    if (!name.startsWith(PARAM_PREFIX)) continue
    const k = name.slice(PARAM_PREFIX.length)
    const vs = params.get(k)
    if (vs !== undefined && vs.length > 0) vs[0] = value
    else params.set(k, [value])
  }
  let query = ''
  for (const k of [...params.keys()].sort()) {
    for (const v of params.get(k)!) query += (query === '' ? '' : '&') + queryEscape(k) + '=' + queryEscape(v)
  }
  let path = lb.get(METRICS_PATH) ?? ''
  if (path !== '' && !path.startsWith('/')) path = '/' + path
  path = encodeURI(path).replace(/%25([0-9A-Fa-f]{2})/g, '%$1').replace(/\?/g, '%3F').replace(/#/g, '%23')
  return `${lb.get(SCHEME) ?? 'http'}://${lb.get(ADDRESS) ?? ''}${path}${query === '' ? '' : '?' + query}`
}
