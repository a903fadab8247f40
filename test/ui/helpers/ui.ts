// Shared bits of the UI tests: is Chromium here, launch it, make sure the UI is built.
import { copyFileSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const haveChromium = (): boolean => existsSync(CHROMIUM)
export const ROOT = join(import.meta.dirname, '../../..')
export const ARTIFACTS = join(ROOT, 'test-artifacts')

export async function launch (): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** The browser code is compiled by its own tsconfig; build it here if `npm run build` has not, or is older than the sources. */
export function ensureUIBuilt (): void {
  const dist = join(ROOT, 'dist/http/ui/static')
  const built = join(dist, 'assets/app.mjs')
  const src = join(ROOT, 'src/http/ui/client')
  const newest = Math.max(...readdirSync(src).map(f => statSync(join(src, f)).mtimeMs))
  if (!existsSync(built) || statSync(built).mtimeMs < newest) {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'src/http/ui/tsconfig.json')], { stdio: 'inherit' })
  }
  cpSync(join(ROOT, 'src/http/ui/static'), dist, { recursive: true })
}

/** Screenshots always go to test-artifacts/; docs/ is refreshed only when asked (SHOAL_UPDATE_DOCS=1). */
export function docShot (from: string, name: string): void {
  if (process.env.SHOAL_UPDATE_DOCS === '1') copyFileSync(from, join(ROOT, 'docs', name))
}
