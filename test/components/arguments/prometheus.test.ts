// prometheus.relabel, prometheus.exporter.self, prometheus.receive_http, prometheus.remote_write and
// prometheus.scrape against Alloy's reference pages (docs/sources/reference/components/prometheus/*.md).
// The HTTP client block and remote_write's sigv4/azuread/google_iam bodies are pinned as main has
// them (src/http-client/, issue 17a). Differences from Alloy: docs/components.md.
import { argumentTests } from './table.js'
import { ruleRows } from './rule.js'
import { httpClientRows, HTTP_CLIENT_BLOCKS } from './http-client.js'

const BOOL = (name: string, dflt: boolean): { name: string, type: string, alloyDefault: string, decoded: boolean, bad: string, error: string } =>
  ({ name, type: 'bool', alloyDefault: String(dflt), decoded: dflt, bad: '1', error: '1 should be bool, got number' })
const REFUSED = (name: string, why: string): string => `attribute "${name.split('.').pop()!}" is not supported by shoal: ${why} (leave it unset or at its default)`

argumentTests({
  kind: 'prometheus.relabel',
  base: { forward_to: '[]', 'rule.target_label': '"t"' },
  blocks: ['rule'],
  rows: [
    { name: 'forward_to', type: 'list(MetricsReceiver)', required: true, bad: '[1]', error: '1 expected capsule("Appendable"), got number' },
    { name: 'max_cache_size', type: 'int', alloyDefault: '100000', decoded: 100_000, bad: '-1', error: 'max_cache_size must be >= 0; got -1' },
    { name: 'cache_ttl', type: 'duration', alloyDefault: '"0s"', decoded: 0, bad: '"10m"', error: 'max_cache_size and cache_ttl are mutually exclusive: set max_cache_size = 0 to use cache_ttl, or unset cache_ttl to keep the bounded LRU cache' },
    ...ruleRows('rule'),
  ],
})

argumentTests({ kind: 'prometheus.exporter.self', base: {}, blocks: [], rows: [] })

const RW2 = 'not implemented: Remote Write 2.0 series are forwarded with the labels and metadata they came with'
argumentTests({
  kind: 'prometheus.receive_http',
  base: { forward_to: '[]' },
  blocks: ['http', 'http.tls'],
  rows: [
    { name: 'forward_to', type: 'list(MetricsReceiver)', required: true, bad: '[1]', error: '1 expected capsule("Appendable"), got number' },
    { name: 'accepted_remote_write_protobuf_messages', type: 'list(string)', alloyDefault: '["prometheus.WriteRequest"]', decoded: ['prometheus.WriteRequest'], bad: '["x"]', error: 'unsupported protocol version "x": valid values are "prometheus.WriteRequest" and "io.prometheus.write.v2.Request"' },
    { ...BOOL('append_metadata', false), bad: 'true', error: REFUSED('append_metadata', RW2) },
    { ...BOOL('enable_type_and_unit_labels', false), bad: 'true', error: REFUSED('enable_type_and_unit_labels', RW2) },
    // shoal's own: Alloy has no such argument (docs/components.md).
    { name: 'max_request_size', type: 'number (shoal only)', decoded: 64 << 20, bad: '"x"', error: '"x" should be number, got string' },
    { name: 'http.listen_address', type: 'string', alloyDefault: '""', decoded: '', bad: '[]', error: '[] should be string, got array' },
    { name: 'http.listen_port', type: 'int', alloyDefault: '8080', decoded: 8080, bad: '"x"', error: '"x" should be number, got string' },
    { name: 'http.conn_limit', type: 'int', alloyDefault: '0', decoded: 0, bad: '"x"', error: '"x" should be number, got string' },
    { name: 'http.server_read_timeout', type: 'duration', alloyDefault: '"30s"', decoded: 30_000, bad: '1', error: '1 time: missing unit in duration "1"' },
    { name: 'http.server_write_timeout', type: 'duration', alloyDefault: '"30s"', decoded: 30_000, bad: '1', error: '1 time: missing unit in duration "1"' },
    { name: 'http.server_idle_timeout', type: 'duration', alloyDefault: '"120s"', decoded: 120_000, bad: '1', error: '1 time: missing unit in duration "1"' },
    // In Alloy's struct (common/net), not on its page.
    { name: 'http.graceful_shutdown_timeout', type: 'duration', alloyDefault: '"30s"', decoded: 30_000, bad: '1', error: '1 time: missing unit in duration "1"' },
  ],
})

