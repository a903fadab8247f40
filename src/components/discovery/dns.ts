// discovery.dns: Prometheus DNS SD. Queries each name every refresh_interval and exports one
// target per answer record. A name whose lookup fails keeps its last good targets (Prometheus
// sends no update for it); NXDOMAIN empties the name. Either marks the component unhealthy.
// The DNS servers are the system's, or SHOAL_DNS_SERVER (see discovery/dns-sd.ts) for tests.
import { healthNow, type ComponentKind, type Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { NoSuchHostError, RECORD_TYPES, lookupTargets, newResolver, type RecordType, type Target } from '../../discovery/dns-sd.js'
import { refreshMetrics } from '../../discovery/metrics.js'
import { counter, perRegistry } from '../../metrics/registry.js'
import { RefreshLoop } from '../../discovery/refresh-loop.js'
import { attr, t, type Decoded } from '../../vm/schema.js'

/** One name's outcome in a refresh: its targets, or why it has none this time. */
type Outcome = { name: string, targets: Target[] } | { name: string, error: Error }

const dnsMetrics = perRegistry(registry => ({
  lookups: counter(registry, 'prometheus_sd_dns_lookups_total', 'The number of DNS-SD lookups.'),
  failures: counter(registry, 'prometheus_sd_dns_lookup_failures_total', 'The number of DNS-SD lookup failures.'),
}))

const argsSchema = {
  names: attr(t.array(t.string), { required: true }),
  refresh_interval: attr(t.duration, { default: 30_000 }),
  type: attr(t.string, { default: 'SRV' }),
  port: attr(t.int, { default: 0 }),
}

export type Args = Decoded<typeof argsSchema>

export const kind: ComponentKind<Args> = {
  name: 'discovery.dns',
  stability: 'generally-available',
  args: argsSchema,
  exports: { targets: { type: 'array' } },
  validate (a) {
    const type = a.type.toUpperCase()
    const problems: string[] = []
    if (!(RECORD_TYPES as readonly string[]).includes(type)) problems.push(`invalid DNS-SD records type ${a.type}`)
    else if (type !== 'SRV' && a.port === 0) problems.push('a port is required in DNS-SD configs for all record types except SRV')
    if (a.port < 0 || a.port > 65535) problems.push(`port ${a.port} is out of range`)
    if (a.refresh_interval <= 0) problems.push('refresh_interval must be greater than 0')
    return problems
  },
  build (globals, initial) {
    const m = dnsMetrics(globals.registry)
    let args = initial
    let state: Health = healthNow('unknown', 'waiting for the first refresh')
    // Last good targets per configured name, in configuration order.
    let byName = new Map<string, Target[]>()
    let lastKey = JSON.stringify([])
    let exported = 0

    const refresh = async (signal: AbortSignal): Promise<Outcome[]> => {
      const a = args
      const type = a.type.toUpperCase() as RecordType
      const resolver = newResolver()
      const onAbort = (): void => resolver.cancel()
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        return await Promise.all(a.names.map(async (name): Promise<Outcome> => {
          m.lookups.inc()
          try {
            return { name, targets: await lookupTargets(resolver, name, type, a.port) }
          } catch (err) {
            // NXDOMAIN is an answer (the name has no targets), not a failed lookup, as in Prometheus.
            if (!(err instanceof NoSuchHostError) && !signal.aborted) m.failures.inc()
            return { name, error: err as Error }
          }
        }))
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    }

    const loop = new RefreshLoop<Outcome[]>({
      mechanism: 'dns',
      config: globals.id,
      metrics: refreshMetrics(globals.registry),
      intervalMs: () => args.refresh_interval,
      refresh,
      onResult (outcomes) {
        const next = new Map<string, Target[]>()
        const problems: string[] = []
        for (const o of outcomes) {
          if ('targets' in o) { next.set(o.name, o.targets); continue }
          problems.push(o.error.message)
          next.set(o.name, o.error instanceof NoSuchHostError ? [] : byName.get(o.name) ?? [])
          globals.logger.warn('error refreshing DNS targets', { name: o.name, err: o.error.message })
        }
        byName = next
        const targets = [...next.values()].flat()
        state = problems.length > 0 ? healthNow('unhealthy', problems.join('; ')) : healthNow('healthy', `${targets.length} targets`)
        const key = JSON.stringify(targets)
        if (key === lastKey) return
        lastKey = key
        exported = targets.length
        globals.onStateChange({ targets: targets })
      },
      onError (err) {
        state = healthNow('unhealthy', err.message)
      },
    })

    globals.onStateChange({ targets: [] })
    return {
      async run (signal) {
        if (!signal.aborted) {
          loop.kick()
          await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
        }
        await loop.stop()
      },
      update (a) {
        // Targets kept for failing names must come from the same query.
        if (a.type.toUpperCase() !== args.type.toUpperCase() || a.port !== args.port) byName = new Map()
        args = a
        loop.kick()
      },
      currentHealth: () => state,
      debugInfo: () => ({
        names: args.names,
        type: args.type.toUpperCase(),
        port: args.port,
        refresh_interval: `${args.refresh_interval / 1000}s`,
        targets: exported,
      }),
    }
  },
}

register(kind)
