// The one way shoal makes its self-metrics: once per registry, and reused when something else in
// the process already registered the name there (several pools or components share a registry,
// a reload builds components again, tests run several agents in one process).
import { Counter, type Registry } from 'prom-client'

/** Memoises `make` per registry. */
export function perRegistry<T> (make: (registry: Registry) => T): (registry: Registry) => T {
  const cache = new WeakMap<Registry, T>()
  return registry => {
    let m = cache.get(registry)
    if (m === undefined) { m = make(registry); cache.set(registry, m) }
    return m
  }
}

/**
 * The metric registered under `cfg.name` on `registry`, or a new one made by `Metric` (Counter,
 * Gauge, Histogram, Summary) from `cfg`, registered there. Pass the class with its label type
 * (`Gauge<'job'>`), so `cfg` is checked against that metric's configuration.
 */
export function getOrCreate<C extends { name: string }, M> (registry: Registry, Metric: new (cfg: C) => M, cfg: NoInfer<Omit<C, 'registers'>>): M {
  const existing = registry.getSingleMetric(cfg.name)
  if (existing !== undefined) return existing as unknown as M
  return new Metric({ ...cfg, registers: [registry] } as unknown as C)
}

/** getOrCreate for the common case: a counter with a name, help and labels. */
export function counter<L extends string = string> (registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return getOrCreate(registry, Counter<L>, { name, help, labelNames })
}
