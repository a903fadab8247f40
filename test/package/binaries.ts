// The single-file binaries and .debs of `npm run package`, built once (under a lock, so test files
// running side by side do not build them twice) and rebuilt when dist/cli.js is newer.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

const ROOT = join(import.meta.dirname, '../..')
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
export const binary = (arch: 'x64' | 'arm64'): string => join(ROOT, 'dist/pkg', `shoal-${VERSION}-linux-${arch}`)
export const deb = (debArch: 'amd64' | 'arm64'): string => join(ROOT, 'dist/pkg', `shoal_${VERSION}_${debArch}.deb`)
export const QEMU = '/usr/bin/qemu-aarch64-static'
export const haveQemu = (): boolean => existsSync(QEMU) && existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1')
/** argv prefix that runs the binary of `arch` on this (x64) machine. */
export const runner = (arch: 'x64' | 'arm64'): string[] => arch === 'x64' ? [binary('x64')] : [QEMU, '-L', '/usr/aarch64-linux-gnu', binary('arm64')]

const fresh = (): boolean => {
  const cli = statSync(join(ROOT, 'dist/cli.js')).mtimeMs
  // the .sha256 is written after postject succeeded: a build cut short leaves none
  return [binary('x64'), `${binary('x64')}.sha256`, binary('arm64'), `${binary('arm64')}.sha256`, deb('amd64'), deb('arm64')]
    .every(f => existsSync(f) && statSync(f).mtimeMs > cli)
}

export async function ensureBinaries (): Promise<void> {
  const lock = join(ROOT, 'dist/pkg.lock')
  for (;;) {
    try { mkdirSync(lock); break } catch { await sleep(500) }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}` } })
  } finally { rmdirSync(lock) }
}
