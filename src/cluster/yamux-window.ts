// Fewer yamux window updates. js yamux answers every data frame it receives with a window-update
// frame (12-byte header, 30 bytes through noise) that hands the consumed bytes straight back; for
// gossip (one small frame per message) that is a large share of the membership bytes. Go's yamux
// (and Rust's) sends one only when half the receive window is used up, or when a flag (SYN, ACK)
// must go out. This makes our muxers do the same, per muxer (never other libp2p nodes in the
// process), and leaves js yamux alone wherever its internals are not what we expect.
//
// Why the sender never stalls: it may send while its window (what we granted minus what it sent)
// is > 0. Ours (`recvWindowCapacity`, what we granted minus what arrived) is the same once all its
// frames are here. It can only run dry when ours reaches 0, i.e. after the whole window arrived,
// and we grant more as soon as half of it has: with the last frame of that half at the latest.
// A paused stream (reader backpressure) keeps js yamux's own handling: no update until resumed.

import type { StreamMuxerFactory } from '@libp2p/interface'

/** The YamuxStream fields the rule reads (js yamux 8.x). */
interface WindowState { state: unknown, recvWindow: unknown, recvWindowCapacity: unknown }

/** StreamState values of js yamux (stream.ts) under which an update may wait. */
const SYN_SENT = 1
const ESTABLISHED = 3

/**
 * Whether js yamux's sendWindowUpdate may be skipped this time: the stream is open with no flag
 * to send (SYN/ACK go out with the update, so Init and SYNReceived never wait) and less than half
 * its receive window is used. Unknown shapes (another yamux version) never skip.
 */
export function updateCanWait (s: WindowState): boolean {
  const { state, recvWindow, recvWindowCapacity } = s
  if (state !== ESTABLISHED && state !== SYN_SENT) return false
  if (typeof recvWindow !== 'number' || typeof recvWindowCapacity !== 'number' || !(recvWindow > 0)) return false
  return recvWindow - recvWindowCapacity < recvWindow / 2
}

type Update = (this: WindowState) => void
const wrapped = new WeakMap<Update, Update>()

/** One wrapper per original method (all streams of a yamux version share it). */
function lazy (original: Update): Update {
  let w = wrapped.get(original)
  if (w === undefined) {
    w = function (this: WindowState) { if (!updateCanWait(this)) original.call(this) }
    wrapped.set(original, w)
  }
  return w
}

/** Wraps a new stream's sendWindowUpdate (an own property: the class is left as it is). */
function patchStream (stream: unknown): void {
  const s = stream as { sendWindowUpdate?: unknown } | null
  if (s === null || typeof s !== 'object' || typeof s.sendWindowUpdate !== 'function') return
  if (!('recvWindow' in s) || !('recvWindowCapacity' in s) || !('state' in s)) return
  s.sendWindowUpdate = lazy(s.sendWindowUpdate as Update)
}

/** Every stream a muxer creates (inbound and outbound both go through `_newStream`). */
function patchMuxer (muxer: unknown): void {
  const m = muxer as { _newStream?: unknown } | null
  if (m === null || typeof m !== 'object' || typeof m._newStream !== 'function') return
  const create = m._newStream as (...args: unknown[]) => unknown
  m._newStream = function (this: unknown, ...args: unknown[]) {
    const stream = create.apply(this, args)
    patchStream(stream)
    return stream
  }
}

/** `streamMuxers: [lazyWindowUpdates(yamux())]`: yamux whose window updates follow Go's rule. */
export function lazyWindowUpdates<C, F extends StreamMuxerFactory> (factory: (components: C) => F): (components: C) => F {
  return (components: C): F => {
    const f = factory(components)
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with apply(this) below
    const create = f.createStreamMuxer
    if (typeof create !== 'function') return f
    f.createStreamMuxer = function (this: F, ...args: Parameters<F['createStreamMuxer']>) {
      const muxer = create.apply(this, args)
      patchMuxer(muxer)
      return muxer
    }
    return f
  }
}
