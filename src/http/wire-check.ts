// The UI's client is compiled apart from the server (its own tsconfig, no imports from src/),
// so it declares the JSON shapes it reads. These type assertions fail the build when a
// producer's type and the client's copy drift apart.
import type * as Wire from './ui/client/wire.mjs'
import type { HealthState, ScrapeRecord, TargetDebugInfo } from '../scrape/status.js'
import type { LinkInfo } from '../cluster/links.js'
import type { RankedPeer, TargetOwnership } from '../components/prometheus/scrape-ownership.js'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T

export type WireChecks = [
  Assert<Same<TargetDebugInfo, Wire.TargetDebugInfo>>,
  Assert<Same<HealthState, Wire.TargetHealth>>,
  Assert<Same<ScrapeRecord, Wire.ScrapeRecord>>,
  Assert<Same<LinkInfo, Wire.LinkInfo>>,
  Assert<Same<RankedPeer, Wire.RankedPeer>>,
  Assert<Same<TargetOwnership, Wire.TargetOwnership>>,
]
