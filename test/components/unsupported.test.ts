// Every key shoal accepts does what Alloy's does or is refused: each key Alloy has that shoal
// does not implement is a `shoal validate` error that names it, at its line, and says it is not
// supported; the same key left at Alloy's default is accepted (an Alloy file that spells out a
// default runs unchanged).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Controller } from '../../src/runtime/controller.js'
import '../../src/components/index.js'

const RW = (inner: string): string => `prometheus.remote_write "rw" {\n  endpoint {\n    url = "http://127.0.0.1:9/api/v1/write"\n    ${inner}\n  }\n}\n`
const RW_TOP = (inner: string): string => `prometheus.remote_write "rw" {\n  endpoint {\n    url = "http://127.0.0.1:9/api/v1/write"\n  }\n  ${inner}\n}\n`
const SCRAPE = (inner: string): string => `prometheus.scrape "s" {\n  targets    = []\n  forward_to = []\n  ${inner}\n}\n`
const RECV = (inner: string): string => `prometheus.receive_http "r" {\n  forward_to = []\n  http {\n    ${inner}\n  }\n}\n`
const SD = (inner: string): string => `discovery.http "d" {\n  url = "http://127.0.0.1:9/sd"\n  ${inner}\n}\n`

// [config, the key the error must name, the line it is on, the same key at its default (or undefined for blocks)]
const REFUSED: Array<[string, string, number, string | undefined]> = [
  [RW('queue_config {\n      sample_age_limit = "5m"\n    }'), 'sample_age_limit', 5, RW('queue_config {\n      sample_age_limit = "0s"\n    }')],
  [RW_TOP('wal {\n    truncate_frequency = "1h"\n  }'), 'truncate_frequency', 6, RW_TOP('wal {\n    truncate_frequency = "2h"\n    min_keepalive_time = "5m"\n    max_keepalive_time = "8h"\n  }')],
  [RW('round_robin_dns = true'), 'round_robin_dns', 4, RW('round_robin_dns = false')],
  [RW('google_iam {\n      credentials_file = "/x.json"\n    }'), 'google_iam', 4, undefined],
  [SCRAPE('start_timestamp_zero_ingestion = true'), 'start_timestamp_zero_ingestion', 4, SCRAPE('start_timestamp_zero_ingestion = false')],
  [SCRAPE('enable_type_and_unit_labels = true'), 'enable_type_and_unit_labels', 4, SCRAPE('enable_type_and_unit_labels = false')],
  [SCRAPE('scrape_failure_log_file = "/tmp/f.log"'), 'scrape_failure_log_file', 4, SCRAPE('scrape_failure_log_file = ""')],
  [SCRAPE('extra_metrics = true'), 'extra_metrics', 4, SCRAPE('extra_metrics = false')],
  [RECV('server_write_timeout = "5s"'), 'server_write_timeout', 4, RECV('server_write_timeout = "30s"')],
  [RECV('conn_limit = 100'), 'conn_limit', 4, RECV('conn_limit = 0')],
]

// Checked by the component's validate (several keys together decide): named, not positioned by key.
const REFUSED_BY_VALUE: Array<[string, string, string]> = [
  [SCRAPE('proxy_url = "socks5://127.0.0.1:1080"'), 'proxy_url', SCRAPE('proxy_url = "localhost:1000"')],
]

const check = (source: string): Array<{ message: string, line: number }> =>
  Controller.check([{ name: 'c.alloy', source }]).filter(d => d.severity === 'error').map(d => ({ message: d.message, line: d.span.start.line }))

for (const [config, key, line, atDefault] of REFUSED) {
  test(`refused with its name: ${key} (${config.split(' ')[0]})`, () => {
    const errs = check(config)
    assert.equal(errs.length, 1, JSON.stringify(errs))
    assert.match(errs[0].message, new RegExp(`"${key}" is not supported by shoal: \\S`))
    assert.equal(errs[0].line, line)
    if (atDefault !== undefined) assert.deepEqual(check(atDefault), [])
  })
}

for (const [config, key, accepted] of REFUSED_BY_VALUE) {
  test(`refused with its name: ${key}`, () => {
    const errs = check(config)
    assert.equal(errs.length, 1, JSON.stringify(errs))
    assert.match(errs[0].message, new RegExp(`${key}.* is not supported by shoal`))
    assert.deepEqual(check(accepted), [])
  })
}

test('native histograms and the protocol negotiation are accepted, and refused as Alloy refuses them', () => {
  assert.deepEqual(check(SCRAPE(`scrape_native_histograms = true
  scrape_classic_histograms = true
  native_histogram_bucket_limit = 160
  native_histogram_min_bucket_factor = 1.1
  scrape_fallback_protocol = "OpenMetricsText1.0.0"
  convert_classic_histograms_to_nhcb = true`)), [])
  assert.deepEqual(check(SCRAPE('enable_protobuf_negotiation = true')), [])
  assert.deepEqual(check(SCRAPE('scrape_protocols = ["PrometheusProto", "OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"]')), [])
  assert.deepEqual(check(RW('send_native_histograms = true')), [])
  const msgs = (src: string): string => check(src).map(e => e.message).join('\n')
  assert.match(msgs(SCRAPE('scrape_native_histograms = true\n  scrape_protocols = ["OpenMetricsText1.0.0"]')), /scrape_native_histograms is set to true, but PrometheusProto is not in scrape_protocols/)
  assert.match(msgs(SCRAPE('enable_protobuf_negotiation = true\n  scrape_protocols = ["PrometheusText0.0.4"]')), /both enable_protobuf_negotiation and scrape_protocols are set/)
  assert.match(msgs(SCRAPE('scrape_fallback_protocol = "invalid"')), /invalid scrape_fallback_protocol "invalid"/)
  assert.match(msgs(SCRAPE('scrape_protocols = ["PrometheusText2.0.0"]')), /unknown scrape protocol "PrometheusText2.0.0"/)
})

test('the keys shoal now implements are accepted with non-default values', () => {
  assert.deepEqual(check(RW(`proxy_url = "http://127.0.0.1:3128"
    no_proxy = "localhost"
    follow_redirects = false
    enable_http2 = false
    http_headers = { "X-Team" = ["a"] }
    tls_config {
      min_version = "TLS13"
    }`)), [])
  assert.deepEqual(check(SCRAPE(`proxy_from_environment = true
  proxy_connect_header = { "Proxy-Authorization" = ["Basic x"] }
  enable_http2 = false
  http_headers = { "X-Team" = ["a"] }`)), [])
  assert.deepEqual(check(SD(`oauth2 {
    client_id     = "x"
    client_secret = "s"
    token_url     = "http://127.0.0.1:9/token"
    scopes        = ["a"]
    endpoint_params = { audience = "b" }
    proxy_url     = "http://127.0.0.1:3128"
    tls_config {
      insecure_skip_verify = true
    }
  }`)), [])
  assert.deepEqual(check(SD(`oauth2 {
    grant_type = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    client_id  = "x"
    client_certificate_key_file = "/k.pem"
    client_certificate_key_id   = "k1"
    signature_algorithm = "RS512"
    audience   = "https://idp"
    claims     = { tenant = "blue" }
    token_url  = "http://127.0.0.1:9/token"
  }`)), [])
  // Alloy's validation of the block, in its words.
  assert.match(JSON.stringify(check(SD('oauth2 {\n    client_id = "x"\n  }'))), /oauth2 token_url must be configured/)
  assert.match(JSON.stringify(check(SD('oauth2 {\n    client_id = "x"\n    token_url = "http://t"\n  }'))), /either oauth2 client_secret or client_secret_file must be configured/)
})
