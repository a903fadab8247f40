// One rule for tests that need a tool from outside npm (Chromium, Prometheus, root + `ip netns`,
// tshark, openssl): locally a missing tool skips the test with a message; under
// SHOAL_REQUIRE_TOOLS=1 (set by .ci/run, which installs them) it fails the test, so CI can never
// turn green by skipping what it meant to run.
import type { TestContext } from 'node:test'

export const toolsRequired = (): boolean => process.env.SHOAL_REQUIRE_TOOLS === '1'

/**
 * Call at the top of a test with why it cannot run (undefined when it can). Returns true when the
 * test must stop here (skipped); throws when tools are required.
 */
export function unavailable (t: TestContext, why: string | undefined): boolean {
  if (why === undefined) return false
  if (toolsRequired()) throw new Error(`prerequisite missing under SHOAL_REQUIRE_TOOLS=1: ${why}`)
  t.skip(why)
  return true
}