const E = 'endpoint.'
argumentTests({
  kind: 'prometheus.remote_write',
  base: { 'endpoint.url': '"http://127.0.0.1:9/api/v1/write"', 'endpoint.write_relabel_config.target_label': '"t"' },
  blocks: ['endpoint', 'wal', ...['queue_config', 'metadata_config', 'write_relabel_config', 'sigv4', 'azuread', 'google_iam', ...HTTP_CLIENT_BLOCKS].map(b => E + b)],
  pinnedElsewhere: [...HTTP_CLIENT_BLOCKS, 'sigv4', 'azuread'].map(b => E + b),
  rows: [
    { name: 'external_labels', type: 'map(string)', decoded: {}, bad: '"x"', error: '"x" should be object, got string' },
    { name: 'wal.truncate_frequency', type: 'duration', alloyDefault: '"2h"', decoded: 7_200_000, bad: '"1h"', error: REFUSED('truncate_frequency', 'shoal keeps a disk buffer of what is not yet sent instead of a WAL; its size is --storage.wal-max-size') },
    { name: 'wal.min_keepalive_time', type: 'duration', alloyDefault: '"5m"', decoded: 300_000, bad: '"1m"', error: REFUSED('min_keepalive_time', 'shoal keeps a disk buffer of what is not yet sent instead of a WAL; its size is --storage.wal-max-size') },
    { name: 'wal.max_keepalive_time', type: 'duration', alloyDefault: '"8h"', decoded: 28_800_000, bad: '"1h"', error: REFUSED('max_keepalive_time', 'shoal keeps a disk buffer of what is not yet sent instead of a WAL; its size is --storage.wal-max-size') },
    { name: E + 'url', type: 'string', required: true, bad: '"127.0.0.1:9/write"', error: 'endpoint[0]: invalid url "127.0.0.1:9/write"' },
    { name: E + 'name', type: 'string', decoded: '', bad: '[]', error: '[] should be string, got array' },
    { name: E + 'headers', type: 'map(string)', decoded: {}, bad: '"x"', error: '"x" should be object, got string' },
    { name: E + 'remote_timeout', type: 'duration', alloyDefault: '"30s"', decoded: 30_000, bad: '"x"', error: '"x" time: invalid duration "x"' },
    BOOL(E + 'send_exemplars', true),
    { ...BOOL(E + 'send_native_histograms', false), bad: '1' },
    { name: E + 'protobuf_message', type: 'string', alloyDefault: '"prometheus.WriteRequest"', decoded: 'prometheus.WriteRequest', bad: '"x"', error: '"x" invalid value "x", must be one of "prometheus.WriteRequest", "io.prometheus.write.v2.Request"' },
    { ...BOOL(E + 'round_robin_dns', false), bad: 'true', error: REFUSED('round_robin_dns', 'requests go to the address the system resolver returns first') },
    ...httpClientRows(E, false, 'endpoint[0]: '),
    { name: E + 'queue_config.capacity', type: 'number', alloyDefault: '10000', decoded: 10_000, bad: '"x"', error: '"x" should be number, got string' },
    { name: E + 'queue_config.max_shards', type: 'number', alloyDefault: '50', decoded: 50, bad: '"x"', error: '"x" should be number, got string' },
    { name: E + 'queue_config.min_shards', type: 'number', alloyDefault: '1', decoded: 1, bad: '"x"', error: '"x" should be number, got string' },
    { name: E + 'queue_config.max_samples_per_send', type: 'number', alloyDefault: '2000', decoded: 2000, bad: '"x"', error: '"x" should be number, got string' },
    { name: E + 'queue_config.batch_send_deadline', type: 'duration', alloyDefault: '"5s"', decoded: 5000, bad: '1', error: '1 time: missing unit in duration "1"' },
    { name: E + 'queue_config.min_backoff', type: 'duration', alloyDefault: '"30ms"', decoded: 30, bad: '1', error: '1 time: missing unit in duration "1"' },
    { name: E + 'queue_config.max_backoff', type: 'duration', alloyDefault: '"5s"', decoded: 5000, bad: '1', error: '1 time: missing unit in duration "1"' },
    BOOL(E + 'queue_config.retry_on_http_429', true),
    { name: E + 'queue_config.sample_age_limit', type: 'duration', alloyDefault: '"0s"', decoded: 0, bad: '"5m"', error: REFUSED('sample_age_limit', 'samples are sent however old they are (a buffered outage is delivered whole)') },
    BOOL(E + 'metadata_config.send', true),
    { name: E + 'metadata_config.send_interval', type: 'duration', alloyDefault: '"1m"', decoded: 60_000, bad: '1', error: '1 time: missing unit in duration "1"' },
    { name: E + 'metadata_config.max_samples_per_send', type: 'number', alloyDefault: '2000', decoded: 2000, bad: '"x"', error: '"x" should be number, got string' },
    ...ruleRows(E + 'write_relabel_config', 'endpoint[0]: '),
  ],
})

