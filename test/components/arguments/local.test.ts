// local.file against Alloy's reference page (docs/sources/reference/components/local/local.file.md).
import { argumentTests } from './table.js'

argumentTests({
  kind: 'local.file',
  base: { filename: '"/etc/hostname"' },
  blocks: [],
  rows: [
    { name: 'filename', type: 'string', required: true, bad: '["/etc/hostname"]', error: '["/etc/hostname"] should be string, got array' },
    { name: 'detector', type: 'string', alloyDefault: '"fsnotify"', decoded: 'fsnotify', bad: '"inotify"', error: '"inotify" invalid value "inotify", must be one of "fsnotify", "poll"' },
    { name: 'poll_frequency', type: 'duration', alloyDefault: '"1m"', decoded: 60_000, bad: '"0s"', error: 'poll_frequency must be greater than 0' },
    { name: 'is_secret', type: 'bool', alloyDefault: 'false', decoded: false, bad: '"yes"', error: '"yes" should be bool, got string' },
  ],
})
