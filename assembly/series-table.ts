// Spike for issue 18: a series table in WebAssembly linear memory. The host copies a text
// exposition body into the input region; scan() walks its lines, finds each sample's series
// text, parses the value (and timestamp), and looks the series up in an open-addressing hash
// table over a byte arena, inserting new ones. Per-series state lives in flat arrays indexed
// by slot. No object exists per series or per sample. AssemblyScript, built with
// scripts/build-wasm.mjs (runtime "stub": memory is only ever allocated, never freed).

// Values the fast path cannot round exactly (more than 15 significant digits, big exponents,
// words other than NaN/Inf) go to the host's Number(), so every value is the correctly rounded one.
@external("host", "slowFloat")
declare function slowFloat (ptr: usize, len: i32): f64

let inPtr: usize = 0
let inCap: i32 = 0

// The arena: series text of every slot, back to back.
let arena: usize = 0
let arenaCap: i32 = 0
let arenaLen: i32 = 0

// Per-slot state (struct of arrays): offset and length in the arena, hash, last value,
// last timestamp (ms), epoch (scrape count) last seen.
let slotCap: i32 = 0
let slots: i32 = 0
let sOff: usize = 0
let sLen: usize = 0
let sHash: usize = 0
let sVal: usize = 0
let sTs: usize = 0
let sEpoch: usize = 0

// Open addressing, linear probing; a cell holds slot + 1, 0 is empty. Load kept under 1/2.
let tabCap: i32 = 0
let tab: usize = 0

let epoch: u32 = 0
let lastNew: i32 = 0
let lastErrors: i32 = 0
let slowValues: i32 = 0

const POW10: StaticArray<f64> = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

function grow (ptr: usize, oldBytes: i32, newBytes: i32): usize {
  const p = heap.alloc(<usize>newBytes)
  if (ptr != 0) memory.copy(p, ptr, <usize>oldBytes)
  return p
}

function growSlots (): void {
  const n = slotCap == 0 ? 1024 : slotCap * 2
  sOff = grow(sOff, slotCap * 4, n * 4)
  sLen = grow(sLen, slotCap * 4, n * 4)
  sHash = grow(sHash, slotCap * 4, n * 4)
  sVal = grow(sVal, slotCap * 8, n * 8)
  sTs = grow(sTs, slotCap * 8, n * 8)
  sEpoch = grow(sEpoch, slotCap * 4, n * 4)
  slotCap = n
}

function growTable (): void {
  const n = tabCap == 0 ? 2048 : tabCap * 2
  const t = heap.alloc(<usize>n * 4)
  memory.fill(t, 0, <usize>n * 4)
  const mask = <u32>(n - 1)
  for (let s = 0; s < slots; s++) {
    let i = load<u32>(sHash + (<usize>s << 2)) & mask
    while (load<u32>(t + (<usize>i << 2)) != 0) i = (i + 1) & mask
    store<u32>(t + (<usize>i << 2), <u32>(s + 1))
  }
  tab = t
  tabCap = n
}

