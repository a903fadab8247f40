// discovery.http: Prometheus HTTP SD. GETs `url` every refresh_interval and exports the target
// groups it returns. A failed refresh keeps the last good targets and marks the component unhealthy.
import { healthNow, type ComponentKind, type Health } from '../../runtime/component.js'
import { register } from '../../runtime/registry.js'
import { SdHttpClient } from '../../discovery/http-client.js'
import { httpClientSchema, validateHttpClient } from '../../http-client/index.js'
import { checkContentType, checkStatus, parseTargetGroups, type Target } from '../../discovery/http-sd.js'
import { refreshMetrics } from '../../discovery/metrics.js'
import { counter, perRegistry } from '../../metrics/registry.js'
import { RefreshLoop } from '../../discovery/refresh-loop.js'
import { attr, t, type Decoded } from '../../vm/schema.js'

const httpMetrics = perRegistry(registry => ({
  failures: counter(registry, 'prometheus_sd_http_failures_total', 'Number of HTTP service discovery refresh failures.'),
}))

const argsSchema = {
  url: attr(t.string, { required: true }),
  refresh_interval: attr(t.duration, { default: 60_000 }),
  ...httpClientSchema,
}

export type Args = Decoded<typeof argsSchema>

export const kind: ComponentKind<Args> = {
  name: 'discovery.http',
  stability: 'generally-available',
  args: argsSchema,
  exports: { targets: { type: 'array' } },
  validate (a) {
    const problems: string[] = []
    let u: URL | undefined
    try { u = new URL(a.url) } catch { problems.push(`invalid url "${a.url}"`) }
    if (u !== undefined) {
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push("URL scheme must be 'http' or 'https'")
      else if (u.host === '') problems.push('host is missing in URL')
    }
    if (a.refresh_interval <= 0) problems.push('refresh_interval must be greater than 0')
    return [...problems, ...validateHttpClient(a)]
  },
  build (globals, initial) {
    const failures = httpMetrics(globals.registry).failures
    let args = initial
    let client = new SdHttpClient(args)
    let state: Health = healthNow('unknown', 'waiting for the first refresh')
    let last: Target[] = []
    let lastKey = JSON.stringify(last)
    let lastSuccess: Date | undefined

    const refresh = async (signal: AbortSignal): Promise<Target[]> => {
      const a = args
      try {
        const res = await client.get(a.url, {
          headers: {
            accept: 'application/json',
            'x-prometheus-refresh-interval-seconds': String(a.refresh_interval / 1000),
          },
          // Prometheus bounds the whole request by the refresh interval.
          timeoutMs: a.refresh_interval,
          signal,
        })
        checkStatus(res.status)
        checkContentType(res.contentType)
        return parseTargetGroups(a.url, res.body)
      } catch (err) {
        if (!signal.aborted) failures.inc()
        throw err
      }
    }

    const loop = new RefreshLoop<Target[]>({
      mechanism: 'http',
      config: globals.id,
      metrics: refreshMetrics(globals.registry),
      intervalMs: () => args.refresh_interval,
      refresh,
      onResult (targets) {
        lastSuccess = new Date()
        state = healthNow('healthy', `${targets.length} targets`)
        const key = JSON.stringify(targets)
        if (key === lastKey) return
        last = targets
        lastKey = key
        globals.onStateChange({ targets: targets })
      },
      onError (err) {
        // Keep the last good targets, as Prometheus does: a flaky endpoint must not drop every target.
        state = healthNow('unhealthy', `refresh of ${args.url} failed: ${err.message}`)
        globals.logger.warn('unable to refresh target groups', { url: args.url, err: err.message })
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
        await client.close()
      },
      update (a) {
        args = a
        const old = client
        client = new SdHttpClient(a)
        loop.kick()
        void old.close()
      },
      currentHealth: () => state,
      debugInfo: () => ({
        url: args.url,
        refresh_interval: `${args.refresh_interval / 1000}s`,
        targets: last.length,
        last_success: lastSuccess?.toISOString() ?? null,
      }),
    }
  },
}

register(kind)
