// The esbuild step of `npm run package`: dist/cli.js (after `npm run build`) as one minified
// CommonJS script, the single-file binary's main. Apart so a test can build and check it alone.
import { readFile } from 'node:fs/promises'
import { constants as http2Constants } from 'node:http2'
import { build } from 'esbuild'

// libp2p's peer store sorts addresses, protocols and metadata keys with String#localeCompare,
// only to get a stable order; the ICU collator behind it keeps ~3 MiB of the binary's collation
// data resident in an idle agent (docs/edge.md). Any total order does, so those calls compare
// UTF-16 code units instead.
const CODE_UNIT_SORTS = /node_modules\/@libp2p\/(peer-store|peer-record)\/dist\/src\/.*\.js$/
const LOCALE_COMPARE = /([\w$]+(?:\.[\w$]+)*(?:\.toString\(\))?)\.localeCompare\(/g

/** `src` (an ES module) with each `x.localeCompare(y)` made a code-unit comparison. */
export function codeUnitSorts (src, path) {
  const out = 'const __codeUnitCompare = (a, b) => a < b ? -1 : a > b ? 1 : 0;\n' + src.replace(LOCALE_COMPARE, '__codeUnitCompare($1, ')
  if (out.includes('.localeCompare(')) throw new Error(`${path}: a localeCompare call the bundle step cannot rewrite`)
  return out
}

const noLocaleCompare = {
  name: 'no-locale-compare',
  setup (b) {
    b.onLoad({ filter: CODE_UNIT_SORTS }, async ({ path }) => {
      const src = await readFile(path, 'utf8')
      return src.includes('localeCompare') ? { contents: codeUnitSorts(src, path), loader: 'js' } : undefined
    })
  },
}

// undici's cookie helpers (which shoal does not use) read globalThis.Headers when undici is
// imported; that getter loads Node's own copy of undici, ~650 KB of source, into every agent. The
// rewrite reads it when a helper is first called instead.
const UNDICI_COOKIES = /node_modules\/undici\/lib\/web\/cookies\/index\.js$/
const EAGER_BRAND_CHECKS = 'const brandChecks = webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean))'
const lazyGlobalHeaders = {
  name: 'lazy-global-headers',
  setup (b) {
    b.onLoad({ filter: UNDICI_COOKIES }, async ({ path }) => {
      const src = await readFile(path, 'utf8')
      if (!src.includes(EAGER_BRAND_CHECKS)) throw new Error(`${path}: undici's cookie brand check changed; update scripts/bundle.mjs`)
      return { contents: src.replace(EAGER_BRAND_CHECKS, 'let brandCheck\nconst brandChecks = h => (brandCheck ??= webidl.brandCheckMultiple([Headers, globalThis.Headers].filter(Boolean)))(h)'), loader: 'js' }
    })
  },
}

// undici requires node:http2 when imported, for HTTP/2 connections shoal does not open (~2 MiB
// with its Node internals); the rewrite takes http2's constants as values and loads the module at
// the first connect.
const UNDICI_H2 = /node_modules\/undici\/lib\/dispatcher\/client-h2\.js$/
const EAGER_HTTP2 = `let http2
try {
  http2 = require('node:http2')
} catch {
  // @ts-ignore
  http2 = { constants: {} }
}`
const lazyHttp2 = {
  name: 'lazy-http2',
  setup (b) {
    b.onLoad({ filter: UNDICI_H2 }, async ({ path }) => {
      const src = await readFile(path, 'utf8')
      const uses = src.match(/\bhttp2\.\w+/g) ?? []
      if (!src.includes(EAGER_HTTP2) || uses.some(u => u !== 'http2.connect')) throw new Error(`${path}: undici's use of node:http2 changed; update scripts/bundle.mjs`)
      const lazy = `let http2Module\nconst http2 = { constants: ${JSON.stringify(http2Constants)}, connect: (...a) => (http2Module ??= require('node:http2')).connect(...a) }`
      return { contents: src.replace(EAGER_HTTP2, lazy), loader: 'js' }
    })
  },
}

/** Bundles dist/cli.js into `outfile`; `define` sets SHOAL_BUILD. Returns esbuild's metafile. */
export async function bundle ({ outfile, version, commit }) {
  const r = await build({
    entryPoints: ['dist/cli.js'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    outfile,
    // The native snappy addon is optional (the agent uses the JS codec): left out.
    external: ['snappy'],
    // import.meta is empty in CommonJS; the bundle run by plain node (tests) finds its files by __dirname
    define: { SHOAL_BUILD: JSON.stringify({ version, commit }), 'import.meta.dirname': '__dirname' },
    legalComments: 'none',
    // Minified: V8 keeps every script's source in the heap; keepNames because libraries read
    // constructor and function names.
    minify: true,
    keepNames: true,
    // ASCII only (non-ASCII escaped): one character outside Latin-1 would make V8 hold the whole
    // source as a two-byte string.
    charset: 'ascii',
    plugins: [noLocaleCompare, lazyGlobalHeaders, lazyHttp2],
    metafile: true,
    logLevel: 'error',
  })
  return r.metafile
}