const UINT_ERR = '-1 must be at least 0, got -1'
argumentTests({
  kind: 'prometheus.scrape',
  base: { targets: '[]', forward_to: '[]', 'clustering.enabled': 'false' },
  blocks: ['clustering', ...HTTP_CLIENT_BLOCKS],
  pinnedElsewhere: HTTP_CLIENT_BLOCKS,
  rows: [
    { name: 'targets', type: 'list(map(string))', required: true, bad: '[1]', error: '1 should be object, got number' },
    { name: 'forward_to', type: 'list(MetricsReceiver)', required: true, bad: '[1]', error: '1 expected capsule("Appendable"), got number' },
    // Alloy's default is the component's name; shoal's '' means the same (scrapeConfig uses the id).
    { name: 'job_name', type: 'string', decoded: '', bad: '[]', error: '[] should be string, got array' },
    BOOL('honor_labels', false),
    BOOL('honor_timestamps', true),
    BOOL('honor_metadata', false),
    BOOL('track_timestamps_staleness', false),
    BOOL('scrape_classic_histograms', false),
    BOOL('enable_compression', true),
    { name: 'params', type: 'map(list(string))', decoded: {}, bad: '"x"', error: '"x" should be object, got string' },
    { name: 'scrape_interval', type: 'duration', alloyDefault: '"60s"', decoded: 60_000, bad: '"5s"', error: 'scrape_timeout (10s) greater than scrape_interval (5s) for scrape config with job name ""' },
    { name: 'scrape_timeout', type: 'duration', alloyDefault: '"10s"', decoded: 10_000, bad: '"2m"', error: 'scrape_timeout (2m0s) greater than scrape_interval (1m0s) for scrape config with job name ""' },
    { name: 'scrape_protocols', type: 'list(string)', alloyDefault: '["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"]', decoded: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'], bad: '["PrometheusText0.0.4", "PrometheusText0.0.4"]', error: 'duplicate scrape protocol "PrometheusText0.0.4": make sure the scrape protocols provided are unique' },
    { name: 'scrape_fallback_protocol', type: 'string', alloyDefault: '"PrometheusText0.0.4"', decoded: 'PrometheusText0.0.4', bad: '"x"', error: 'invalid scrape_fallback_protocol "x" (valid: PrometheusProto, OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4)' },
    { name: 'metrics_path', type: 'string', alloyDefault: '"/metrics"', decoded: '/metrics', bad: '"metrics"', error: 'metrics_path "metrics" must start with /' },
    { name: 'scheme', type: 'string', alloyDefault: '"http"', decoded: 'http', bad: '"ftp"', error: 'scheme must be "http" or "https", got "ftp"' },
    { name: 'body_size_limit', type: 'int', decoded: 0, bad: '"x"', error: 'body_size_limit: invalid size "x"' },
    { name: 'sample_limit', type: 'uint', decoded: 0, bad: '-1', error: UINT_ERR },
    { name: 'target_limit', type: 'uint', decoded: 0, bad: '-1', error: UINT_ERR },
    { name: 'label_limit', type: 'uint', decoded: 0, bad: '-1', error: UINT_ERR },
    { name: 'label_name_length_limit', type: 'uint', decoded: 0, bad: '-1', error: UINT_ERR },
    { name: 'label_value_length_limit', type: 'uint', decoded: 0, bad: '-1', error: UINT_ERR },
    { name: 'metric_name_validation_scheme', type: 'string', alloyDefault: '"legacy"', decoded: 'legacy', bad: '"x"', error: 'invalid metric_name_validation_scheme "x": must be either "utf8" or "legacy"' },
    // Alloy's page says "underscores"; its struct's default is "" (underscores under legacy validation), as shoal's.
    { name: 'metric_name_escaping_scheme', type: 'string', decoded: '', bad: '"x"', error: 'invalid metric_name_escaping_scheme: "x", supported values: [allow-utf-8 underscores dots values]' },
    { ...BOOL('extra_metrics', false), bad: 'true', error: REFUSED('extra_metrics', 'the extra scrape_* series are not written') },
    BOOL('enable_protobuf_negotiation', false),
    BOOL('scrape_native_histograms', false),
    { name: 'native_histogram_bucket_limit', type: 'uint', alloyDefault: '0', decoded: 0, bad: '-1', error: 'native_histogram_bucket_limit must not be negative' },
    { name: 'native_histogram_min_bucket_factor', type: 'float64', alloyDefault: '0', decoded: 0, bad: '-1', error: 'native_histogram_min_bucket_factor must not be negative' },
    BOOL('convert_classic_histograms_to_nhcb', false),
    { ...BOOL('start_timestamp_zero_ingestion', false), bad: 'true', error: REFUSED('start_timestamp_zero_ingestion', 'start timestamps are sent with remote write 2.0, but no zero sample is written at them') },
    { ...BOOL('enable_type_and_unit_labels', false), bad: 'true', error: REFUSED('enable_type_and_unit_labels', 'no __type__/__unit__ labels are added') },
    { name: 'scrape_failure_log_file', type: 'string', alloyDefault: '""', decoded: '', bad: '"/tmp/f.log"', error: REFUSED('scrape_failure_log_file', 'scrape failures are logged to the agent log and shown in the UI') },
    ...httpClientRows(''),
    { name: 'clustering.enabled', type: 'bool', required: true, bad: '1', error: '1 should be bool, got number' },
    // shoal's own (docs/components.md).
    { name: 'clustering.replication_factor', type: 'number (shoal only)', decoded: 1, bad: '0', error: 'clustering replication_factor must be at least 1' },
  ],
})
