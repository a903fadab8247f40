// Snappy block format (what remote-write's `Content-Encoding: snappy` means, not the framed
// stream format). Two implementations: the native `snappy` addon and a pure JS one.

import { snappyCompress, snappyUncompress } from './snappy-block.js'

export type SnappyImpl = 'native' | 'js'

export interface Snappy {
  readonly impl: SnappyImpl
  compress (input: Uint8Array): Uint8Array
  uncompress (input: Uint8Array): Uint8Array
}

/**
 * Pure JS (snappy-block.ts): on remote-write bodies it compresses faster than the addon
 * (docs/performance.md) (no N-API crossing or native allocation per call), and loading it costs no shared
 * library. The agent uses this one.
 */
export async function loadJsSnappy (): Promise<Snappy> {
  return jsSnappy
}

const jsSnappy: Snappy = { impl: 'js', compress: snappyCompress, uncompress: snappyUncompress }

/** The native addon, or undefined if it cannot be loaded. */
export async function loadNativeSnappy (): Promise<Snappy | undefined> {
  try {
    const native = await import('snappy')
    const mod = (native as unknown as { default?: typeof native }).default ?? native
    // Probe once: a broken prebuilt binary may only fail on first call.
    mod.uncompressSync(mod.compressSync(Buffer.from('probe')))
    return {
      impl: 'native',
      compress: input => mod.compressSync(input),
      uncompress: input => mod.uncompressSync(input, { asBuffer: true }) as Buffer
    }
  } catch {
    return undefined
  }
}

/** The process-wide implementation: the JS one (see loadJsSnappy; the addon stays unloaded). */
export function getSnappy (): Promise<Snappy> {
  return Promise.resolve(jsSnappy)
}
