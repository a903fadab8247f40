// The failure detector's own vocabulary: member states, the updates it disseminates and the two
// things it needs from outside (a way to send bytes to a member, and a clock). Nothing here knows
// about libp2p, so the detector runs unchanged under the discrete-event simulation
// (scripts/fleet-sim.ts) and in the real node (src/cluster/swim-transport.ts).
import type { Clock } from '../../clock.js'

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left'

/**
 * One change about one member, as it is disseminated. `inc` is the member's incarnation: only the
 * member itself raises it (to refute a suspicion, or when its record changes), so for a given
 * member an update with a higher incarnation always wins, and at equal incarnation
 * dead/left > suspect > alive.
 */
export interface Update {
  state: MemberState
  id: string
  inc: number
  /** The member's record (opaque to the detector): alive updates and full-state syncs carry it. */
  meta?: Uint8Array
  /** Who suspects (suspect) or declared the death (dead): distinct suspecters shorten suspicion. */
  from?: string
}

export type Message =
  | { type: 'ping', seq: number, target: string, updates: Update[] }
  | { type: 'ack', seq: number, updates: Update[] }
  /** Please probe `target` for me and tell me (ack with my seq, or nack). */
  | { type: 'ping-req', seq: number, target: string, updates: Update[] }
  /** Lifeguard: "I asked, it did not answer" — proves the asker's link works, so a missing nack
   *  counts against the asker's own health. */
  | { type: 'nack', seq: number }
  | { type: 'gossip', updates: Update[] }
  /** Full state (push-pull): to a newcomer, on rejoin, on request; `reply` answers one. */
  | { type: 'sync', reply: boolean, members: Update[] }

/** Sends an encoded message to a member; delivery is best effort (loss is the detector's business). */
export interface SwimTransport {
  send (to: string, data: Uint8Array): void
}

export type { TimerHandle } from '../../clock.js'
/** The detector's time: the shared Clock, so the simulation and tests can drive it. */
export type SwimClock = Clock

/** What the detector tells its owner: a member appeared, changed, is suspected, died or left. */
export interface MemberEvent {
  kind: 'join' | 'update' | 'suspect' | 'alive' | 'dead' | 'left'
  id: string
  inc: number
  meta: Uint8Array
  /** For 'alive': the state it came back from (suspect = refuted, dead/left = rejoined). */
  previous?: MemberState
}

export { systemClock } from '../../clock.js'
