// The README's first command: `shoal demo` starts a fleet, a farm and a sink, and prints who
// scrapes what; --duration makes it stop by itself and clean up.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'

test('shoal demo runs a fleet that splits the farm and stops cleanly', async () => {
  const cli = join(import.meta.dirname, '../../dist/cli.js')
  const child = spawn(process.execPath, [cli, 'demo', '--agents', '3', '--targets', '9', '--interval', '1s', '--duration', '24s'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { out += b.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  assert.equal(code, 0, out)
  const final = out.slice(out.lastIndexOf('final:'))
  const rows = final.split('\n').filter(l => /^agent-\d/.test(l))
  assert.equal(rows.length, 3, final)
  const owned = rows.map(r => Number(r.trim().split(/\s+/)[4]))
  assert.equal(owned.reduce((a, b) => a + b, 0), 9, `targets owned add up to the farm: ${final}`)
  for (const r of rows) assert.match(r, /participant\s+3\s/, r)
  const sink = /sink: (\d+) series, (\d+) samples, (\d+)\/9 targets seen, duplicate scrapes (\d+), missing scrapes (\d+)/.exec(final)
  assert.ok(sink, final)
  assert.equal(Number(sink[3]), 9)
  assert.ok(Number(sink[2]) > 0)
  assert.equal(Number(sink[4]), 0, 'no target scraped twice')
})
