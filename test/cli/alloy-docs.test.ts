// Alloy's own module documentation examples (test/fixtures/alloy-docs/, PROVENANCE.md): each goes
// through `shoal validate` (the CLI), and the ones that need only what shoal has go through
// `shoal run`: ready, every component healthy, the declared components' exports as the page says,
// stopped with SIGTERM. The only changes are those the examples leave to the reader (a
// `<PLACEHOLDER>`, the host of Alloy's own HTTP server, a repository the test cannot reach).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync, execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { basename, join } from 'node:path'
import { validatePath } from '../../src/cli/validate.js'
import { freePort, waitFor } from '../helpers/net.js'
import { startShoal, tempDir } from '../helpers/proc.js'
import { unavailable } from '../helpers/prereq.js'

const DOCS = join(import.meta.dirname, '../fixtures/alloy-docs')
const CLI = join(import.meta.dirname, '../../dist/cli.js')

/** A copy of one example directory with the reader's substitutions applied. */
function example (dir: string, subst: Record<string, Record<string, string>> = {}): string {
  const to = join(tempDir('alloy-docs'), dir)
  cpSync(join(DOCS, dir), to, { recursive: true })
  for (const [file, pairs] of Object.entries(subst)) {
    let text = readFileSync(join(to, file), 'utf8')
    for (const [from, by] of Object.entries(pairs)) {
      assert.ok(text.includes(from), `${dir}/${file} has ${from}`)
      text = text.replaceAll(from, by)
    }
    writeFileSync(join(to, file), text)
  }
  return to
}

