// Prometheus durations (prometheus/common model.Duration), which is what target labels
// such as __scrape_interval__ hold: "1m", "15s", "1m30s", "2d". Not Go's time.Duration
// ("1m0s"): a relabel rule that writes "90s" into __scrape_interval__ must parse here.

const UNITS: Record<string, { pos: number, ms: number }> = {
  y: { pos: 1, ms: 365 * 24 * 3600_000 },
  w: { pos: 2, ms: 7 * 24 * 3600_000 },
  d: { pos: 3, ms: 24 * 3600_000 },
  h: { pos: 4, ms: 3600_000 },
  m: { pos: 5, ms: 60_000 },
  s: { pos: 6, ms: 1000 },
  ms: { pos: 7, ms: 1 },
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9'

/**
 * Parses a Prometheus duration to milliseconds. Units must appear biggest first, each at
 * most once; "0" is allowed bare. Throws with Prometheus's own messages.
 */
export function parsePromDuration (orig: string): number {
  if (orig === '0') return 0
  if (orig === '') throw new Error('empty duration string')
  let s = orig
  let total = 0
  let lastPos = 0
  while (s !== '') {
    let i = 0
    while (i < s.length && isDigit(s[i])) i++
    if (i === 0) throw new Error(`not a valid duration string: ${JSON.stringify(orig)}`)
    const v = Number(s.slice(0, i))
    s = s.slice(i)
    let j = 0
    while (j < s.length && !isDigit(s[j])) j++
    if (j === 0) throw new Error(`not a valid duration string: ${JSON.stringify(orig)}`)
    const u = s.slice(0, j)
    s = s.slice(j)
    const unit = UNITS[u]
    if (unit === undefined) throw new Error(`unknown unit ${JSON.stringify(u)} in duration ${JSON.stringify(orig)}`)
    if (unit.pos <= lastPos) throw new Error(`not a valid duration string: ${JSON.stringify(orig)}`)
    lastPos = unit.pos
    total += v * unit.ms
    if (!Number.isSafeInteger(total)) throw new Error('duration out of range')
  }
  return total
}

/** Formats milliseconds as Prometheus prints durations: years and weeks only when exact. */
export function formatPromDuration (ms: number): string {
  ms = Math.trunc(ms)
  if (ms === 0) return '0s'
  let out = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  const part = (unit: string, exact: boolean): void => {
    const mult = UNITS[unit].ms
    if (exact && rest % mult !== 0) return
    const v = Math.floor(rest / mult)
    if (v > 0) {
      out += `${v}${unit}`
      rest -= v * mult
    }
  }
  part('y', true)
  part('w', true)
  part('d', false)
  part('h', false)
  part('m', false)
  part('s', false)
  part('ms', false)
  return out
}
