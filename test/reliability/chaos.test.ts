// The short chaos run (90 s of kills, restarts, freezes and resumes among five agents scraping
// 100 targets into a real Prometheus); the long one is `scripts/chaos.ts` (4 min by default).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { havePrometheus } from '../helpers/prometheus.js'
import { runChaos } from '../../scripts/chaos.js'
import { unavailable } from '../helpers/prereq.js'

const DURATION_MS = Number(process.env.SHOAL_CHAOS_MS ?? 90_000)

test(`chaos: ${DURATION_MS / 1000}s of faults lose no target and double none beyond one handoff per change`, { timeout: DURATION_MS + 240_000 }, async (t) => {
  if (unavailable(t, havePrometheus() ? undefined : 'prometheus not installed (apt-get install prometheus)')) return
  const report = await runChaos({ durationMs: DURATION_MS, seed: 7, agents: 5, targets: 100, log: line => t.diagnostic(line) })
  for (const line of report.summary.split('\n')) t.diagnostic(line)
  assert.ok(report.events.length >= 4, `only ${report.events.length} faults injected`)
  assert.equal(report.verdict.targets.length, 100)
  assert.deepEqual(report.problems, [])
})
