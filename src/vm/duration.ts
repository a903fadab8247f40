// Go duration strings (time.ParseDuration / time.Duration.String), in milliseconds.
// Alloy configs write every interval this way ("15s", "1m30s", "250ms").

const NS_PER: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
}

/** The largest int64: Go durations are int64 nanoseconds. */
const MAX_NS = 9223372036854775807n

function quote (s: string): string {
  return JSON.stringify(s)
}

/**
 * Parses a Go duration string ("1h2m3.5s", "-1.5h", ".5s", "300ms") to milliseconds.
 * Throws with Go's own messages (`time: invalid duration "x"`).
 */
export function parseDuration (orig: string): number {
  let s = orig
  let neg = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') throw new Error(`time: invalid duration ${quote(orig)}`)

  let total = 0n
  while (s !== '') {
    // Whole part.
    let i = 0
    while (i < s.length && s[i] >= '0' && s[i] <= '9') i++
    const whole = s.slice(0, i)
    s = s.slice(i)
    // Fraction.
    let frac = ''
    if (s[0] === '.') {
      s = s.slice(1)
      let j = 0
      while (j < s.length && s[j] >= '0' && s[j] <= '9') j++
      frac = s.slice(0, j)
      s = s.slice(j)
    }
    if (whole === '' && frac === '') throw new Error(`time: invalid duration ${quote(orig)}`)
    // Unit: everything up to the next digit or dot.
    let k = 0
    while (k < s.length && s[k] !== '.' && !(s[k] >= '0' && s[k] <= '9')) k++
    const unit = s.slice(0, k)
    s = s.slice(k)
    if (unit === '') throw new Error(`time: missing unit in duration ${quote(orig)}`)
    const per = NS_PER[unit]
    if (per === undefined) throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`)

    const unitNs = BigInt(per)
    let v = BigInt(whole === '' ? '0' : whole) * unitNs
    if (frac !== '') {
      // As Go: accumulate fraction digits until they would overflow int64, then scale in
      // float64 and truncate to whole nanoseconds.
      let f = 0n
      let scale = 1
      for (const d of frac) {
        if (f > MAX_NS / 10n) continue
        const next = f * 10n + BigInt(d)
        if (next > MAX_NS) continue
        f = next
        scale *= 10
      }
      v += BigInt(Math.trunc(Number(f) * (per / scale)))
    }
    total += v
    if (total > MAX_NS + (neg ? 1n : 0n)) throw new Error(`time: invalid duration ${quote(orig)}`)
  }
  const ms = Number(total) / 1e6
  return neg ? -ms : ms
}

/** Go's time.Duration.String(): "1h0m0s", "1m30s", "2.5s", "250ms", "1.5µs", "0s". */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  let ns = BigInt(Math.round(ms * 1e6))
  if (ns === 0n) return '0s'
  const neg = ns < 0n
  if (neg) ns = -ns
  let out: string
  if (ns < 1_000_000_000n) {
    // Sub-second: the largest unit that keeps a non-zero integer part.
    if (ns < 1000n) out = `${ns}ns`
    else if (ns < 1_000_000n) out = fixed(ns, 1000n) + 'µs'
    else out = fixed(ns, 1_000_000n) + 'ms'
  } else {
    const h = ns / 3_600_000_000_000n
    const rem = ns % 3_600_000_000_000n
    const m = rem / 60_000_000_000n
    const sNs = rem % 60_000_000_000n
    out = fixed(sNs, 1_000_000_000n) + 's'
    if (h > 0n || m > 0n) out = `${m}m` + out
    if (h > 0n) out = `${h}h` + out
  }
  return neg ? '-' + out : out
}

/** n / div as a decimal without trailing zeros. */
function fixed (n: bigint, div: bigint): string {
  const whole = n / div
  const frac = n % div
  if (frac === 0n) return String(whole)
  const digits = String(div).length - 1
  const f = String(frac).padStart(digits, '0').replace(/0+$/, '')
  return `${whole}.${f}`
}