/** The CLI: `shoal validate FILE` run in the example's directory (relative import paths are the process's, as in Alloy). */
function validateCli (cwd: string, file: string): { code: number | null, errors: string[] } {
  const r = spawnSync(process.execPath, [CLI, 'validate', file], { cwd, encoding: 'utf8', timeout: 30_000 })
  const errors = r.stderr.split('\n').filter(l => /^\S+:\d+:\d+: /.test(l)).map(l => l.replace(/^\S+?:\d+:\d+: /, m => m.replace(/^.*\//, '')))
  return { code: r.status, errors }
}

/** What the CLI checks (validatePath), in process: errors as file:line:col: message with the file's base name. */
function validate (cwd: string, file: string): string[] {
  const was = process.cwd()
  process.chdir(cwd)
  try {
    return validatePath(file).diagnostics.filter(d => d.severity === 'error').map(d => `${basename(d.file)}:${d.span.start.line}:${d.span.start.column}: ${d.message}`)
  } finally {
    process.chdir(was)
  }
}

const REMOTE_WRITE = { '<REMOTE_WRITE_URL>': '"http://127.0.0.1:9009/api/v1/push"' }

// [example directory, file, substitutions, the errors shoal validate reports (only kinds it lacks)]
const VALIDATE: Array<[string, string, Record<string, Record<string, string>>, string[]]> = [
  ['declare', 'self_collect.alloy', { 'self_collect.alloy': REMOTE_WRITE }, []],
  ['argument', 'self_collect.alloy', {}, []],
  ['custom-components', 'add.alloy', {}, []],
  // The declare is never instantiated, so its body (discovery.kubernetes) is not evaluated: Alloy's rule too.
  ['export', 'pods_and_nodes.alloy', {}, []],
  ['import.file/module', 'main.alloy', {}, []],
  ['import.file/relative', 'main.alloy', {}, []],
  // import.git is not fetched by validate: what uses it is not judged.
  ['import.file/git-imports-file', 'main.alloy', {}, []],
  ['import.git', 'file.alloy', {}, []],
  ['import.git', 'directory.alloy', {}, []],
  ['import.string', 'main.alloy', {}, ['main.alloy:1:1: unrecognized block name "remote.s3"']],
  ['modules', 'main.alloy', {}, ['main.alloy:7:1: unrecognized block name "loki.source.file"', 'main.alloy:19:1: unrecognized block name "loki.write"', 'helpers.alloy:13:3: unrecognized block name "loki.process"']],
  // import.http is not fetched by validate either.
  ['import.http/math', 'main.alloy', { 'main.alloy': { '<SERVER_URL>': '"http://127.0.0.1:9/module.alloy"' } }, []],
  ['import.http/scrape', 'main.alloy', {}, []],
]

for (const [dir, file, subst, want] of VALIDATE) {
  test(`shoal validate: Alloy's ${dir} example (${file})`, () => {
    assert.deepEqual(validate(example(dir, subst), file), want)
  })
}

test('shoal validate (the CLI): an example with what it leaves to the reader filled in passes; as printed (a <PLACEHOLDER>), it is a positioned syntax error', () => {
  assert.deepEqual(validateCli(example('declare', { 'self_collect.alloy': REMOTE_WRITE }), 'self_collect.alloy'), { code: 0, errors: [] })
  assert.deepEqual(validateCli(example('declare'), 'self_collect.alloy'), { code: 1, errors: ['self_collect.alloy:22:11: expected expression, got <'] })
  assert.deepEqual(validateCli(example('import.string'), 'main.alloy'), { code: 1, errors: ['main.alloy:1:1: unrecognized block name "remote.s3"'] })
})

interface ApiComponent { id: string, health: { state: string, message: string }, arguments?: Array<{ name: string, value: unknown }>, exports?: Array<{ name: string, value: unknown }>, createdModuleIDs?: string[] }

async function component (base: string, id: string): Promise<ApiComponent> {
  const r = await fetch(`${base}/api/v0/web/components/${encodeURIComponent(id)}`)
  assert.equal(r.status, 200, id)
  return await r.json() as ApiComponent
}

/** Runs FILE in CWD, waits for /-/ready and every component (and every module's) healthy; returns them by id. */
async function run (t: { after: (fn: () => Promise<unknown>) => void }, cwd: string, file: string, port: number, check: (byId: Map<string, ApiComponent>, base: string) => Promise<void>): Promise<void> {
  const p = startShoal(['run', file, `--server.http.listen-addr=127.0.0.1:${port}`, `--storage.path=${join(cwd, '.data')}`], { cwd })
  t.after(() => p.stop('SIGKILL'))
  const base = `http://127.0.0.1:${port}`
  await waitFor(`ready: ${p.output()}`, async () => { try { return (await fetch(`${base}/-/ready`)).ok } catch { return false } }, 20_000)
  const all = async (): Promise<Map<string, ApiComponent>> => {
    const top = await (await fetch(`${base}/api/v0/web/components`)).json() as ApiComponent[]
    const out = new Map(top.map(c => [c.id, c]))
    for (const c of top) {
      for (const m of c.createdModuleIDs ?? []) {
        for (const x of await (await fetch(`${base}/api/v0/web/modules/${encodeURIComponent(m)}/components`)).json() as ApiComponent[]) out.set(x.id, x)
      }
    }
    return out
  }
  const byId = await waitFor('every component healthy', async () => {
    const m = await all()
    return m.size > 0 && [...m.values()].every(c => c.health.state === 'healthy') ? m : undefined
  }, 15_000)
  await check(byId, base)
  assert.equal(await p.stop('SIGTERM'), 0, p.output())
}

const exportOf = async (base: string, id: string, name: string): Promise<unknown> => (await component(base, id)).exports?.find(e => e.name === name)?.value

test('shoal run: declare.md self_collect: the instance\'s scrape targets the agent itself and forwards to the remote_write', async t => {
  const port = await freePort()
  // 127.0.0.1:12345 is Alloy's own default HTTP address: the agent's here. Nothing listens on port 9.
  const cwd = example('declare', { 'self_collect.alloy': { '<REMOTE_WRITE_URL>': '"http://127.0.0.1:9/api/v1/write"', '127.0.0.1:12345': `127.0.0.1:${port}` } })
  await run(t, cwd, 'self_collect.alloy', port, async (byId, base) => {
    assert.deepEqual([...byId.keys()].sort(), ['prometheus.remote_write.example', 'self_collect.example', 'self_collect.example/prometheus.scrape.selfmonitor'])
    const custom = await component(base, 'self_collect.example')
    assert.equal((custom.arguments?.find(a => a.name === 'metrics_output')?.value as { type: string }).type, 'capsule')
  })
})

test('shoal run: custom-components.md add exports 32; import.file.md math.add exports 60 (a module file, and one importing its own lib)', async t => {
  let port = await freePort()
  await run(t, example('custom-components'), 'add.alloy', port, async (_byId, base) => {
    assert.deepEqual(await exportOf(base, 'add.example', 'sum'), { type: 'number', value: 32 })
  })
  port = await freePort()
  await run(t, example('import.file/module'), 'main.alloy', port, async (_byId, base) => {
    assert.deepEqual(await exportOf(base, 'math.add.default', 'sum'), { type: 'number', value: 60 })
  })
  port = await freePort()
  await run(t, example('import.file/relative'), 'main.alloy', port, async (_byId, base) => {
    assert.deepEqual(await exportOf(base, 'math.add.default', 'output'), { type: 'number', value: 60 })
    assert.deepEqual(await exportOf(base, 'math.add.default/lib.plus.default', 'sum'), { type: 'number', value: 60 })
  })
})

test('shoal run: import.file.md\'s git module that imports a file, from a local repository holding the example\'s two files', async t => {
  if (unavailable(t, spawnSync('git', ['--version']).status === 0 ? undefined : 'git is not installed')) return
  const repo = join(tempDir('alloy-docs-git'), 'module')
  mkdirSync(repo)
  cpSync(join(DOCS, 'import.file/git-imports-file/relative_math.alloy'), join(repo, 'relative_math.alloy'))
  cpSync(join(DOCS, 'import.file/git-imports-file/lib.alloy'), join(repo, 'lib.alloy'))
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
  git('init', '-q', '-b', 'master')
  git('add', '.')
  git('commit', '-qm', 'module')
  const cwd = example('import.file/git-imports-file', { 'main.alloy': { 'https://github.com/wildum/module.git': repo } })
  const port = await freePort()
  await run(t, cwd, 'main.alloy', port, async (_byId, base) => {
    assert.deepEqual(await exportOf(base, 'math.add.default', 'output'), { type: 'number', value: 60 })
  })
})

test('shoal run: import.http.md math.add, its module served over HTTP as the page shows it', async t => {
  const module = readFileSync(join(DOCS, 'import.http/math/module.alloy'), 'utf8')
  const server = createServer((req, res) => {
    if (req.url === '/module.alloy') res.writeHead(200, { 'content-type': 'text/plain' }).end(module)
    else res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise(resolve => server.close(resolve)))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/module.alloy`
  const port = await freePort()
  await run(t, example('import.http/math', { 'main.alloy': { '<SERVER_URL>': `"${url}"` } }), 'main.alloy', port, async (byId, base) => {
    assert.deepEqual([...byId.keys()], ['math.add.default'])
    assert.deepEqual(await exportOf(base, 'math.add.default', 'sum'), { type: 'number', value: 60 })
  })
})
