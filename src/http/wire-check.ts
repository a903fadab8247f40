// The UI's client is compiled apart from the server (its own tsconfig, no imports from src/),
// so it declares the JSON shapes it reads. These type assertions fail the build when a
// producer's type and the client's copy drift apart.
import type { TargetDebugInfo as WireTarget, TargetHealth as WireHealth } from './ui/client/wire.mjs'
import type { HealthState, TargetDebugInfo } from '../scrape/status.js'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T

export type ScrapeTargetMatchesWire = Assert<Same<TargetDebugInfo, WireTarget>>
export type ScrapeHealthMatchesWire = Assert<Same<HealthState, WireHealth>>
