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
const { main } = await import('./cli/main.js')
process.exitCode = await main(process.argv.slice(2))
