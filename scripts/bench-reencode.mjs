// Design measurement for the next step of issue #8 (docs/performance.md, Round 5), not product code:
// what it costs to encode each sample's labels straight from the body bytes at scrape time, as
// vmagent does (no per-series label cache), against copying cached encoded labels as shoal does.
// The encoder here skips validation, escapes and long lengths: a lower bound for the real thing.
//   node_modules/.bin/node scripts/bench-reencode.mjs [BODY]   (default: the harness's t0.v0.prom)
import { readFileSync } from 'node:fs'
const body = readFileSync(process.argv[2] ?? '/tmp/bench-cache/bodies-n200-s1000-v3-i5/t0.v0.prom')
const out = Buffer.alloc(1 << 20)
const target = [['instance', '127.0.0.1:20000'], ['job', 'farm']].map(([n, v]) => ({ n: Buffer.from(n), v: Buffer.from(v) }))
const ln = new Int32Array(64), le = new Int32Array(64), vn = new Int32Array(64), ve = new Int32Array(64), ord = new Int32Array(64)
function cmpName (a0, a1, b0, b1) { // body spans
  const la = a1 - a0, lb = b1 - b0, m = la < lb ? la : lb
  for (let k = 0; k < m; k++) { const d = body[a0 + k] - body[b0 + k]; if (d !== 0) return d }
  return la - lb
}
function cmpNameBuf (a0, a1, t) {
  const la = a1 - a0, lb = t.length, m = la < lb ? la : lb
  for (let k = 0; k < m; k++) { const d = body[a0 + k] - t[k]; if (d !== 0) return d }
  return la - lb
}
function copy (s, e, pos) { if (e - s < 32) { for (let k = s; k < e; k++) out[pos++] = body[k]; return pos } body.copy(out, pos, s, e); return pos + e - s }
function run () {
  let pos = 0, samples = 0
  const n = body.length
  let i = 0
  while (i < n) {
    if (body[i] === 35) { while (i < n && body[i] !== 10) i++; i++; continue } // comment
    if (body[i] === 10) { i++; continue }
    const ns = i
    while (i < n && body[i] !== 123 && body[i] !== 32) i++
    const ne = i
    let k = 0
    if (body[i] === 123) {
      i++
      while (body[i] !== 125) {
        ln[k] = i; while (body[i] !== 61) i++; le[k] = i; i += 2
        vn[k] = i; while (body[i] !== 34) { if (body[i] === 92) i++; i++ } ve[k] = i; i++
        if (body[i] === 44) i++
        k++
      }
      i++
    }
    // value
    i++; const vs = i; while (i < n && body[i] !== 10) i++
    const v = Number(body.latin1Slice(vs, i)); i++
    // sort exposed labels by name (insertion sort of indices)
    for (let a = 0; a < k; a++) ord[a] = a
    for (let a = 1; a < k; a++) { const x = ord[a]; let b = a - 1; while (b >= 0 && cmpName(ln[ord[b]], le[ord[b]], ln[x], le[x]) > 0) { ord[b + 1] = ord[b]; b-- } ord[b + 1] = x }
    // TimeSeries: labels = __name__ + merge(exposed, target); lengths assumed < 128 for the prototype
    const tsStart = pos; out[pos++] = 0x0a; pos += 2 // placeholder 2-byte length
    const label = (n0, n1, nb, v0, v1, vb) => {
      const nl = nb ? nb.length : n1 - n0, vl = vb ? vb.length : v1 - v0
      out[pos++] = 0x0a; out[pos++] = nl + vl + 4; out[pos++] = 0x0a; out[pos++] = nl
      if (nb) { for (let q = 0; q < nl; q++) out[pos++] = nb[q] } else pos = copy(n0, n1, pos)
      out[pos++] = 0x12; out[pos++] = vl
      if (vb) { for (let q = 0; q < vl; q++) out[pos++] = vb[q] } else pos = copy(v0, v1, pos)
    }
    label(0, 0, NAME, ns, ne, null)
    let t = 0
    for (let a = 0; a < k; a++) {
      const x = ord[a]
      while (t < target.length && cmpNameBuf(ln[x], le[x], target[t].n) > 0) { label(0, 0, target[t].n, 0, 0, target[t].v); t++ }
      label(ln[x], le[x], null, vn[x], ve[x], null)
    }
    while (t < target.length) { label(0, 0, target[t].n, 0, 0, target[t].v); t++ }
    out[pos++] = 0x12; out[pos++] = 18; out[pos++] = 0x09; out.writeDoubleLE(v, pos); pos += 8; out[pos++] = 0x10; pos += 8
    const len = pos - tsStart - 3; out[tsStart + 1] = (len & 0x7f) | 0x80; out[tsStart + 2] = len >> 7
    samples++
  }
  return [pos, samples]
}
const NAME = Buffer.from('__name__')
let r
for (let w = 0; w < 200; w++) r = run()
const rounds = 2000, t0 = process.hrtime.bigint()
for (let w = 0; w < rounds; w++) r = run()
const ns = Number(process.hrtime.bigint() - t0) / rounds / r[1]
console.log(`samples ${r[1]}, ${(r[0] / r[1]).toFixed(0)} B/sample written, ${ns.toFixed(0)} ns/sample (scan + sort + encode from body bytes, no validation, no cache)`)
// reference: copy cached encoded labels (one latin1 string write per sample)
const cached = Array.from({ length: r[1] }, (_, s) => out.latin1Slice(s, s + 230))
const t1 = process.hrtime.bigint(); let q = 0
for (let w = 0; w < rounds; w++) { q = 0; for (const c of cached) q += out.write(c, q % 500000, 'latin1') }
console.log(`copy of a cached 230-byte label string: ${(Number(process.hrtime.bigint() - t1) / rounds / r[1]).toFixed(0)} ns/sample`)
