// The version string reported in logs, metrics, heartbeats and User-Agent headers, and the commit
// it was built from: baked in by esbuild's define in the single-file binary (scripts/package.mjs),
// else read from dist/build-info.json (scripts/post-build.mjs) or package.json.
import { readFileSync } from 'node:fs'

declare const SHOAL_BUILD: { version: string, commit: string } | undefined

function readJSON (rel: string): { version?: string, commit?: string } | undefined {
  try { return JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version?: string, commit?: string } } catch { return undefined }
}

function readBuild (): { version: string, commit: string } {
  if (typeof SHOAL_BUILD !== 'undefined') return SHOAL_BUILD
  const info = readJSON('./build-info.json') ?? readJSON('../package.json')
  return { version: info?.version ?? 'unknown', commit: info?.commit ?? 'unknown' }
}

const build = readBuild()
export const VERSION = build.version
export const COMMIT = build.commit
