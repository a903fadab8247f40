// Native histograms through the scrape loop: what the appender gets, the report series,
// staleness, sample_limit, the bucket limit and min bucket factor (resolution lowered as
// Prometheus lowers it), honor_timestamps, relabeling, the fallback protocol, and a fuzzed
// protobuf body that never escapes the loop (up=0 with the reason). Bodies are encoded with
// protobufjs from the vendored upstream metrics.proto.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { Registry } from 'prom-client'
import { parserFor } from '../../src/exposition/parser.js'
import { resolveScrapeConfig, type ScrapeConfig } from '../../src/scrape/config.js'
import { limitHistogram, ScrapeLoop, type Fetcher } from '../../src/scrape/loop.js'
import { ScrapeMetrics } from '../../src/scrape/metrics.js'
import { newTarget } from '../../src/scrape/target.js'
import { absoluteCounts, reduceResolution, schemaForFactor, type Histogram } from '../../src/storage/histogram.js'
import { labelsString } from '../../src/storage/series.js'
import { mulberry32 } from '../helpers/random.js'
import { Recorder, type Op } from './recorder.js'

const CT = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited'
const root = protobuf.loadSync(fileURLToPath(new URL('../fixtures/proto/io/prometheus/client/metrics.proto', import.meta.url)))
const MF = root.lookupType('io.prometheus.client.MetricFamily')

function encode (families: object[]): Buffer {
  const w = protobuf.Writer.create()
  for (const f of families) MF.encodeDelimited(MF.fromObject(f), w)
  return Buffer.from(w.finish())
}

// Schema 3, eight populated buckets at indices 0..3 and 8..11: 1..8 observations each.
const H8 = { sampleCount: 36, sampleSum: 50, schema: 3, positiveSpan: [{ offset: 0, length: 4 }, { offset: 4, length: 4 }], positiveDelta: [1, 1, 1, 1, 1, 1, 1, 1] }
const fam = (metric: object[], name = 'rpc_seconds'): object => ({ name, type: 4, metric })

let body: Buffer = Buffer.alloc(0)
let contentType: string | undefined = CT
const fetcher: Fetcher = { scrape: async () => ({ body, contentType, bytes: body.length }) }

function setup (cfg: Partial<ScrapeConfig> = {}): { loop: ScrapeLoop, rec: Recorder } {
  const config = resolveScrapeConfig({ job_name: 'j', scrape_interval: 10_000, scrape_timeout: 2_000, scrape_native_histograms: true, ...cfg })
  const target = newTarget({ __address__: 'h:1' }, config)!
  const rec = new Recorder()
  return { loop: new ScrapeLoop({ target, config, fetcher, appendable: rec, parserFor, metrics: new ScrapeMetrics(new Registry()) }), rec }
}

const histograms = (ops: Op[]): Array<{ name: string, t: number, h: Histogram }> =>
  ops.filter(o => o.kind === 'histogram').map(o => { const x = o; return { name: labelsString(x.series.labels), t: x.t, h: x.h } })
const reportValue = (ops: Op[], name: string): number | undefined =>
  (ops.find(o => o.kind === 'sample' && o.series.get('__name__') === name) as Extract<Op, { kind: 'sample' }> | undefined)?.v

test('histograms are appended as one sample each; a vanished one gets a histogram staleness marker', async () => {
  const { loop, rec } = setup()
  body = encode([fam([{ label: [{ name: 'm', value: 'a' }], histogram: H8 }, { label: [{ name: 'm', value: 'b' }], histogram: H8 }]), { name: 'g', type: 1, metric: [{ gauge: { value: 1 } }] }])
  await loop.scrapeOnce(1000)
  assert.deepEqual(histograms(rec.last()).map(h => `${h.name}@${h.t}`), ['{__name__="rpc_seconds", instance="h:1", job="j", m="a"}@1000', '{__name__="rpc_seconds", instance="h:1", job="j", m="b"}@1000'])
  assert.equal(histograms(rec.last())[0].h.count, 36)
  assert.equal(reportValue(rec.last(), 'scrape_samples_scraped'), 3)
  assert.equal(reportValue(rec.last(), 'scrape_series_added'), 3)
  assert.equal(loop.health.series, 3)

  body = encode([fam([{ label: [{ name: 'm', value: 'b' }], histogram: H8 }])])
  await loop.scrapeOnce(2000)
  const stale = rec.last().filter(o => o.kind === 'stale').map(o => { const s = o; return `${s.series.get('__name__')}${s.series.get('m') ?? ''} ${s.histogram === true}` })
  assert.deepEqual(stale.sort(), ['g false', 'rpc_secondsa true'])
  await loop.stop({ writeStaleMarkers: true })
  const end = rec.last().filter(o => o.kind === 'stale' && o.series.get('__name__') === 'rpc_seconds') as Array<Extract<Op, { kind: 'stale' }>>
  assert.deepEqual(end.map(s => [s.series.get('m'), s.histogram]), [['b', true]])
})

