// An independent, simple reader of the Prometheus text format for tests: it does not share
// code with src/exposition, so a bug there cannot hide itself here.
export interface Sample { name: string, labels: Record<string, string>, value: number }

export function readTextSamples (body: string): Sample[] {
  const out: Sample[] = []
  for (const raw of body.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    let i = 0
    while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++
    const name = line.slice(0, i)
    const labels: Record<string, string> = {}
    if (line[i] === '{') {
      i++
      while (line[i] !== '}') {
        while (line[i] === ' ' || line[i] === ',') i++
        if (line[i] === '}') break
        const eq = line.indexOf('=', i)
        const lname = line.slice(i, eq).trim()
        i = eq + 2 // past ="
        let v = ''
        while (line[i] !== '"') {
          if (line[i] === '\\') { const n = line[i + 1]; v += n === 'n' ? '\n' : n; i += 2 } else { v += line[i]; i++ }
        }
        i++
        labels[lname] = v
      }
      i++
    }
    const rest = line.slice(i).trim().split(/\s+/)
    const vs = rest[0]
    const value = vs === '+Inf' ? Infinity : vs === '-Inf' ? -Infinity : Number(vs)
    out.push({ name, labels, value })
  }
  return out
}

/** Prometheus's string form of a float (as the query API returns values). */
export function promValue (v: number): string {
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  if (Number.isNaN(v)) return 'NaN'
  return String(v)
}
