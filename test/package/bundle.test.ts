// The bundle the single-file binary runs (scripts/bundle.mjs): built from dist/ like `npm run
// package` does, then checked for what keeps an idle agent small — ASCII only (V8 would hold a
// source with one non-Latin-1 character as two-byte), minified, and no ICU collation
// (String#localeCompare) left in the libp2p code it rewrites.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/proc.js'

const ROOT = join(import.meta.dirname, '../..')

test('bundle: ASCII, minified, no localeCompare', async () => {
  const { bundle } = await import(join(ROOT, 'scripts/bundle.mjs')) as { bundle: (o: { outfile: string, version: string, commit: string }) => Promise<{ inputs: Record<string, unknown> }> }
  const outfile = join(tempDir('bundle'), 'shoal.cjs')
  const cwd = process.cwd()
  process.chdir(ROOT)
  let meta
  try { meta = await bundle({ outfile, version: '0.0.0-test', commit: 'abc' }) } finally { process.chdir(cwd) }
  assert.ok(Object.keys(meta.inputs).some(f => f.includes('@libp2p/peer-store/')), 'the peer store is in the bundle')
  const bytes = readFileSync(outfile)
  const high = bytes.findIndex(b => b > 0x7f)
  assert.equal(high, -1, `a non-ASCII byte at offset ${high}`)
  const src = bytes.toString('latin1')
  assert.doesNotMatch(src, /localeCompare/)
  // minified: long lines, no indentation left
  assert.ok(src.split('\n').length < bytes.length / 1000, 'one line per kilobyte or fewer')

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
