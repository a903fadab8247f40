// prometheus.relabel: relabels every series passing through and forwards the survivors.
// Results are cached per input Series object, so a steady scrape pays for relabeling once.
import type { Counter } from 'prom-client'
import { counter, perRegistry } from '../../metrics/registry.js'
import type { ComponentKind } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { formatDuration } from '../../vm/duration.js'
import { Capsule } from '../../vm/value.js'
import { ruleSchema, rulesFromDecoded } from '../../relabel/schema.js'
import { relabel } from '../../relabel/process.js'
import type { Rule } from '../../relabel/rule.js'
import { Fanout } from '../../storage/fanout.js'
import { Series, type Appendable, type Appender, type Exemplar, type Histogram, type Metadata } from '../../storage/series.js'

const DROPPED = null

class RelabelAppendable implements Appendable {
  rules: readonly Rule[] = []
  /** Input series → output series (or DROPPED). Weak, so series that vanish upstream free their entry. */
  cache = new WeakMap<Series, Series | null>()
  readonly fanout = new Fanout()
  constructor (readonly metrics: { in: Counter, out: Counter, dropped: Counter }) {}

  map (s: Series): Series | null {
    let out = this.cache.get(s)
    if (out !== undefined) return out
    const res = relabel(s.labels, this.rules)
    out = res === undefined || res.length === 0 ? DROPPED : new Series(res)
    this.cache.set(s, out)
    return out
  }

  waitForCapacity (): Promise<void> { return this.fanout.waitForCapacity() }

  appender (): Appender {
    const next = this.fanout.appender()
    const map = (s: Series): Series | null => this.map(s)
    const metrics = this.metrics
    let inCount = 0
    let outCount = 0
    return {
      append (s: Series, ts: number, v: number) { inCount++; const o = map(s); if (o) { outCount++; next.append(o, ts, v) } },
      appendHistogram (s: Series, ts: number, h: Histogram) { inCount++; const o = map(s); if (o) { outCount++; next.appendHistogram(o, ts, h) } },
      appendStale (s: Series, ts: number, histogram?: boolean) { inCount++; const o = map(s); if (o) { outCount++; next.appendStale(o, ts, histogram) } },
      appendExemplar (s: Series, e: Exemplar) { const o = map(s); if (o) next.appendExemplar(o, e) },
      appendMetadata (f: string, m: Metadata) { next.appendMetadata(f, m) },
      commit () {
        metrics.in.inc(inCount); metrics.out.inc(outCount); metrics.dropped.inc(inCount - outCount)
        next.commit()
      },
      rollback () { next.rollback() },
    }
  }
}

const relabelMetrics = perRegistry(registry => ({
  in: counter(registry, 'shoal_relabel_samples_in_total', 'Samples entering prometheus.relabel components.'),
  out: counter(registry, 'shoal_relabel_samples_forwarded_total', 'Samples forwarded by prometheus.relabel components.'),
  dropped: counter(registry, 'shoal_relabel_samples_dropped_total', 'Samples dropped by prometheus.relabel rules.'),
}))

const argsSchema = {
  forward_to: attr(t.array(t.capsule<Appendable>('Appendable')), { required: true }),
  rule: block(ruleSchema, { multiple: true }),
  // Both only size the cache in Alloy; shoal caches per series object (a WeakMap), which gives
  // the same results for any setting (docs/components.md). Alloy's validation is kept.
  max_cache_size: attr(t.int, { default: 100_000 }),
  cache_ttl: attr(t.duration, { default: 0 }),
}

type Args = Decoded<typeof argsSchema>

const kind: ComponentKind<Args> = {
  name: 'prometheus.relabel',
  stability: 'generally-available',
  args: argsSchema,
  exports: { receiver: { type: 'capsule', capsule: 'Appendable' }, rules: { type: 'capsule', capsule: 'Rules' } },
  validate (args) {
    const problems: string[] = []
    if (args.max_cache_size < 0) problems.push(`max_cache_size must be >= 0; got ${args.max_cache_size}`)
    else if (args.cache_ttl < 0) problems.push(`cache_ttl must be >= 0; got ${formatDuration(args.cache_ttl)}`)
    else if (args.max_cache_size > 0 && args.cache_ttl > 0) problems.push('max_cache_size and cache_ttl are mutually exclusive: set max_cache_size = 0 to use cache_ttl, or unset cache_ttl to keep the bounded LRU cache')
    else if (args.max_cache_size === 0 && args.cache_ttl === 0) problems.push('one of max_cache_size or cache_ttl must be set')
    else if (args.cache_ttl > 0 && args.cache_ttl < 60_000) problems.push(`cache_ttl must be at least 1m0s when set; got ${formatDuration(args.cache_ttl)}`)
    try { rulesFromDecoded(args.rule) } catch (err) { problems.push((err as Error).message) }
    return problems
  },
  build (globals, args) {
    const app = new RelabelAppendable(relabelMetrics(globals.registry))
    const apply = (a: Args): void => {
      const rules = rulesFromDecoded(a.rule)
      app.rules = rules
      app.cache = new WeakMap()
      app.fanout.set(a.forward_to)
      globals.onStateChange({ receiver: new Capsule('Appendable', app), rules: new Capsule('Rules', rules) })
    }
    apply(args)
    let current = args
    return {
      async run (signal) { await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true })) },
      update (a) {
        // Only a change of rules invalidates the cache; a new forward_to list does not.
        if (JSON.stringify(a.rule) !== JSON.stringify(current.rule)) { app.rules = rulesFromDecoded(a.rule); app.cache = new WeakMap() }
        app.fanout.set(a.forward_to)
        current = a
      },
    }
  },
}

register(kind)