test('sample_limit counts a histogram as one sample', async () => {
  body = encode([fam([{ label: [{ name: 'm', value: 'a' }], histogram: H8 }, { label: [{ name: 'm', value: 'b' }], histogram: H8 }]), { name: 'g', type: 1, metric: [{ gauge: { value: 1 } }] }])
  const ok = setup({ sample_limit: 3 })
  await ok.loop.scrapeOnce(1000)
  assert.equal(ok.loop.health.health, 'up')
  const over = setup({ sample_limit: 2 })
  await over.loop.scrapeOnce(1000)
  assert.equal(over.loop.health.lastError, 'sample limit exceeded')
  assert.equal(reportValue(over.rec.last(), 'up'), 0)
  assert.equal(reportValue(over.rec.last(), 'scrape_samples_scraped'), 3)
})

test('native_histogram_bucket_limit lowers the schema until the buckets fit, else fails the scrape', async () => {
  body = encode([fam([{ histogram: H8 }])])
  const { loop, rec } = setup({ native_histogram_bucket_limit: 4 })
  await loop.scrapeOnce(1000)
  const [h] = histograms(rec.last())
  // Schema 3 → 2 merges pairs: indices 0..3 → 0,1,1,2 and 8..11 → 4,5,5,6 — 6 buckets; → 1: 0,1,1,1 and 2,3,3,3 → 4.
  assert.equal(h.h.schema, 1)
  assert.deepEqual(h.h.positiveSpans, [0, 4])
  assert.deepEqual(absoluteCounts(h.h, h.h.positiveBuckets), [1, 9, 5, 21])
  assert.equal(h.h.count, 36)

  const tight = setup({ native_histogram_bucket_limit: 1 })
  body = encode([fam([{ histogram: { ...H8, schema: -3 } }])])
  await tight.loop.scrapeOnce(1000)
  assert.equal(tight.loop.health.health, 'down')
  assert.equal(tight.loop.health.lastError, 'histogram bucket limit exceeded')
  assert.equal(histograms(tight.rec.last()).length, 0)
})

test('native_histogram_min_bucket_factor caps the schema as Prometheus picks it', async () => {
  assert.equal(schemaForFactor(1.1), 2)
  assert.equal(schemaForFactor(1.5), 0)
  assert.equal(schemaForFactor(4), -1)
  assert.equal(schemaForFactor(1e9), -4)
  assert.equal(schemaForFactor(1.001), 8)
  body = encode([fam([{ histogram: H8 }])])
  const { loop, rec } = setup({ native_histogram_min_bucket_factor: 1.5 })
  await loop.scrapeOnce(1000)
  const [h] = histograms(rec.last())
  assert.equal(h.h.schema, 0)
  assert.equal(absoluteCounts(h.h, h.h.positiveBuckets).reduce((a, b) => a + b, 0), 36)
})

