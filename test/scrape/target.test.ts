import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveScrapeConfig, type ScrapeConfig } from '../../src/scrape/config.js'
import { formatPromDuration, parsePromDuration } from '../../src/scrape/duration.js'
import { fmix64, Fnv1a64, hashLabelPairs, hex64 } from '../../src/scrape/hash.js'
import { newTarget, targetKey } from '../../src/scrape/target.js'
import type { Labels } from '../../src/storage/series.js'

const base: ScrapeConfig = { job_name: 'job', scheme: 'https', metrics_path: '/metrics', scrape_interval: 1000, scrape_timeout: 1000 }

function obj (labels: Labels): Record<string, string> {
  return Object.fromEntries(labels.map(l => [l.name, l.value]))
}

// Prometheus's TestPopulateLabels cases (without the native-histogram labels shoal does not have).
const cases: Array<{ name: string, in: Record<string, string>, cfg?: Partial<ScrapeConfig>, res?: Record<string, string>, err?: string }> = [
  {
    name: 'regular population of scrape config options',
    in: { __address__: '1.2.3.4:1000', custom: 'value' },
    res: { __address__: '1.2.3.4:1000', instance: '1.2.3.4:1000', __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s', custom: 'value' },
  },
  {
    name: 'pre-defined labels win; no default port',
    in: { __address__: '1.2.3.4', __scheme__: 'http', __metrics_path__: '/custom', job: 'custom-job', __scrape_interval__: '2s', __scrape_timeout__: '2s' },
    res: { __address__: '1.2.3.4', instance: '1.2.3.4', __scheme__: 'http', __metrics_path__: '/custom', job: 'custom-job', __scrape_interval__: '2s', __scrape_timeout__: '2s' },
  },
  {
    name: 'instance label provided, IPv6 address',
    in: { __address__: '[::1]', instance: 'custom-instance' },
    res: { __address__: '[::1]', instance: 'custom-instance', __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s' },
  },
  { name: 'address missing', in: { custom: 'value' }, err: 'no address' },
  {
    name: 'address added by relabeling',
    in: { custom: 'host:1234' },
    cfg: { relabel: l => [...l, { name: '__address__', value: l.find(x => x.name === 'custom')!.value }].sort((a, b) => a.name < b.name ? -1 : 1) },
    res: { __address__: 'host:1234', instance: 'host:1234', __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s', custom: 'host:1234' },
  },
  { name: 'invalid UTF-8', in: { __address__: '1.2.3.4:1000', custom: '\uDCBD' }, err: 'invalid label value for "custom": "\\udcbd"' },
  { name: 'bad interval', in: { __address__: '1.2.3.4:1000', __scrape_interval__: '2notseconds' }, err: 'error parsing scrape interval: unknown unit "notseconds" in duration "2notseconds"' },
  { name: 'bad timeout', in: { __address__: '1.2.3.4:1000', __scrape_timeout__: '2notseconds' }, err: 'error parsing scrape timeout: unknown unit "notseconds" in duration "2notseconds"' },
  { name: '0 interval', in: { __address__: '1.2.3.4:1000', __scrape_interval__: '0s' }, err: 'scrape interval cannot be 0' },
  { name: '0 timeout', in: { __address__: '1.2.3.4:1000', __scrape_timeout__: '0s' }, err: 'scrape timeout cannot be 0' },
  { name: 'timeout over interval', in: { __address__: '1.2.3.4:1000', __scrape_interval__: '1s', __scrape_timeout__: '2s' }, err: 'scrape timeout cannot be greater than scrape interval ("2s" > "1s")' },
  {
    name: 'explicit default port kept (http)',
    in: { __address__: '1.2.3.4:80' },
    cfg: { scheme: 'http' },
    res: { __address__: '1.2.3.4:80', instance: '1.2.3.4:80', __scheme__: 'http', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s' },
  },
  { name: 'address with a path', in: { __address__: 'host:80/metrics' }, err: '"host:80/metrics" is not a valid hostname' },
  { name: 'address that is no host', in: { __address__: 'a b:80' }, err: '"a b:80" is not a valid hostname' },
  {
    name: 'meta labels removed, tmp labels kept internal',
    in: { __address__: 'h:1', __meta_x: 'y', __tmp_z: 'w' },
    res: { __address__: 'h:1', instance: 'h:1', __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s', __tmp_z: 'w' },
  },
]

for (const c of cases) {
  test(`populate labels: ${c.name}`, () => {
    const cfg = resolveScrapeConfig({ ...base, ...c.cfg })
    if (c.err !== undefined) {
      assert.throws(() => newTarget(c.in, cfg), (e: Error) => e.message === c.err)
      return
    }
    const t = newTarget(c.in, cfg)
    assert.ok(t !== undefined)
    assert.deepEqual(obj(t.labels), c.res)
    assert.deepEqual(t.publicLabels.map(l => l.name), Object.keys(c.res!).filter(n => !n.startsWith('__')).sort())
  })
}

test('relabel drop returns undefined; discovered labels keep defaults and meta', () => {
  const cfg = resolveScrapeConfig({ ...base, relabel: () => undefined })
  assert.equal(newTarget({ __address__: 'h:1' }, cfg), undefined)
  const t = newTarget({ __address__: 'h:1', __meta_a: 'b' }, resolveScrapeConfig(base))!
  assert.deepEqual(obj(t.discoveredLabels), { __address__: 'h:1', __meta_a: 'b', __scheme__: 'https', __metrics_path__: '/metrics', job: 'job', __scrape_interval__: '1s', __scrape_timeout__: '1s' })
})

test('scrape URL: scheme, path, params and __param_ overrides', () => {
  const cfg = resolveScrapeConfig({ ...base, scheme: 'http', metrics_path: '/probe', params: { module: ['http_2xx', 'b'], 'x y': ['a&b'] } })
  const t = newTarget({ __address__: 'blackbox:9115', __param_target: 'https://example.org/?q=1' }, cfg)!
  assert.equal(t.url, 'http://blackbox:9115/probe?module=http_2xx&module=b&target=https%3A%2F%2Fexample.org%2F%3Fq%3D1&x+y=a%26b')
  const t2 = newTarget({ __address__: 'h:1', __param_module: 'tcp' }, cfg)!
  assert.equal(t2.url, 'http://h:1/probe?module=tcp&module=b&x+y=a%26b')
  assert.equal(obj(t2.labels).__param_module, 'tcp')
  assert.equal(newTarget({ __address__: 'h:1' }, cfg)!.labels.find(l => l.name === '__param_module')?.value, 'http_2xx')
})

test('prometheus durations', () => {
  assert.equal(formatPromDuration(60_000), '1m')
  assert.equal(formatPromDuration(90_000), '1m30s')
  assert.equal(formatPromDuration(10_000), '10s')
  assert.equal(formatPromDuration(1500), '1s500ms')
  assert.equal(formatPromDuration(14 * 86_400_000), '2w')
  assert.equal(formatPromDuration(15 * 86_400_000), '15d')
  assert.equal(formatPromDuration(0), '0s')
  assert.equal(parsePromDuration('1m30s'), 90_000)
  assert.equal(parsePromDuration('1h'), 3_600_000)
  assert.equal(parsePromDuration('0'), 0)
  assert.throws(() => parsePromDuration('30s1m'), /not a valid duration string: "30s1m"/)
  assert.throws(() => parsePromDuration(''), /empty duration string/)
  assert.throws(() => parsePromDuration('1.5s'), /unknown unit "\." in duration "1\.5s"/)
})

function refFnv (bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n)
  return h
}

test('FNV-1a 64 matches published vectors and a bigint reference', () => {
  const f = (s: string): string => { const h = new Fnv1a64(); h.bytes(new TextEncoder().encode(s)); return hex64(h.raw()) }
  assert.equal(f(''), 'cbf29ce484222325')
  assert.equal(f('a'), 'af63dc4c8601ec8c')
  assert.equal(f('foobar'), '85944171f73967e8')
  let seed = 42
  for (let n = 0; n < 200; n++) {
    const bytes = new Uint8Array(n % 37)
    for (let i = 0; i < bytes.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; bytes[i] = seed >>> 24 }
    const h = new Fnv1a64(); h.bytes(bytes)
    assert.equal(h.raw(), refFnv(bytes))
  }
  assert.equal(fmix64(0n), 0n)
})

test('targetKey: pinned values, order-independent, ignores __meta_', () => {
  // Pinned: changing these breaks target ownership across a mixed-version fleet.
  assert.equal(hex64(targetKey({ __address__: 'localhost:9100', job: 'node' })), hex64(hashLabelPairs([['__address__', 'localhost:9100'], ['job', 'node']])))
  assert.equal(hex64(targetKey({ __address__: 'localhost:9100', job: 'node' })), PINNED)
  assert.equal(targetKey({ job: 'node', __address__: 'localhost:9100', __meta_x: 'y' }), targetKey({ __address__: 'localhost:9100', job: 'node' }))
  assert.notEqual(targetKey({ __address__: 'localhost:9101', job: 'node' }), targetKey({ __address__: 'localhost:9100', job: 'node' }))
  // Separators matter: {a="bc"} is not {ab="c"}.
  assert.notEqual(targetKey({ a: 'bc' }), targetKey({ ab: 'c' }))
})

// Checked independently: FNV-1a 64 of "__address__\xfflocalhost:9100\xffjob\xffnode\xff", then fmix64.
const PINNED = 'a40b02a1c5600cc0'
