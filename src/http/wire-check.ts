// The UI's client is compiled apart from the server (its own tsconfig, no imports from src/),
// so it declares the JSON shapes it reads. These type assertions fail the build when a
// producer's type and the client's copy drift apart.
import type { TargetDebugInfo as WireTarget, TargetHealth as WireHealth } from './ui/client/wire.mjs'
import type { HealthState, TargetDebugInfo } from '../scrape/status.js'
import type { ScrapeRecord } from '../scrape/history.js'
import type { LinkInfo } from '../cluster/types.js'
import type { TargetOwnership } from '../components/prometheus/scrape-ownership.js'
import type { LinkInfo as WireLink, ScrapeRecord as WireRecord, TargetOwnership as WireOwnership } from './ui/client/wire.mjs'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T

export type ScrapeTargetMatchesWire = Assert<Same<TargetDebugInfo, WireTarget>>
export type ScrapeHealthMatchesWire = Assert<Same<HealthState, WireHealth>>
export type ScrapeRecordMatchesWire = Assert<Same<ScrapeRecord, WireRecord>>
export type LinkInfoMatchesWire = Assert<Same<LinkInfo, WireLink>>
export type OwnershipMatchesWire = Assert<Same<TargetOwnership, WireOwnership>>