test('reduceResolution merges buckets as the index mapping says (checked bucket by bucket against a direct sum)', () => {
  const rnd = mulberry32(7)
  for (let n = 0; n < 200; n++) {
    const spans: number[] = []; const counts: number[] = []
    const at = Math.floor(rnd() * 40) - 20
    for (let s = 0; s < 1 + Math.floor(rnd() * 4); s++) {
      const len = 1 + Math.floor(rnd() * 5)
      spans.push(s === 0 ? at : Math.floor(rnd() * 6), len)
      for (let k = 0; k < len; k++) counts.push(Math.floor(rnd() * 10))
    }
    const float = rnd() < 0.5
    const deltas = counts.map((c, i) => c - (i > 0 ? counts[i - 1] : 0))
    const h: Histogram = { float, schema: 8 - Math.floor(rnd() * 4), zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0, positiveSpans: spans, positiveBuckets: float ? counts : deltas, negativeSpans: [], negativeBuckets: [], customValues: [], resetHint: 0 }
    const target = h.schema - 1 - Math.floor(rnd() * 6)
    const want = new Map<number, number>()
    let idx = 0; let bi = 0
    for (let s = 0; s < spans.length; s += 2) {
      idx += spans[s]
      for (let k = 0; k < spans[s + 1]; k++, idx++, bi++) {
        const t = Math.floor((idx - 1) / 2 ** (h.schema - target)) + 1
        want.set(t, (want.get(t) ?? 0) + counts[bi])
      }
    }
    const r = reduceResolution(h, target)
    const got = new Map<number, number>()
    const rc = absoluteCounts(r, r.positiveBuckets)
    idx = 0; bi = 0
    for (let s = 0; s < r.positiveSpans.length; s += 2) {
      idx += r.positiveSpans[s]
      for (let k = 0; k < r.positiveSpans[s + 1]; k++, idx++, bi++) got.set(idx, rc[bi])
    }
    assert.equal(r.schema, target)
    assert.deepEqual([...got].sort((a, b) => a[0] - b[0]), [...want].sort((a, b) => a[0] - b[0]))
  }
  assert.equal(limitHistogram({ ...reduceResolution({ float: false, schema: -53, zeroThreshold: 0, zeroCount: 0, count: 2, sum: 1, positiveSpans: [0, 2], positiveBuckets: [1, 0], negativeSpans: [], negativeBuckets: [], customValues: [1], resetHint: 0 }, 0) }, 8, 1), undefined, 'custom buckets cannot be lowered')
})

test('honor_timestamps, relabeling and the fallback protocol apply to histograms too', async () => {
  body = encode([fam([{ label: [{ name: 'm', value: 'a' }], timestampMs: 5000, histogram: H8 }, { label: [{ name: 'm', value: 'drop' }], histogram: H8 }])])
  const honored = setup()
  await honored.loop.scrapeOnce(9000)
  assert.equal(histograms(honored.rec.last())[0].t, 5000)
  const ignored = setup({ honor_timestamps: false, metric_relabel: ls => ls.some(l => l.name === 'm' && l.value === 'drop') ? undefined : ls })
  await ignored.loop.scrapeOnce(9000)
  assert.deepEqual(histograms(ignored.rec.last()).map(h => `${h.name}@${h.t}`), ['{__name__="rpc_seconds", instance="h:1", job="j", m="a"}@9000'])
  assert.equal(reportValue(ignored.rec.last(), 'scrape_samples_post_metric_relabeling'), 1)

  contentType = undefined
  try {
    const fallback = setup({ scrape_fallback_protocol: 'PrometheusProto' })
    await fallback.loop.scrapeOnce(9000)
    assert.equal(histograms(fallback.rec.last()).length, 2)
    const none = setup({ scrape_fallback_protocol: '' })
    await none.loop.scrapeOnce(9000)
    assert.equal(none.loop.health.lastError, 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target')
  } finally { contentType = CT }
})

test('fuzz: a mutated protobuf body never throws out of the scrape loop: up=0 with the reason, or a good scrape', async () => {
  const good = encode([fam([{ label: [{ name: 'm', value: 'a' }], histogram: { ...H8, zeroThreshold: 0.01, zeroCount: 3, negativeSpan: [{ offset: 1, length: 2 }], negativeDelta: [2, 1], bucket: [{ upperBound: 1, cumulativeCount: 3 }] } }]), { name: 'c_total', type: 0, metric: [{ counter: { value: 2 } }] }])
  const { loop, rec } = setup({ scrape_classic_histograms: true })
  const rnd = mulberry32(21)
  let down = 0
  for (let i = 0; i < 400; i++) {
    let b = Buffer.from(good)
    if (i % 3 === 0) b = b.subarray(0, Math.floor(rnd() * b.length))
    else if (i % 3 === 1) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256)
    else { const at = Math.floor(rnd() * b.length); b = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), b.subarray(at)]) }
    body = b
    await loop.scrapeOnce(1000 + i * 1000)
    const up = reportValue(rec.last(), 'up')
    if (loop.health.health === 'down') {
      down++
      assert.equal(up, 0)
      assert.match(loop.health.lastError ?? '', /^protobuf: |histogram|duplicate|label|metric/, loop.health.lastError)
    } else assert.equal(up, 1)
  }
  assert.ok(down > 100, `${down} of 400 scrapes failed`)
  await loop.stop({ writeStaleMarkers: false })
})

