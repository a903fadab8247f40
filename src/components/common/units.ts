// Byte sizes as Alloy accepts them (Go units.Base2Bytes): a number of bytes, or a string such
// as "10MiB", "10MB" (also 1024-based, as Base2Bytes parses it), "512KB", "1GiB", "0".
const UNITS: Record<string, number> = {
  '': 1, B: 1,
  K: 1024, KB: 1024, KIB: 1024,
  M: 1024 ** 2, MB: 1024 ** 2, MIB: 1024 ** 2,
  G: 1024 ** 3, GB: 1024 ** 3, GIB: 1024 ** 3,
  T: 1024 ** 4, TB: 1024 ** 4, TIB: 1024 ** 4,
}

export function parseBytes (v: unknown): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new Error(`invalid size ${v}`)
    return Math.floor(v)
  }
  if (typeof v !== 'string') throw new Error('must be a number of bytes or a string such as "10MiB"')
  let total = 0
  const re = /(\d+(?:\.\d+)?)([a-zA-Z]*)/y
  const s = v.trim()
  if (s === '') throw new Error('empty size')
  let pos = 0
  while (pos < s.length) {
    re.lastIndex = pos
    const m = re.exec(s)
    if (!m) throw new Error(`invalid size "${v}"`)
    const mult = UNITS[m[2].toUpperCase()]
    if (mult === undefined) throw new Error(`unknown unit "${m[2]}" in "${v}"`)
    total += Number(m[1]) * mult
    pos = re.lastIndex
  }
  return Math.floor(total)
}
