// A member nobody can dial (behind NAT, no advertised address, no address AutoNAT confirmed as
// public) holds a reservation on a relay member it is directly linked to, and listens on that
// relay's p2p-circuit address, so others (and their API requests) reach it through the relay.
// Relays themselves never reserve.

import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import { isCircuit, isPublicIp } from './addresses.js'
import type { Logger } from '../logging/logger.js'

/** The part of libp2p reservations use (node.ts adapts the private calls via libp2p-private.ts). */
export interface RelayReservationComponents {
  getConnections (): Array<Pick<Connection, 'status' | 'limits' | 'remotePeer' | 'remoteAddr'>>
  peerStore: { get (peer: PeerId): Promise<{ protocols: string[] }> }
  getMultiaddrs (): Multiaddr[]
  /** Our addresses with whether AutoNAT (or config) verified them. */
  addressesWithMetadata (): Array<{ multiaddr: Multiaddr, verified: boolean, type: string }>
  /** Listens on more addresses (the relay's circuit address). */
  listen (addrs: Multiaddr[]): Promise<void>
}

export interface RelayReservationInit {
  /** We are a relay: never reserve, never check. */
  relay: boolean
  /** Addresses we advertise: with any, others can dial us and we need no relay. */
  advertiseAddrs: readonly string[]
  /** Only a live member of our fleet is used as the relay. */
  isMember: (peerId: string) => boolean
  /** A reservation was made: our addresses changed. */
  onReserved?: () => void
  log: Logger
  /** How often an undialable node checks that it still holds a reservation. Default 15 s. */
  checkIntervalMs?: number
}

export const RESERVATION_CHECK_MS = 15_000

export class RelayReservation {
  private readonly net: RelayReservationComponents
  private readonly o: Required<RelayReservationInit>
  private reserving = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined

  constructor (components: RelayReservationComponents, init: RelayReservationInit) {
    this.net = components
    this.o = { checkIntervalMs: RESERVATION_CHECK_MS, onReserved: () => {}, ...init }
  }

  /** Checks every checkIntervalMs (not on a relay); also call ensure() when a relay may have appeared. */
  start (): void {
    if (this.o.relay || this.timer !== undefined) return
    this.timer = setInterval(() => { void this.ensure() }, this.o.checkIntervalMs)
    this.timer.unref()
  }

  stop (): void {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** We need a relay when nobody may be able to dial us: no advertised address and no address
   *  AutoNAT confirmed as public. Relays themselves never reserve. */
  needsRelay (): boolean {
    if (this.o.relay || this.o.advertiseAddrs.length > 0) return false
    // libp2p counts private addresses as verified: only a confirmed public one makes us dialable
    return !this.net.addressesWithMetadata().some(a => a.verified && a.type !== 'announce' && isPublicIp(a.multiaddr.toString()))
  }

  /** Holds a reservation on a directly connected relay member while we need one. */
  async ensure (): Promise<void> {
    if (this.stopped || this.reserving || !this.needsRelay() || this.circuitAddrs().length > 0) return
    // Taken before the first await: a join and an identify arriving together must not both listen on a relay.
    this.reserving = true
    try {
      let relay: Pick<Connection, 'remotePeer' | 'remoteAddr'> | undefined
      for (const c of this.net.getConnections()) {
        if (c.status !== 'open' || c.limits !== undefined || !this.o.isMember(c.remotePeer.toString())) continue
        const p = await this.net.peerStore.get(c.remotePeer).catch(() => undefined)
        if (p?.protocols.includes(RELAY_V2_HOP_CODEC) === true) { relay = c; break }
      }
      if (relay !== undefined) await this.reserveOn(relay)
    } finally {
      this.reserving = false
    }
  }

  private async reserveOn (relay: Pick<Connection, 'remotePeer' | 'remoteAddr'>): Promise<void> {
    const id = relay.remotePeer.toString()
    try {
      const base = relay.remoteAddr.toString().replace(/\/p2p\/[^/]+$/, '')
      await this.net.listen([multiaddr(`${base}/p2p/${id}/p2p-circuit`)])
      this.o.log.info('reserved a relay slot', { relay: id, addrs: this.circuitAddrs().join(',') })
      this.o.onReserved()
    } catch (err) {
      this.o.log.warn('relay reservation failed', { relay: id, err })
    }
  }

  private circuitAddrs (): string[] {
    return this.net.getMultiaddrs().map(a => a.toString()).filter(isCircuit)
  }
}
