// The bundle the single-file binary runs (scripts/bundle.mjs): built from dist/ like `npm run
// package` does, then checked for what keeps an idle agent small — ASCII only (V8 would hold a
// source with one non-Latin-1 character as two-byte), minified, and no ICU collation
// (String#localeCompare) left in the libp2p code it rewrites; an agent run from it scrapes and
// remote-writes through undici without loading Node's own undici or node:http2.
import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from '../helpers/net.js'
import { start, tempDir } from '../helpers/proc.js'

const ROOT = join(import.meta.dirname, '../..')
const outfile = join(tempDir('bundle'), 'shoal.cjs')
let meta: { inputs: Record<string, unknown> }

before(async () => {
  const { bundle } = await import(join(ROOT, 'scripts/bundle.mjs')) as { bundle: (o: { outfile: string, version: string, commit: string }) => Promise<{ inputs: Record<string, unknown> }> }
  const cwd = process.cwd()
  process.chdir(ROOT)
  try { meta = await bundle({ outfile, version: '0.0.0-test', commit: 'abc' }) } finally { process.chdir(cwd) }
})

test('bundle: ASCII, minified, no localeCompare', () => {
  assert.ok(Object.keys(meta.inputs).some(f => f.includes('@libp2p/peer-store/')), 'the peer store is in the bundle')
  const bytes = readFileSync(outfile)
  const high = bytes.findIndex(b => b > 0x7f)
  assert.equal(high, -1, `a non-ASCII byte at offset ${high}`)
  const src = bytes.toString('latin1')
  assert.doesNotMatch(src, /localeCompare/)
  // minified: long lines, no indentation left
  assert.ok(src.split('\n').length < bytes.length / 1000, 'one line per kilobyte or fewer')
})

test('bundle: an agent scrapes and remote-writes with neither Node\'s own undici nor node:http2 loaded', async () => {
  let writes = 0
  const sink = createServer((q, r) => { q.resume(); q.on('end', () => { writes++; r.statusCode = 204; r.end() }) })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  const dir = tempDir('bundle-run')
  const port = await freePort()
  writeFileSync(join(dir, 'agent.alloy'), `prometheus.scrape "self" {
  targets         = [{"__address__" = "127.0.0.1:${port}"}]
  forward_to      = [prometheus.remote_write.sink.receiver]
  scrape_interval = "1s"
  scrape_timeout  = "500ms"
}

prometheus.remote_write "sink" {
  endpoint {
    url = "http://127.0.0.1:${(sink.address() as { port: number }).port}/api/v1/write"
  }
}
`)
  const list = join(dir, 'modules.txt')
  writeFileSync(join(dir, 'list.cjs'), `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')))\n`)
  const agent = start(process.execPath, ['--require', join(dir, 'list.cjs'), outfile, 'run', join(dir, 'agent.alloy'),
    `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`], { env: { SHOAL_V8_FLAGS: undefined } })
  try {
    await waitFor('a remote write', () => writes > 0 || undefined, 30_000)
  } finally {
    assert.equal(await agent.stop('SIGTERM'), 0, agent.output())
    sink.closeAllConnections()
    sink.close()
  }
  const loaded = readFileSync(list, 'utf8').split('\n')
  assert.ok(loaded.includes('NativeModule http'), 'the list is of builtin modules')
  assert.ok(!loaded.includes('NativeModule internal/deps/undici/undici'), 'Node\'s own undici was loaded')
  assert.ok(!loaded.includes('NativeModule http2'), 'node:http2 was loaded')
})

test('bundle: the rewritten sorts give a total order; an unknown form stops the build', async () => {
  const { codeUnitSorts } = await import(join(ROOT, 'scripts/bundle.mjs')) as { codeUnitSorts: (src: string, path: string) => string }
  const src = codeUnitSorts('export const f = (xs) => xs.sort((a, b) => a.multiaddr.toString().localeCompare(b.multiaddr.toString())).map(x => x.multiaddr)\n' +
    'export const g = (xs) => xs.sort((a, b) => { return a.localeCompare(b) })\n', 'x.js')
  const dir = tempDir('sorts')
  writeFileSync(join(dir, 'm.mjs'), src)
  const m = await import(join(dir, 'm.mjs')) as { f: (xs: Array<{ multiaddr: string }>) => string[], g: (xs: string[]) => string[] }
  const addrs = ['/ip6/::1/tcp/2', '/ip4/10.0.0.1/tcp/1', '/dns4/a/tcp/3', '/ip4/10.0.0.1/tcp/1']
  assert.deepEqual(m.f(addrs.map(multiaddr => ({ multiaddr }))), ['/dns4/a/tcp/3', '/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.1/tcp/1', '/ip6/::1/tcp/2'])
  assert.deepEqual(m.g(['b', 'a', 'B', 'ab']), ['B', 'a', 'ab', 'b'])
  assert.throws(() => codeUnitSorts('xs.sort((a, b) => a[0].localeCompare(b[0]))', 'y.js'), /y\.js: a localeCompare call/)
})
