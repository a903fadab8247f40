#!/usr/bin/env node
// Compiles the AssemblyScript sources under assembly/ to .tmp/wasm/*.wasm with the npm
// `assemblyscript` compiler (node_modules/.bin/asc, or the one ASC names). Skips a module whose
// .wasm is newer than its source. Not part of `npm run build` yet: the spike for issue 18.
//   node scripts/build-wasm.mjs        prints the path of each .wasm
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const WASM_DIR = join(root, '.tmp', 'wasm')
const MODULES = ['series-table']

function ascPath () {
  if (process.env.ASC !== undefined) return process.env.ASC
  const local = join(root, 'node_modules', '.bin', 'asc')
  if (existsSync(local)) return local
  throw new Error('the AssemblyScript compiler is not installed: npm install (devDependency assemblyscript), or set ASC to an asc binary')
}

/** Builds every module that is out of date; returns name → .wasm path. */
export function buildWasm () {
  mkdirSync(WASM_DIR, { recursive: true })
  const out = {}
  for (const m of MODULES) {
    const src = join(root, 'assembly', `${m}.ts`)
    const wasm = join(WASM_DIR, `${m}.wasm`)
    if (!existsSync(wasm) || statSync(wasm).mtimeMs < statSync(src).mtimeMs) {
      const r = spawnSync(process.execPath, [ascPath(), src, '--runtime', 'stub', '-O3', '--noAssert', '-o', wasm], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`asc ${m}: ${r.stderr || r.stdout || r.error}`)
    }
    out[m] = wasm
  }
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [m, p] of Object.entries(buildWasm())) console.log(`${m}: ${p}`)
}
