// Judges a chaos run from what the receiver stored: the `up` samples of every target (labelled
// with the agent that sent them) and the faults injected. Pure, so it is unit-tested with
// made-up runs (chaos-check.test.ts) and used by scripts/chaos.ts. Times in messages are
// seconds since window.start.

export interface UpSample { instance: string, agent: string, ts: number }
export interface FaultEvent { t: number, kind: 'kill' | 'restart' | 'stop' | 'resume' | 'heal', agent: string }

export interface ChaosLimits {
  /** Scrape interval, seconds. */
  intervalS: number
  /** Longest allowed time between two samples of a target: detection window + one interval
   *  (+ the interval the samples are apart anyway). */
  maxGapS: number
  /** How long after a membership change a target may be scraped by two agents. */
  handoffS: number
}

export interface TargetVerdict {
  instance: string
  samples: number
  maxGapS: number
  doubles: number
  agents: string[]
}

export interface ChaosVerdict {
  targets: TargetVerdict[]
  episodes: number
  problems: string[]
}

/** Two samples from different agents closer than half an interval: one scrape slot, two scrapers. */
function isDouble (a: UpSample, b: UpSample, intervalS: number): boolean {
  return a.agent !== b.agent && b.ts - a.ts < intervalS / 2
}

/**
 * Faults closer together than the handoff window form one episode; during an episode a target
 * that changed owner may be doubled at most once per fault in it (one handoff per membership
 * change); a target that kept its owner, or any target outside an episode, never.
 */
export function judgeChaos (samples: UpSample[], events: FaultEvent[], expected: string[], window: { start: number, end: number }, lim: ChaosLimits): ChaosVerdict {
  const problems: string[] = []
  const rel = (t: number): string => (t - window.start).toFixed(1)
  const sorted = [...events].sort((x, y) => x.t - y.t)
  const episodes: Array<{ from: number, to: number, faults: number }> = []
  for (const e of sorted) {
    const last = episodes[episodes.length - 1]
    if (last !== undefined && e.t <= last.to) { last.to = e.t + lim.handoffS; last.faults++ } else episodes.push({ from: e.t, to: e.t + lim.handoffS, faults: 1 })
  }
  const byTarget = new Map<string, UpSample[]>()
  for (const s of samples) {
    if (s.ts < window.start || s.ts > window.end) continue
    const list = byTarget.get(s.instance) ?? byTarget.set(s.instance, []).get(s.instance)!
    list.push(s)
  }
  const targets: TargetVerdict[] = []
  for (const inst of expected) {
    const list = (byTarget.get(inst) ?? []).sort((x, y) => x.ts - y.ts || (x.agent < y.agent ? -1 : 1))
    if (list.length === 0) { problems.push(`${inst}: no samples at all`); targets.push({ instance: inst, samples: 0, maxGapS: Infinity, doubles: 0, agents: [] }); continue }
    let maxGap = Math.max(list[0].ts - window.start, window.end - list[list.length - 1].ts)
    if (list[0].ts - window.start > lim.maxGapS) problems.push(`${inst}: first sample ${(list[0].ts - window.start).toFixed(1)}s after the start`)
    if (window.end - list[list.length - 1].ts > lim.maxGapS) problems.push(`${inst}: last sample ${(window.end - list[list.length - 1].ts).toFixed(1)}s before the end`)
    const perEpisode = new Map<number, number>()
    let doubles = 0
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]
      const b = list[i]
      const gap = b.ts - a.ts
      if (gap > maxGap) maxGap = gap
      if (gap > lim.maxGapS) problems.push(`${inst}: no sample for ${gap.toFixed(1)}s after t=${rel(a.ts)}s (${a.agent} → ${b.agent})`)
      if (isDouble(a, b, lim.intervalS)) {
        doubles++
        const ep = episodes.findIndex(e => b.ts >= e.from && b.ts <= e.to)
        if (ep < 0) { problems.push(`${inst}: scraped by ${a.agent} and ${b.agent} at t=${rel(b.ts)}s with no membership change before`); continue }
        // A target that no change handed over (same owner before and after the episode) has no
        // handoff to double it.
        const { from, to } = episodes[ep]
        const ownerBefore = list.findLast(s => s.ts < from)?.agent
        const ownerAfter = list.find(s => s.ts > to)?.agent
        if (ownerBefore !== undefined && ownerBefore === ownerAfter) {
          problems.push(`${inst}: scraped by ${a.agent} and ${b.agent} at t=${rel(b.ts)}s although it stayed with ${ownerBefore} through the change(s) at t=${rel(from)}s`)
          continue
        }
        const n = (perEpisode.get(ep) ?? 0) + 1
        perEpisode.set(ep, n)
        if (n === episodes[ep].faults + 1) problems.push(`${inst}: doubled ${n} times in the episode at t=${rel(episodes[ep].from)}s with ${episodes[ep].faults} membership change(s)`)
      }
    }
    targets.push({ instance: inst, samples: list.length, maxGapS: maxGap, doubles, agents: [...new Set(list.map(s => s.agent))].sort() })
  }
  for (const inst of byTarget.keys()) if (!expected.includes(inst)) problems.push(`${inst}: samples from a target nobody configured`)
  return { targets, episodes: episodes.length, problems }
}
