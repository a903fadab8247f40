#!/usr/bin/env node
// Entry point. Kept free of static imports so an old Node gets a clear message
// instead of a syntax or API error from deep inside a dependency.
const REQUIRED_MAJOR = 22
const major = Number(process.versions.node.split('.')[0])
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `shoal needs Node.js >= ${REQUIRED_MAJOR}; this is ${process.version}.\n` +
    'In a checkout, `npm install` puts a Node 22 in node_modules/.bin: run shoal through npm\n' +
    '(npm exec shoal -- ...) or as `node_modules/.bin/node dist/cli.js ...`; or install Node 22 from nodejs.org.\n')
  process.exit(1)
}
// `run` is a long-lived agent whose large, long-lived heap V8 would otherwise mark every few
// seconds: its default heap growth leaves less headroom above the live heap than the young
// generation's size, so incremental marking restarts right after each full GC. A wider growth
// factor makes full GCs much rarer, and with them most of the agent's marking CPU
// (docs/performance.md, round 3). V8 flags only take effect at startup, so the process re-executes
// itself with them: process.execve keeps the PID, so signals and exit codes stay the agent's own.
// A young generation of 4 MiB semi-spaces (V8's default grows to 16) lowers the RSS at no CPU
// cost because the scrape path's garbage dies young (docs/performance.md, round 5).
// SHOAL_V8_FLAGS replaces the list ('' = none); flags already on the command line win.
const AGENT_V8_FLAGS = '--heap-growing-percent=50 --max-semi-space-size=4'
// The single-file binary (scripts/package.mjs) carries these flags in its SEA config, so it starts
// without re-executing (under qemu-user emulation it could not: its own file is not executable
// there). With SHOAL_V8_FLAGS set it re-executes with them as `--node-options=…` (SEA
// execArgvExtension "cli"); they come after the built-in ones, so each flag given wins.
declare const SHOAL_BUILD: { version: string, commit: string } | undefined
const isBundle = typeof SHOAL_BUILD !== 'undefined'
const wanted = process.env.SHOAL_V8_FLAGS ?? (isBundle ? '' : AGENT_V8_FLAGS)
if (process.argv[2] === 'run' && process.env.SHOAL_REEXEC !== '1' && typeof process.execve === 'function') {
  const given = new Set(isBundle ? [] : process.execArgv.map(a => a.split('=')[0]))
  const flags = wanted.split(/\s+/).filter(f => f !== '' && !given.has(f.split('=')[0]))
  if (flags.length > 0) {
    // node: flags before the script; the binary: argv[1] is itself again, the rest is the CLI's
    const argv = isBundle
      ? [process.execPath, `--node-options=${[...process.execArgv, ...flags].join(' ')}`, ...process.argv.slice(2)]
      : [process.execPath, ...process.execArgv, ...flags, ...process.argv.slice(1)]
    try {
      process.execve(process.execPath, argv, { ...process.env, SHOAL_REEXEC: '1' })
    } catch {
      // Could not re-execute (exotic platform, missing binary): run with V8's defaults.
    }
  }
}
// No top-level await: the bundle for the single-file binary is CommonJS (what Node 22's SEA runs).
void import('./cli/main.js').then(async ({ main }) => { process.exitCode = await main(process.argv.slice(2)) })
