// What the scrape layer reports about a target (Alloy's TargetStatus): the component exposes it
// as debug info. The UI keeps its own copy of these shapes (its client is built apart);
// src/http/wire-check.ts fails the build when the two drift.

export type HealthState = 'up' | 'down' | 'unknown'

/** One target as the UI shows it (Alloy's TargetStatus, plus discovered labels and counts). */
export interface TargetDebugInfo {
  job: string
  url: string
  health: HealthState
  labels: Record<string, string>
  discovered_labels: Record<string, string>
  last_error: string
  /** RFC 3339, or "" before the first scrape. */
  last_scrape: string
  /** Go duration string, as Alloy prints time.Duration ("12.5ms"). */
  last_scrape_duration: string
  series?: number
  samples: number
  /** The target's 64-bit key in hex: names it in /components/{id}/targets/{key}/…. */
  key?: string
}

/** One scrape in a target's history (src/scrape/history.ts). */
export interface ScrapeRecord {
  /** RFC 3339 start of the scrape. */
  time: string
  durationSeconds: number
  /** Samples in the scrape (scrape_samples_scraped). */
  samples: number
  up: boolean
  /** '' when up. */
  error: string
}
