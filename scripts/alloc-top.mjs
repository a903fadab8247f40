// Bytes allocated per function (self), from a sampling heap profile: where the garbage comes from.
//   node scripts/alloc-top.mjs FILE.heapprofile [ROWS=25]
import { readFileSync } from 'node:fs'

const [file, rows = '25'] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const sums = new Map()
let total = 0
const walk = (node) => {
  const f = node.callFrame
  const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|scripts|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
  if (node.selfSize > 0) { sums.set(name, (sums.get(name) ?? 0) + node.selfSize); total += node.selfSize }
  for (const c of node.children) walk(c)
}
walk(profile.head)
console.log(`sampled ${(total / 2 ** 20).toFixed(1)} MiB`)
for (const [name, bytes] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(rows))) {
  console.log(`${(bytes / total * 100).toFixed(1).padStart(5)}% ${(bytes / 2 ** 20).toFixed(1).padStart(8)} MiB  ${name}`)
}
