// The esbuild step of `npm run package`: dist/cli.js (after `npm run build`) as one minified
// CommonJS script, the single-file binary's main. Apart so a test can build and check it alone.
import { readFile } from 'node:fs/promises'
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
    define: { SHOAL_BUILD: JSON.stringify({ version, commit }) },
    legalComments: 'none',
    // Minified: V8 keeps every script's source in the heap; keepNames because libraries read
    // constructor and function names.
    minify: true,
    keepNames: true,
    // ASCII only (non-ASCII escaped): one character outside Latin-1 would make V8 hold the whole
    // source as a two-byte string.
    charset: 'ascii',
    plugins: [noLocaleCompare],
    metafile: true,
    logLevel: 'error',
  })
  return r.metafile
}
