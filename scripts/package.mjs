#!/usr/bin/env node
// `npm run package`: single-file executables (Node SEA) of the whole CLI for linux-x64 and
// linux-arm64, plus a .deb of each. Steps: esbuild bundles dist/cli.js (after `npm run build`) into
// one CommonJS script (scripts/bundle.mjs); `node --experimental-sea-config` makes the blob (script
// + UI assets + the agent's V8 flags); postject injects it into each architecture's Node binary, taken from the npm
// packages node-linux-<arch> at exactly package.json's `node` version (fetched with `npm pack`
// into node_modules/.cache/shoal-node, so npm's cpu check does not stop the foreign one).
//
//   node scripts/package.mjs [--arch=x64,arm64] [--no-deb]
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join, relative } from 'node:path'
import { bundle } from './bundle.mjs'
import { writeDeb } from './package-deb.mjs'

const arg = (name, def) => process.argv.find(a => a.startsWith(`--${name}=`))?.split('=')[1] ?? def
const archs = arg('arch', 'x64,arm64').split(',')
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const nodeVersion = pkg.dependencies.node
const out = 'dist/pkg'
const work = join(out, 'work')
const cache = 'node_modules/.cache/shoal-node'
const t0 = Date.now()
let commit = 'unknown'
try { commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch {}

/** bin/node of node-linux-<arch>@nodeVersion, cached; the package's version is checked. */
function nodeBinary (arch) {
  const dir = join(cache, `${arch}-${nodeVersion}`)
  const bin = join(dir, 'package', 'bin', 'node')
  if (!existsSync(bin)) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    const name = `node-linux-${arch}@${nodeVersion}`
    const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', name, '--json', '--pack-destination', dir], { encoding: 'utf8' }))
    execFileSync('tar', ['-xzf', join(dir, filename), '-C', dir])
    rmSync(join(dir, filename))
  }
  const got = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8')).version
  if (got !== nodeVersion) throw new Error(`${bin}: node-linux-${arch} ${got}, package.json's node is ${nodeVersion}`)
  return bin
}

rmSync(out, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
await bundle({ outfile: join(work, 'shoal.cjs'), version: pkg.version, commit })
const uiRoot = 'dist/http/ui/static'
const assets = {}
const walk = d => readdirSync(d, { withFileTypes: true }).forEach(e => e.isDirectory() ? walk(join(d, e.name)) : (assets[`ui/${relative(uiRoot, join(d, e.name))}`] = join(d, e.name)))
walk(uiRoot)
const seaConfig = {
  main: join(work, 'shoal.cjs'),
  output: join(work, 'sea.blob'),
  disableExperimentalSEAWarning: true,
  // The flags src/cli.ts re-executes `node dist/cli.js run` with; SHOAL_V8_FLAGS makes the binary
  // re-execute itself with more as --node-options (NODE_OPTIONS is not read).
  execArgv: ['--heap-growing-percent=50', '--max-semi-space-size=4'],
  execArgvExtension: 'cli',
  assets,
}
writeFileSync(join(work, 'sea.json'), JSON.stringify(seaConfig, null, 2))
execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'sea.json')], { stdio: ['ignore', 'ignore', 'inherit'] })

for (const arch of archs) {
  const file = join(out, `shoal-${pkg.version}-linux-${arch}`)
  copyFileSync(nodeBinary(arch), file)
  chmodSync(file, 0o755)
  execFileSync(process.execPath, ['node_modules/postject/dist/cli.js', file, 'NODE_SEA_BLOB', join(work, 'sea.blob'),
    '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'ignore' })
  const sum = createHash('sha256').update(readFileSync(file)).digest('hex')
  writeFileSync(`${file}.sha256`, `${sum}  shoal-${pkg.version}-linux-${arch}\n`)
  if (!process.argv.includes('--no-deb')) writeDeb({ binary: file, version: pkg.version, arch, out, work })
  console.log(`${file}  ${(readFileSync(file).length / 1048576).toFixed(1)} MiB`)
}
rmSync(work, { recursive: true, force: true })
console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
