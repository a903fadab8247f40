// Resident memory of a process by mapping (file name, or [anon] with permissions and size), largest first.
// Usage: node scripts/smaps-top.mjs PID [N=25]
import { readFileSync } from 'node:fs'
const s = readFileSync(`/proc/${process.argv[2]}/smaps`, 'utf8')
let cur = ''; const m = {}
for (const l of s.split('\n')) {
  const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(l)
  if (h) { const size = (parseInt(h[2], 16) - parseInt(h[1], 16)) / 1024; cur = (h[4] || '[anon]') + (h[4] ? '' : ` ${h[3]} ${size >= 1024 ? Math.round(size / 1024) + 'M' : Math.round(size) + 'k'}`); continue }
  const r = /^Rss:\s+(\d+)/.exec(l); if (r) m[cur] = (m[cur] || 0) + Number(r[1])
}
const agg = {}
for (const [k, v] of Object.entries(m)) { const key = k.startsWith('[anon]') ? k : k; agg[key] = (agg[key] || 0) + v }
console.log(Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 25)).map(([k, v]) => (v / 1024).toFixed(1).padStart(6) + '  ' + k).join('\n'))
