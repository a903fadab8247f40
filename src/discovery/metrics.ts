// Service-discovery self-metrics, named as Prometheus names them (made with src/metrics).
import { Summary, type Counter } from 'prom-client'
import { counter, getOrCreate, perRegistry } from '../metrics/registry.js'

export interface RefreshMetrics {
  failures: Counter<'mechanism' | 'config'>
  duration: Summary<'mechanism' | 'config'>
}

/** prometheus_sd_refresh_*: shared by all refresh-based mechanisms, labelled by mechanism and component id. */
export const refreshMetrics = perRegistry((registry): RefreshMetrics => ({
  failures: counter(registry, 'prometheus_sd_refresh_failures_total', 'Number of refresh failures for the given SD mechanism.', ['mechanism', 'config']),
  duration: getOrCreate(registry, Summary<'mechanism' | 'config'>, {
    name: 'prometheus_sd_refresh_duration_seconds',
    help: 'The duration of a refresh in seconds for the given SD mechanism.',
    labelNames: ['mechanism', 'config'],
    percentiles: [0.5, 0.9, 0.99],
  }),
}))
