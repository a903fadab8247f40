// Every place the cluster reaches past js-libp2p's public API, in one module, each with the
// version it was written against and what it does when the shape is not what it expects (never
// throw: fall back to the public behaviour). test/cluster/libp2p-private.test.ts fails when a
// library update changes any of these shapes. yamux's window updates are in yamux-window.ts
// (re-exported here) with their own test.

import type { GossipSub } from '@libp2p/gossipsub'
import type { Connection } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'

export { lazyWindowUpdates } from './yamux-window.js'

/**
 * js gossipsub (14.x) puts the author's public key (38 bytes) into every signed message although an
 * Ed25519 peer id (an identity multihash) contains it: receivers (js, Go, Rust alike) take it
 * from `from` when the field is absent, and the signature never covers it. We leave it out of
 * every message we send (ours and forwarded ones) by wrapping the private `sendRpc`: a sixth of
 * an alive beat's bytes. Without `sendRpc` nothing changes. Returns whether it was wrapped.
 */
type RawMessage = { from?: Uint8Array, key?: Uint8Array }
export function omitInlinedKeys (pubsub: GossipSub): boolean {
  const ps = pubsub as unknown as { sendRpc?: (id: string, rpc: { messages?: RawMessage[] }) => boolean }
  const send = ps.sendRpc
  if (typeof send !== 'function') return false
  ps.sendRpc = function (this: unknown, id, rpc) {
    for (const m of rpc.messages ?? []) {
      if (m.key != null && m.from !== undefined && m.from[0] === 0x00 && m.from[1] === m.from.length - 2) m.key = undefined
    }
    return send.call(this, id, rpc)
  }
  return true
}

/** yamux's own ping (js yamux 8.x: libp2p 3's Connection keeps its muxer in `muxer`). */
export interface MuxerPing { ping (options?: { signal?: AbortSignal }): Promise<number> }

/** The connection's yamux muxer, if it has one with a ping (else: use the ping protocol). */
export function muxerOf (c: Connection): MuxerPing | undefined {
  const muxer = (c as unknown as { muxer?: Partial<MuxerPing> }).muxer
  return typeof muxer?.ping === 'function' ? muxer as MuxerPing : undefined
}

/** libp2p 3's internal components: listening on a relay at runtime, address metadata. */
interface Internals {
  components?: {
    transportManager?: { listen?: (addrs: Multiaddr[]) => Promise<void> }
    addressManager?: { getAddressesWithMetadata?: () => Array<{ multiaddr: Multiaddr, verified: boolean, type: string }> }
  }
}

/** Listens on more addresses (a relay's circuit address once reserved): libp2p has no public call for it. */
export async function listenOn (libp2p: Libp2p, addrs: Multiaddr[]): Promise<void> {
  const tm = (libp2p as unknown as Internals).components?.transportManager
  if (typeof tm?.listen !== 'function') throw new Error('libp2p transport manager not reachable: cannot listen on a relay')
  await tm.listen(addrs)
}

/** Our addresses with whether AutoNAT (or config) verified them; [] when libp2p hides them. */
export function addressesWithMetadata (libp2p: Libp2p): Array<{ multiaddr: Multiaddr, verified: boolean, type: string }> {
  const am = (libp2p as unknown as Internals).components?.addressManager
  return typeof am?.getAddressesWithMetadata === 'function' ? am.getAddressesWithMetadata() : []
}
