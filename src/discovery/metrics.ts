// Service-discovery self-metrics, named as Prometheus names them. Metrics are created once per
// registry (several agents may share one process in tests), and reused when another component
// already registered the same name there.
import { Counter, Summary, type Registry } from 'prom-client'

/** Memoises `make` per registry. */
export function perRegistry<T> (make: (registry: Registry) => T): (registry: Registry) => T {
  const cache = new WeakMap<Registry, T>()
  return registry => {
    let m = cache.get(registry)
    if (m === undefined) { m = make(registry); cache.set(registry, m) }
    return m
  }
}

/** A counter registered on `registry`, or the one already registered under that name. */
export function counter<L extends string = string> (registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  const existing = registry.getSingleMetric(name)
  if (existing !== undefined) return existing as Counter<L>
  return new Counter<L>({ name, help, labelNames, registers: [registry] })
}

export interface RefreshMetrics {
  failures: Counter<'mechanism' | 'config'>
  duration: Summary<'mechanism' | 'config'>
}

/** prometheus_sd_refresh_*: shared by all refresh-based mechanisms, labelled by mechanism and component id. */
export const refreshMetrics = perRegistry((registry): RefreshMetrics => {
  const existing = registry.getSingleMetric('prometheus_sd_refresh_duration_seconds')
  return {
    failures: counter(registry, 'prometheus_sd_refresh_failures_total', 'Number of refresh failures for the given SD mechanism.', ['mechanism', 'config']),
    duration: (existing as Summary<'mechanism' | 'config'> | undefined) ?? new Summary({
      name: 'prometheus_sd_refresh_duration_seconds',
      help: 'The duration of a refresh in seconds for the given SD mechanism.',
      labelNames: ['mechanism', 'config'],
      percentiles: [0.5, 0.9, 0.99],
      registers: [registry],
    }),
  }
})
