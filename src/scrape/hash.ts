// A stable 64-bit hash for target keys. Every node of a fleet must compute the same value
// for the same target, in every version, so the definition is fixed here and tested
// against known vectors:
//
//   FNV-1a 64 over the UTF-8 bytes of each label as `name 0xFF value 0xFF`, labels in
//   ascending name order (byte order of UTF-16 code units, as JS sorts), then the
//   murmur3 fmix64 finalizer so that nearby inputs land far apart (FNV alone mixes its
//   high bits poorly, and `key mod interval` and rendezvous hashing both use them).
//
// Result: an unsigned 64-bit bigint. FNV runs on two uint32 halves (no bigint per byte);
// only the finalizer uses bigint, once per key.

const PRIME_LO = 0x1b3 // FNV 64 prime = 2^40 + 0x1b3
const OFFSET_HI = 0xcbf29ce4
const OFFSET_LO = 0x84222325
const MASK64 = (1n << 64n) - 1n

export class Fnv1a64 {
  hi = OFFSET_HI
  lo = OFFSET_LO

  byte (b: number): void {
    const lo = (this.lo ^ b) >>> 0
    // (hi:lo) * (2^40 + 0x1b3) mod 2^64, in exact double arithmetic (lo * 0x1b3 < 2^41).
    const p = lo * PRIME_LO
    const carry = Math.floor(p / 0x1_0000_0000)
    this.lo = p >>> 0
    this.hi = (Math.imul(this.hi, PRIME_LO) + carry + (lo << 8)) >>> 0
  }

  bytes (buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i++) this.byte(buf[i])
  }

  /** Raw FNV-1a 64 value, without the finalizer. */
  raw (): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }
}

/** murmur3's 64-bit finalizer: a bijection that spreads every input bit over the output. */
export function fmix64 (k: bigint): bigint {
  k ^= k >> 33n
  k = (k * 0xff51afd7ed558ccdn) & MASK64
  k ^= k >> 33n
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK64
  k ^= k >> 33n
  return k
}

const encoder = new TextEncoder()

/** Hashes `name=value` pairs (sorted by name here) as the header describes. */
export function hashLabelPairs (pairs: ReadonlyArray<readonly [string, string]>): bigint {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const h = new Fnv1a64()
  for (const [name, value] of sorted) {
    h.bytes(encoder.encode(name))
    h.byte(0xff)
    h.bytes(encoder.encode(value))
    h.byte(0xff)
  }
  return fmix64(h.raw())
}

/** 16 lowercase hex digits: the key as a Map key or in JSON. */
export function hex64 (k: bigint): string {
  return k.toString(16).padStart(16, '0')
}
