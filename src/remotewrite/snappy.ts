// Snappy block format (what remote-write's `Content-Encoding: snappy` means, not the framed
// stream format). The native `snappy` addon is preferred; `snappyjs` takes over when the addon
// cannot load on this platform.

export type SnappyImpl = 'native' | 'js'

export interface Snappy {
  readonly impl: SnappyImpl
  compress (input: Uint8Array): Uint8Array
  uncompress (input: Uint8Array): Uint8Array
}

/** Pure JS implementation; always available. */
export async function loadJsSnappy (): Promise<Snappy> {
  const js = await import('snappyjs')
  const mod = (js as unknown as { default?: typeof js }).default ?? js
  return {
    impl: 'js',
    compress: input => mod.compress(input),
    uncompress: input => mod.uncompress(input)
  }
}

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

let chosen: Promise<Snappy> | undefined

/** The process-wide implementation: native if it loads, else JS. */
export function getSnappy (): Promise<Snappy> {
  chosen ??= (async () => (await loadNativeSnappy()) ?? (await loadJsSnappy()))()
  return chosen
}
