// Self-metrics of the scrape engine, Prometheus's names where they exist. Several pools
// share one registry, so each metric is created once per registry and then reused.
import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client'
import { getOrCreate } from '../metrics/registry.js'


export class ScrapeMetrics {
  readonly intervalLength: Summary<'interval'>
  readonly exceededSampleLimit: Counter
  readonly exceededBucketLimit: Counter
  readonly exceededBodySizeLimit: Counter
  readonly exceededLabelLimits: Counter
  readonly exceededTargetLimit: Counter
  readonly duplicateTimestamp: Counter
  readonly poolTargets: Gauge<'scrape_job'>
  /** Targets after relabeling, wherever in the fleet they are scraped; compared fleet-wide with
   *  the sum of targetsOwned, it shows targets owned by nobody. */
  readonly targetsKnown: Gauge<'scrape_job'>
  readonly targetsOwned: Gauge<'scrape_job'>
  readonly scrapeDuration: Histogram<'job'>
  readonly samplesScraped: Counter<'job'>
  readonly skippedSlots: Counter

  constructor (registry: Registry) {
    this.intervalLength = getOrCreate(registry, Summary<'interval'>, {
      name: 'prometheus_target_interval_length_seconds',
      help: 'Actual intervals between scrapes.',
      labelNames: ['interval'],
      percentiles: [0.01, 0.05, 0.5, 0.9, 0.99],
    })
    this.exceededBucketLimit = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrapes_exceeded_native_histogram_bucket_limit_total',
      help: 'Total number of scrapes that hit the native histogram bucket limit and were rejected.',
    })
    this.exceededSampleLimit = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrapes_exceeded_sample_limit_total',
      help: 'Total number of scrapes that hit the sample limit and were rejected.',
    })
    this.exceededBodySizeLimit = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrapes_exceeded_body_size_limit_total',
      help: 'Total number of scrapes that hit the body size limit.',
    })
    this.exceededLabelLimits = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrape_pool_exceeded_label_limits_total',
      help: 'Total number of times scrape pools hit the label limits, during sync or config reload.',
    })
    this.exceededTargetLimit = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrape_pool_exceeded_target_limit_total',
      help: 'Total number of times scrape pools hit the target limit, during sync or config reload.',
    })
    this.duplicateTimestamp = getOrCreate(registry, Counter<string>, {
      name: 'prometheus_target_scrapes_sample_duplicate_timestamp_total',
      help: 'Total number of samples rejected due to duplicate timestamps but different values.',
    })
    this.poolTargets = getOrCreate(registry, Gauge<'scrape_job'>, {
      name: 'prometheus_target_scrape_pool_targets',
      help: 'Current number of targets in this scrape pool.',
      labelNames: ['scrape_job'],
    })
    this.targetsKnown = getOrCreate(registry, Gauge<'scrape_job'>, {
      name: 'shoal_scrape_targets_known',
      help: 'Targets of this scrape job after relabeling, whichever fleet member scrapes them.',
      labelNames: ['scrape_job'],
    })
    this.targetsOwned = getOrCreate(registry, Gauge<'scrape_job'>, {
      name: 'shoal_scrape_targets_owned',
      help: 'Targets of this scrape job that this node owns and scrapes.',
      labelNames: ['scrape_job'],
    })
    this.skippedSlots = getOrCreate(registry, Counter<string>, {
      name: 'shoal_scrape_slots_skipped_total',
      help: 'Scrape slots skipped because the timer fired more than half an interval late (a frozen or starved process).',
    })
    this.samplesScraped = getOrCreate(registry, Counter<'job'>, {
      name: 'shoal_scrape_samples_scraped_total',
      help: 'Samples read from scrapes (the sum of scrape_samples_scraped), by job: the scrape rate of this node.',
      labelNames: ['job'],
    })
    this.scrapeDuration = getOrCreate(registry, Histogram<'job'>, {
      name: 'shoal_scrape_duration_seconds',
      help: 'Duration of scrapes (fetch, parse and append), by job.',
      labelNames: ['job'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    })
  }
}