test('convert_classic_histograms_to_nhcb: a classic histogram of any format becomes one custom-bucket histogram', async () => {
  const text = '# TYPE lat_seconds histogram\n' +
    'lat_seconds_bucket{m="a",le="0.1"} 1\nlat_seconds_bucket{m="a",le="0.5"} 1\nlat_seconds_bucket{m="a",le="1"} 3\nlat_seconds_bucket{m="a",le="+Inf"} 4\nlat_seconds_sum{m="a"} 2.5\nlat_seconds_count{m="a"} 4\n' +
    'lat_seconds_bucket{m="b",le="1"} 2\nlat_seconds_bucket{m="b",le="+Inf"} 2\nlat_seconds_sum{m="b"} 1\nlat_seconds_count{m="b"} 2\n' +
    '# TYPE g gauge\ng 7\n'
  const want = { float: false, schema: -53, zeroThreshold: 0, zeroCount: 0, count: 4, sum: 2.5, positiveSpans: [0, 1, 1, 2], positiveBuckets: [1, 1, -1], negativeSpans: [], negativeBuckets: [], customValues: [0.1, 0.5, 1], resetHint: 0 }
  for (const [ct, b] of [
    ['text/plain; version=0.0.4', Buffer.from(text)],
    [CT, encode([
      { name: 'lat_seconds', type: 4, metric: [
        { label: [{ name: 'm', value: 'a' }], histogram: { sampleCount: 4, sampleSum: 2.5, bucket: [{ upperBound: 0.1, cumulativeCount: 1 }, { upperBound: 0.5, cumulativeCount: 1 }, { upperBound: 1, cumulativeCount: 3 }] } },
        { label: [{ name: 'm', value: 'b' }], histogram: { sampleCount: 2, sampleSum: 1, bucket: [{ upperBound: 1, cumulativeCount: 2 }] } }] },
      { name: 'g', type: 1, metric: [{ gauge: { value: 7 } }] }])],
  ] as const) {
    contentType = ct
    body = b
    const { loop, rec } = setup({ convert_classic_histograms_to_nhcb: true })
    await loop.scrapeOnce(1000)
    assert.equal(loop.health.health, 'up', loop.health.lastError)
    const hs = histograms(rec.last())
    assert.deepEqual(hs.map(h => h.name), ['{__name__="lat_seconds", instance="h:1", job="j", m="a"}', '{__name__="lat_seconds", instance="h:1", job="j", m="b"}'], ct)
    assert.deepEqual(hs[0].h, want, ct)
    assert.deepEqual(hs[1].h.customValues, [1])
    assert.deepEqual(Recorder.samples(rec.last()).filter(s => !/__name__="(up|scrape_)/.test(s)), ['{__name__="g", instance="h:1", job="j"} 7@1000'], ct)
    // With scrape_classic_histograms the classic series stay too.
    const both = setup({ convert_classic_histograms_to_nhcb: true, scrape_classic_histograms: true })
    await both.loop.scrapeOnce(1000)
    assert.equal(histograms(both.rec.last()).length, 2)
    assert.equal(Recorder.samples(both.rec.last()).filter(s => s.includes('lat_seconds_')).length, 10, ct)
  }
  contentType = CT
})
