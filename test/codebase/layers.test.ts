// The arrows between src/ folders point down the data path: config and core types at the
// bottom, then the stages (discovery, scrape, remote write, cluster), then the runtime that
// hosts components, the components, the HTTP server and UI, and the process (agent, CLI) on top.
// A module may import its own folder or a lower layer, never a peer or a higher one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, posix, relative } from 'node:path'

/** Layer of each top-level entry of src/ (a folder or a file); higher may import lower. */
export const LAYERS: Record<string, number> = {
  'version.ts': 0, 'clock.ts': 0, logging: 0, metrics: 0, storage: 0, syntax: 0, net: 0,
  vm: 1,
  exposition: 2, relabel: 2, 'http-client': 2,
  discovery: 3, scrape: 3, remotewrite: 3, cluster: 3,
  runtime: 4,
  components: 5,
  http: 6,
  'process-config.ts': 7, 'agent.ts': 8, demo: 8, cli: 9, 'cli.ts': 10,
}

const UI_CLIENT = 'http/ui/client/'
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g

/** Problems in `files` (path under src/ → source): each names the file, line and the arrow. */
export function layerViolations (files: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const [file, source] of files) {
    const from = file.split('/')[0]
    for (const m of source.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3]
      if (!spec.startsWith('.')) continue
      const target = posix.normalize(posix.join(posix.dirname(file), spec))
      // A top-level module is named by its source file: './version.js' is src/version.ts.
      const to = target.split('/')[0].replace(/\.m?js$/, '.ts')
      const line = source.slice(0, m.index + m[0].indexOf(spec)).split('\n').length
      const where = `src/${file}:${line}`
      // The UI's browser code is built apart and can reach nothing outside its folder.
      if (file.startsWith(UI_CLIENT) && !target.startsWith(UI_CLIENT)) { out.push(`${where}: the UI client imports ${target}`); continue }
      if (target.startsWith('..')) { out.push(`${where}: imports ${spec}, outside src/`); continue }
      if (to === from) continue
      const a = LAYERS[from]
      const b = LAYERS[to]
      if (a === undefined) { out.push(`${where}: src/${from} has no layer (add it to LAYERS)`); continue }
      if (b === undefined) { out.push(`${where}: imports src/${to}, which has no layer (add it to LAYERS)`); continue }
      if (b >= a) out.push(`${where}: ${from} (layer ${a}) imports ${to} (layer ${b}): ${b === a ? 'a peer' : 'a higher layer'}`)
    }
  }
  return out
}

function sources (root: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (/\.(ts|mts)$/.test(name)) out.set(relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8'))
    }
  }
  walk(root)
  return out
}

test('no src/ module imports a peer or a higher layer', () => {
  const root = join(dirname(new URL(import.meta.url).pathname), '../../src')
  const files = sources(root)
  assert.ok(files.size > 100, `read ${files.size} files from ${root}`)
  assert.deepEqual(layerViolations(files), [])
})

test('the checker finds backward, peer, unlayered and UI-client imports', () => {
  const cases: Array<{ name: string, file: string, source: string, want: RegExp | undefined }> = [
    { name: 'down the path', file: 'scrape/loop.ts', source: "import { Entry } from '../exposition/entry.js'\n", want: undefined },
    { name: 'own folder', file: 'scrape/pool.ts', source: "import { ScrapeLoop } from './loop.js'\n", want: undefined },
    { name: 'package import', file: 'scrape/pool.ts', source: "import type { Registry } from 'prom-client'\n", want: undefined },
    { name: 'scrape reads UI wire types', file: 'scrape/pool.ts', source: "import type { TargetDebugInfo } from '../http/ui/client/wire.mjs'\n", want: /src\/scrape\/pool\.ts:1: scrape \(layer 3\) imports http \(layer 6\): a higher layer/ },
    { name: 'runtime imports http', file: 'runtime/x.ts', source: "\nimport { httpBlockSchema } from '../http/security.js'\n", want: /src\/runtime\/x\.ts:2: .*a higher layer/ },
    { name: 'discovery imports scrape (peer)', file: 'discovery/x.ts', source: "export { targetKey } from '../scrape/target.js'\n", want: /discovery \(layer 3\) imports scrape \(layer 3\): a peer/ },
    { name: 'dynamic import', file: 'storage/x.ts', source: "const m = await import('../cluster/node.js')\n", want: /storage \(layer 0\) imports cluster/ },
    { name: 'side-effect import', file: 'runtime/x.ts', source: "import '../components/index.js'\n", want: /runtime \(layer 4\) imports components/ },
    { name: 'unlayered folder', file: 'gadgets/x.ts', source: "import { a } from '../vm/a.js'\n", want: /src\/gadgets has no layer/ },
    { name: 'UI client reaches into src', file: 'http/ui/client/app.mts', source: "import { x } from '../../../scrape/status.js'\n", want: /the UI client imports scrape\/status\.js/ },
  ]
  for (const c of cases) {
    const got = layerViolations(new Map([[c.file, c.source]]))
    if (c.want === undefined) assert.deepEqual(got, [], c.name)
    else {
      assert.equal(got.length, 1, `${c.name}: ${got.join('; ')}`)
      assert.match(got[0], c.want, c.name)
    }
  }
})
