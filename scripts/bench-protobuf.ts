// Protobuf exposition decoding against the text format on the same metrics, and the cost of a
// native histogram. Run: node --import tsx scripts/bench-protobuf.ts
// One generated model (counters and gauges with labels, classic histograms, summaries) is written
// both as text 0.0.4 and as delimited protobuf (encoded with protobufjs from the vendored
// upstream metrics.proto); each is parsed the way the scrape loop does on a warm cache (next,
// series, value, a Map lookup by series key). Then bodies of native histograms (20 populated
// buckets in two spans each) are parsed the same way, histogram() included: ns per histogram.
// CPU time (process.cpuUsage), so the figures do not depend on what else the machine runs.

import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { Entry, parserFor } from '../src/exposition/parser.js'

const PB = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const TEXT = 'text/plain; version=0.0.4'
const root = protobuf.loadSync(fileURLToPath(new URL('../test/fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
const MF = root.lookupType('io.prometheus.client.MetricFamily')

interface Fam { name: string, type: number, metrics: Array<{ labels: Array<[string, string]>, value: number, buckets?: Array<[number, number]>, count?: number, sum?: number }> }

function model (families: number, perFamily: number): Fam[] {
  const out: Fam[] = []
  for (let f = 0; f < families; f++) {
    const type = [0, 1, 4, 2][f % 4]
    const metrics: Fam['metrics'] = []
    for (let m = 0; m < perFamily; m++) {
      const labels: Array<[string, string]> = [['handler', `/api/v1/endpoint_${m % 17}`], ['instance_id', `node-${m}`], ['method', ['GET', 'POST', 'PUT'][m % 3]]]
      if (type === 4) metrics.push({ labels, value: 0, count: 100 + m, sum: 12.5 * m, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map((le, i) => [le, i * 9 + m]) })
      else if (type === 2) metrics.push({ labels, value: 0, count: 100 + m, sum: 3.25 * m, buckets: [[0.5, 0.01 * m], [0.9, 0.02 * m], [0.99, 0.05 * m]] })
      else metrics.push({ labels, value: m * 1.5 + f })
    }
    out.push({ name: `app_metric_${f}${type === 0 ? '_total' : ''}`, type, metrics })
  }
  return out
}

const fmtLabels = (ls: Array<[string, string]>, extra = ''): string => '{' + ls.map(([k, v]) => `${k}="${v}"`).join(',') + extra + '}'

function toText (fams: Fam[]): string {
  let s = ''
  for (const f of fams) {
    s += `# HELP ${f.name} Generated.\n# TYPE ${f.name} ${['counter', 'gauge', 'summary', 'untyped', 'histogram'][f.type]}\n`
    for (const m of f.metrics) {
      if (f.type === 4) {
        for (const [le, c] of m.buckets!) s += `${f.name}_bucket${fmtLabels(m.labels, `,le="${le}"`)} ${c}\n`
        s += `${f.name}_bucket${fmtLabels(m.labels, ',le="+Inf"')} ${m.count}\n${f.name}_sum${fmtLabels(m.labels)} ${m.sum}\n${f.name}_count${fmtLabels(m.labels)} ${m.count}\n`
      } else if (f.type === 2) {
        for (const [q, v] of m.buckets!) s += `${f.name}${fmtLabels(m.labels, `,quantile="${q}"`)} ${v}\n`
        s += `${f.name}_sum${fmtLabels(m.labels)} ${m.sum}\n${f.name}_count${fmtLabels(m.labels)} ${m.count}\n`
      } else s += `${f.name}${fmtLabels(m.labels)} ${m.value}\n`
    }
  }
  return s
}

function toProto (fams: Fam[]): Buffer {
  const w = protobuf.Writer.create()
  for (const f of fams) {
    MF.encodeDelimited(MF.fromObject({
      name: f.name, help: 'Generated.', type: f.type,
      metric: f.metrics.map(m => {
        const label = m.labels.map(([name, value]) => ({ name, value }))
        if (f.type === 4) return { label, histogram: { sampleCount: m.count, sampleSum: m.sum, bucket: [...m.buckets!.map(([le, c]) => ({ upperBound: le, cumulativeCount: c })), { upperBound: Infinity, cumulativeCount: m.count }] } }
        if (f.type === 2) return { label, summary: { sampleCount: m.count, sampleSum: m.sum, quantile: m.buckets!.map(([quantile, value]) => ({ quantile, value })) } }
        return { label, [f.type === 0 ? 'counter' : 'gauge']: { value: m.value } }
      }),
    }), w)
  }
  return Buffer.from(w.finish())
}

function natives (n: number): Buffer {
  const w = protobuf.Writer.create()
  const metric = Array.from({ length: n }, (_, m) => ({
    label: [{ name: 'handler', value: `/api/v1/endpoint_${m % 17}` }, { name: 'instance_id', value: `node-${m}` }],
    histogram: {
      sampleCount: 400 + m, sampleSum: 17.5 * m, schema: 3, zeroThreshold: 1e-9, zeroCount: 2,
      positiveSpan: [{ offset: -10, length: 12 }, { offset: 3, length: 8 }], positiveDelta: Array.from({ length: 20 }, (_, i) => (i % 5) - 2 + (i === 0 ? 20 : 0)),
    },
  }))
  MF.encodeDelimited(MF.fromObject({ name: 'rpc_duration_seconds', help: 'Generated.', type: 4, metric }), w)
  return Buffer.from(w.finish())
}

function timeIt (budgetMs: number, fn: () => number): { nsPerRun: number, result: number } {
  for (let i = 0; i < 20; i++) fn()
  let runs = 0
  let result = 0
  const t0 = process.cpuUsage()
  let elapsedUs = 0
  while (elapsedUs < budgetMs * 1000) {
    result = fn()
    runs++
    const d = process.cpuUsage(t0)
    elapsedUs = d.user + d.system
  }
  return { nsPerRun: elapsedUs * 1000 / runs, result }
}

/** The scrape loop's warm path: every entry's key looked up in a cache filled by a first pass. */
function warm (ct: string, body: Buffer, withHistogram: boolean): { ns: number, samples: number } {
  const cache = new Map<string, number>()
  {
    const p = parserFor(ct, body)
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) if (k === Entry.Series || k === Entry.Histogram) cache.set(p.series(), cache.size)
  }
  const r = timeIt(1500, () => {
    const p = parserFor(ct, body)
    let n = 0
    let sum = 0
    for (let k = p.next(); k !== Entry.EOF; k = p.next()) {
      if (k !== Entry.Series && k !== Entry.Histogram) continue
      n++
      sum += cache.get(p.series()) ?? 0
      if (k === Entry.Histogram && withHistogram) sum += p.histogram!().count
      else sum += p.value()
      p.timestamp()
    }
    return n + (sum === -1 ? 1 : 0)
  })
  return { ns: r.nsPerRun / r.result, samples: r.result }
}

const fams = model(40, 50)
const text = Buffer.from(toText(fams))
const proto = toProto(fams)
const t = warm(TEXT, text, false)
const p = warm(PB, proto, false)
console.log(`same metrics: ${t.samples} samples; text ${text.length} B, protobuf ${proto.length} B`)
console.log(`text 0.0.4       ${t.ns.toFixed(0)} ns/sample`)
console.log(`protobuf classic ${p.ns.toFixed(0)} ns/sample`)
const nh = natives(2000)
const h = warm(PB, nh, true)
console.log(`native histograms (20 buckets, 2 spans): ${h.samples} in ${nh.length} B, ${h.ns.toFixed(0)} ns/histogram`)
