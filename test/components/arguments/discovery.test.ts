// discovery.relabel, discovery.file, discovery.dns, discovery.http against Alloy's reference pages
// (docs/sources/reference/components/discovery/*.md). discovery.http's HTTP client block is pinned
// as main has it (src/http-client/ is issue 17a's); see docs/components.md for the differences.
import { argumentTests } from './table.js'
import { ruleRows } from './rule.js'
import { httpClientRows, HTTP_CLIENT_BLOCKS } from './http-client.js'

argumentTests({
  kind: 'discovery.relabel',
  base: { targets: '[]', 'rule.target_label': '"t"' },
  blocks: ['rule'],
  rows: [
    { name: 'targets', type: 'list(map(string))', required: true, bad: '"a"', error: '"a" should be array, got string' },
    ...ruleRows('rule'),
  ],
})

argumentTests({
  kind: 'discovery.file',
  base: { files: '["/tmp/example_*.yaml"]' },
  blocks: [],
  rows: [
    { name: 'files', type: 'list(string)', required: true, bad: '[{ "__path__" = "a" }]', error: '{ "__path__" = "a" } should be string, got object' },
    { name: 'refresh_interval', type: 'duration', alloyDefault: '"5m"', decoded: 300_000, bad: '"5 minutes"', error: '"5 minutes" time: unknown unit " minutes" in duration "5 minutes"' },
  ],
})

argumentTests({
  kind: 'discovery.dns',
  base: { names: '["example.com"]' },
  blocks: [],
  rows: [
    { name: 'names', type: 'list(string)', required: true, bad: '"example.com"', error: '"example.com" should be array, got string' },
    { name: 'port', type: 'number', alloyDefault: '0', decoded: 0, bad: '70000', error: 'port 70000 is out of range' },
    { name: 'refresh_interval', type: 'duration', alloyDefault: '"30s"', decoded: 30_000, bad: '"0s"', error: 'refresh_interval must be greater than 0' },
    { name: 'type', type: 'string', alloyDefault: '"SRV"', decoded: 'SRV', bad: '"TXT"', error: 'invalid DNS-SD records type TXT' },
  ],
})

argumentTests({
  kind: 'discovery.http',
  base: { url: '"http://127.0.0.1:9/sd"' },
  blocks: HTTP_CLIENT_BLOCKS,
  pinnedElsewhere: HTTP_CLIENT_BLOCKS,
  rows: [
    { name: 'url', type: 'string', required: true, bad: '"ftp://127.0.0.1/sd"', error: 'URL scheme must be \'http\' or \'https\'' },
    { name: 'refresh_interval', type: 'duration', alloyDefault: '"60s"', decoded: 60_000, bad: '60', error: '60 time: missing unit in duration "60"' },
    ...httpClientRows(''),
  ],
})