// Four bytes at a time, then the tail, then a final mix (murmur3's finaliser).
function hash (p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>n
  let i = 0
  for (; i + 4 <= n; i += 4) {
    h = (h ^ load<u32>(p + <usize>i)) * 0x9e3779b1
    h = rotl<u32>(h, 15)
  }
  for (; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 0x01000193
  h ^= h >> 16
  h *= 0x85ebca6b
  h ^= h >> 13
  h *= 0xc2b2ae35
  h ^= h >> 16
  return h
}

function find (p: usize, n: i32, h: u32): i32 {
  const mask = <u32>(tabCap - 1)
  let i = h & mask
  while (true) {
    const c = load<u32>(tab + (<usize>i << 2))
    if (c == 0) return -1 - <i32>i
    const s = <usize>(c - 1)
    if (load<u32>(sHash + (s << 2)) == h && load<i32>(sLen + (s << 2)) == n &&
        same(arena + <usize>load<u32>(sOff + (s << 2)), p, n)) return <i32>s
    i = (i + 1) & mask
  }
}

function insert (p: usize, n: i32, h: u32): i32 {
  if ((slots + 1) * 2 > tabCap) growTable()
  if (slots == slotCap) growSlots()
  if (arenaLen + n > arenaCap) {
    let c = arenaCap == 0 ? 65536 : arenaCap * 2
    while (c < arenaLen + n) c *= 2
    arena = grow(arena, arenaLen, c)
    arenaCap = c
  }
  memory.copy(arena + <usize>arenaLen, p, <usize>n)
  const s = slots++
  const so = <usize>s << 2
  store<u32>(sOff + so, <u32>arenaLen)
  store<i32>(sLen + so, n)
  store<u32>(sHash + so, h)
  arenaLen += n
  const mask = <u32>(tabCap - 1)
  let i = h & mask
  while (load<u32>(tab + (<usize>i << 2)) != 0) i = (i + 1) & mask
  store<u32>(tab + (<usize>i << 2), <u32>(s + 1))
  return s
}

// Eight bytes at a time: memory.compare goes byte by byte.
function same (a: usize, b: usize, n: i32): bool {
  let i = 0
  for (; i + 8 <= n; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false
  for (; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false
  return true
}

function isDigit (c: u32): bool { return c - 48 < 10 }

function wordIs (p: usize, n: i32, w: string): bool {
  if (n != w.length) return false
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + <usize>i)
    if (c - 65 < 26) c += 32
    let d = <u32>w.charCodeAt(i)
    if (d - 65 < 26) d += 32
    if (c != d) return false
  }
  return true
}

// Decimal with up to 15 significant digits and a power of ten within ±22: both operands are
// exact doubles, so one IEEE multiply or divide rounds correctly. Everything else: the host.
function parseFloat (p: usize, n: i32): f64 {
  const v = fastFloat(p, n)
  if (!isNaN(v) || wordIs(p, n, 'NaN')) return v
  slowValues++
  return slowFloat(p, n)
}

// NaN: not a form the fast path rounds exactly (the caller tells the word NaN apart).
function fastFloat (p: usize, n: i32): f64 {
  let i = 0
  let neg = false
  let c = <u32>load<u8>(p)
  if (c == 45 || c == 43) { neg = c == 45; i++ }
  let m: f64 = 0
  let sig = 0
  let digits = 0
  let exp = 0
  let slow = false
  while (i < n) {
    c = <u32>load<u8>(p + <usize>i)
    if (!isDigit(c)) break
    digits++
    if (sig < 15) { m = m * 10 + <f64>(c - 48); if (m != 0) sig++ } else slow = true
    i++
  }
  if (i < n && c == 46) {
    i++
    while (i < n) {
      c = <u32>load<u8>(p + <usize>i)
      if (!isDigit(c)) break
      digits++
      if (sig < 15) { m = m * 10 + <f64>(c - 48); exp--; if (m != 0) sig++ } else slow = true
      i++
    }
  }
  if (digits == 0) {
    if (wordIs(p, n, 'NaN')) return NaN
    if (wordIs(p, n, '+Inf') || wordIs(p, n, 'Inf')) return Infinity
    if (wordIs(p, n, '-Inf')) return -Infinity
    return NaN
  }
  if (i < n && (c == 101 || c == 69)) {
    i++
    let eneg = false
    if (i < n) {
      c = <u32>load<u8>(p + <usize>i)
      if (c == 45 || c == 43) { eneg = c == 45; i++ }
    }
    let e = 0
    const start = i
    while (i < n) {
      c = <u32>load<u8>(p + <usize>i)
      if (!isDigit(c)) break
      if (e < 100000) e = e * 10 + <i32>(c - 48)
      i++
    }
    if (i == start) return NaN
    exp += eneg ? -e : e
  }
  if (i != n || slow || exp < -22 || exp > 22) return NaN
  const v = exp >= 0 ? m * unchecked(POW10[exp]) : m / unchecked(POW10[-exp])
  return neg ? -v : v
}

/** Makes room for a body of len bytes and returns where the host copies it. */
export function input (len: i32): usize {
  if (len > inCap) {
    let c = inCap == 0 ? 1 << 18 : inCap
    while (c < len) c *= 2
    inPtr = heap.alloc(<usize>c)
    inCap = c
  }
  return inPtr
}

/**
 * Scans the len-byte body at input(): every sample line updates its series' value, timestamp
 * (defaultTs when the line has none) and epoch. Returns the samples seen; newSeries() and
 * errors() tell the rest. A malformed line is counted and skipped.
 */
export function scan (len: i32, defaultTs: i64): i32 {
  if (tabCap == 0) { growTable(); growSlots() }
  epoch++
  let samples = 0
  lastNew = 0
  lastErrors = 0
  slowValues = 0
  const end = inPtr + <usize>len
  let p = inPtr
  // The slot after the last line's is what the previous scrape saw next: compare bytes
  // against it before hashing.
  let hint: i32 = 0
  while (p < end) {
    let c = <u32>load<u8>(p)
    while ((c == 32 || c == 9) && ++p < end) c = <u32>load<u8>(p)
    if (p >= end) break
    if (c == 10) { p++; continue }
    if (c == 35) { // comment, HELP, TYPE
      while (p < end && load<u8>(p) != 10) p++
      p++
      continue
    }
    const a = p
    let slot: i32 = -1
    let n: i32 = 0
    let h: u32 = 0
    if (hint < slots) {
      const ho = <usize>hint << 2
      const hl = load<i32>(sLen + ho)
      if (a + <usize>hl < end) {
        const after = <u32>load<u8>(a + <usize>hl)
        if ((after == 32 || after == 9) && same(arena + <usize>load<u32>(sOff + ho), a, hl)) {
          slot = hint
          n = hl
          p = a + <usize>hl
        }
      }
    }
    if (slot < 0) {
      // Metric name, then an optional label block whose quoted values may hold anything.
      while (p < end) {
        c = <u32>load<u8>(p)
        if (c == 123 || c == 32 || c == 9 || c == 10) break
        p++
      }
      if (p < end && c == 123) {
        let q = false
        p++
        while (p < end) {
          c = <u32>load<u8>(p)
          if (c == 10) break
          if (q) {
            if (c == 92) p++
            else if (c == 34) q = false
          } else if (c == 34) q = true
          else if (c == 125) { p++; break }
          p++
        }
        if (c != 125) { lastErrors++; while (p < end && load<u8>(p) != 10) p++; p++; continue }
      }
      n = <i32>(p - a)
      if (n == 0) { lastErrors++; while (p < end && load<u8>(p) != 10) p++; p++; continue }
      h = hash(a, n)
      slot = find(a, n, h) // -1 - cell when new: inserted once the line proved well formed
    }
    // Value, then an optional integer timestamp.
    while (p < end && ((c = <u32>load<u8>(p)) == 32 || c == 9)) p++
    const va = p
    while (p < end && (c = <u32>load<u8>(p)) != 32 && c != 9 && c != 10) p++
    if (p == va) { lastErrors++; while (p < end && load<u8>(p) != 10) p++; p++; continue }
    const v = parseFloat(va, <i32>(p - va))
    while (p < end && ((c = <u32>load<u8>(p)) == 32 || c == 9)) p++
    let ts = defaultTs
    if (p < end && c != 10) {
      // Digits only: the JS parser (as Prometheus' text parser) refuses a negative timestamp.
      let t: i64 = 0
      const ta = p
      while (p < end && isDigit(c = <u32>load<u8>(p))) { t = t * 10 + <i64>(c - 48); p++ }
      while (p < end && ((c = <u32>load<u8>(p)) == 32 || c == 9)) p++
      if (p == ta || (p < end && c != 10)) { lastErrors++; while (p < end && load<u8>(p) != 10) p++; p++; continue }
      ts = t
    }
    p++ // the newline
    if (slot < 0) { slot = insert(a, n, h); lastNew++ }
    const so = <usize>slot << 3
    store<f64>(sVal + so, v)
    store<i64>(sTs + so, ts)
    store<u32>(sEpoch + (<usize>slot << 2), epoch)
    samples++
    hint = slot + 1
  }
  return samples
}

export function newSeries (): i32 { return lastNew }
export function errors (): i32 { return lastErrors }
/** Values of the last scan that went to the host's parser. */
export function slowCount (): i32 { return slowValues }
export function seriesCount (): i32 { return slots }
/** Series not seen by the last scan: the ones that would get a staleness marker. */
export function staleCount (): i32 {
  let n = 0
  for (let s = 0; s < slots; s++) if (load<u32>(sEpoch + (<usize>s << 2)) != epoch) n++
  return n
}
/** Bytes the table holds for its series: arena, hash table and per-slot arrays, as allocated. */
export function tableBytes (): i32 { return arenaCap + tabCap * 4 + slotCap * (4 + 4 + 4 + 8 + 8 + 4) }
export function arenaBytes (): i32 { return arenaLen }
/** The slot of the series text at input() (len bytes), or -1. */
export function lookup (len: i32): i32 {
  if (tabCap == 0) return -1
  const s = find(inPtr, len, hash(inPtr, len))
  return s < 0 ? -1 : s
}
export function valueOf (slot: i32): f64 { return load<f64>(sVal + (<usize>slot << 3)) }
export function timestampOf (slot: i32): f64 { return <f64>load<i64>(sTs + (<usize>slot << 3)) }
