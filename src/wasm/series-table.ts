// Host side of the issue-18 spike: loads assembly/series-table.ts's compiled module and copies
// exposition bodies into its memory. Nothing in the data path uses it yet.

// The WebAssembly global is in Node but not in the ES lib the project compiles against (no DOM):
// the little of it used here, typed by hand.
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi { instantiate (bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }> }
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

interface Exports {
  memory: WasmMemory
  input (len: number): number
  scan (len: number, defaultTs: bigint): number
  newSeries (): number
  errors (): number
  slowCount (): number
  seriesCount (): number
  staleCount (): number
  tableBytes (): number
  arenaBytes (): number
  lookup (len: number): number
  valueOf (slot: number): number
  timestampOf (slot: number): number
}

export interface ScanResult { samples: number, newSeries: number, errors: number }

export class WasmSeriesTable {
  readonly #x: Exports

  private constructor (x: Exports) { this.#x = x }

  static async load (wasm: Uint8Array): Promise<WasmSeriesTable> {
    let memory: WasmMemory | undefined
    const imports = {
      host: {
        // The module's fallback for values its exact fast path does not cover.
        slowFloat: (ptr: number, len: number): number => slowFloat(Buffer.from(memory!.buffer, ptr, len).toString('latin1'))
      },
      // The stub runtime's abort(), called only on a bug in the module.
      env: { abort: () => { throw new Error('series-table.wasm aborted') } }
    }
    const { instance } = await wasmApi.instantiate(wasm, imports)
    const x = instance.exports as unknown as Exports
    memory = x.memory
    return new WasmSeriesTable(x)
  }

  #copyIn (bytes: Uint8Array): void {
    const p = this.#x.input(bytes.length)
    // After input(): the memory may have grown, which replaces its buffer.
    new Uint8Array(this.#x.memory.buffer, p, bytes.length).set(bytes)
  }

  /** Scans one body; samples without a timestamp get defaultTs (ms). */
  scan (body: Uint8Array, defaultTs: number): ScanResult {
    this.#copyIn(body)
    const samples = this.#x.scan(body.length, BigInt(defaultTs))
    return { samples, newSeries: this.#x.newSeries(), errors: this.#x.errors() }
  }

  /** The slot of a series text (bytes as in the body), or -1. */
  lookup (series: Uint8Array): number {
    this.#copyIn(series)
    return this.#x.lookup(series.length)
  }

  value (slot: number): number { return this.#x.valueOf(slot) }
  timestamp (slot: number): number { return this.#x.timestampOf(slot) }
  /** Values of the last scan the module left to the host's parser. */
  get slowValues (): number { return this.#x.slowCount() }
  get series (): number { return this.#x.seriesCount() }
  get stale (): number { return this.#x.staleCount() }
  /** Arena, hash table and per-slot arrays as allocated (capacity, not use). */
  get tableBytes (): number { return this.#x.tableBytes() }
  /** The whole linear memory, input buffer and allocator slack included. */
  get memoryBytes (): number { return this.#x.memory.buffer.byteLength }
  /** Bytes of series text in the arena. */
  get arenaBytes (): number { return this.#x.arenaBytes() }
}

// Go's ParseFloat words and forms the module leaves to the host. NaN on anything else, as
// the JS parser's fallback.
function slowFloat (s: string): number {
  const w = s.toLowerCase()
  if (w === 'inf' || w === '+inf' || w === 'infinity' || w === '+infinity') return Infinity
  if (w === '-inf' || w === '-infinity') return -Infinity
  if (w === 'nan') return NaN
  const v = Number(s)
  return v === Infinity || v === -Infinity ? NaN : v
}
