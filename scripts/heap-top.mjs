// Sums a heap snapshot's self sizes by node type and constructor/string kind: where the bytes are.
//   node scripts/heap-top.mjs FILE.heapsnapshot [ROWS=30]
import { readFileSync } from 'node:fs'
const [file, rows = '30'] = process.argv.slice(2)
const snap = JSON.parse(readFileSync(file, 'utf8'))
const m = snap.snapshot.meta
const F = m.node_fields.length
const types = m.node_types[0]
const iType = m.node_fields.indexOf('type')
const iName = m.node_fields.indexOf('name')
const iSize = m.node_fields.indexOf('self_size')
const nodes = snap.nodes
const strings = snap.strings
const sums = new Map()
let total = 0
for (let i = 0; i < nodes.length; i += F) {
  const type = types[nodes[i + iType]]
  const size = nodes[i + iSize]
  const name = type === 'object' || type === 'closure' || type === 'native' ? strings[nodes[i + iName]] : ''
  const key = `${type} ${name}`.trim()
  const e = sums.get(key) ?? { size: 0, count: 0 }
  e.size += size; e.count++
  sums.set(key, e)
  total += size
}
console.log(`total ${(total / 2 ** 20).toFixed(1)} MiB in ${nodes.length / F} nodes`)
for (const [k, e] of [...sums].sort((a, b) => b[1].size - a[1].size).slice(0, Number(rows))) {
  console.log(`${(e.size / 2 ** 20).toFixed(1).padStart(8)} MiB ${String(e.count).padStart(9)} × ${(e.size / e.count).toFixed(0).padStart(5)} B  ${k.slice(0, 80)}`)
}
