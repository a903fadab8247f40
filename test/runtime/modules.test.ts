import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import '../../src/components/index.js'
import { Controller } from '../../src/runtime/controller.js'
import { register, lookupKind } from '../../src/runtime/registry.js'
import type { ComponentKind } from '../../src/runtime/component.js'
import { attr, t } from '../../src/vm/schema.js'
import { nopLogger } from '../../src/logging/logger.js'

// A test kind that exports its input plus one and counts its builds and updates.
const builds: string[] = []
const updates: string[] = []
if (!lookupKind('mtest.add')) {
  register({
    name: 'mtest.add',
    stability: 'generally-available',
    args: { input: attr(t.number, { required: true }) },
    exports: { output: { type: 'number' } },
    build (g, a: { input: number }) {
      builds.push(g.id)
      g.onStateChange({ output: a.input + 1 })
      return {
        async run (signal) { await new Promise<void>(r => signal.addEventListener('abort', () => r())) },
        update (n: { input: number }) { updates.push(g.id); g.onStateChange({ output: n.input + 1 }) },
      }
    },
  } satisfies ComponentKind<{ input: number }>)
}

function tempDir (t: { after (fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-modules-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function controller (t: { after (fn: () => Promise<void>): void }, dir: string): Controller {
  const c = new Controller({ storagePath: join(dir, 'data'), logger: nopLogger, registry: new Registry() })
  t.after(() => c.stop())
  return c
}

const errors = (diags: Array<{ severity: string, file: string, span: { start: { line: number, column: number } }, message: string }>): string[] =>
  diags.filter(d => d.severity === 'error').map(d => `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.message}`)

const check = (source: string, name = 'main.alloy'): string[] => errors(Controller.check([{ name, source }]))

const ADD = `declare "add" {
  argument "a" { comment = "first" }
  argument "b" {
    optional = true
    default  = 10
  }
  export "sum" { value = argument.a.value + argument.b.value }
}
`

test('modules: an optional argument takes its default, a required one must be given', async t => {
  const dir = tempDir(t)
  const c = controller(t, dir)
  const res = await c.load([{ name: 'main.alloy', source: ADD + 'add "x" { a = 5 }\nadd "y" {\n  a = 1\n  b = 2\n}\nmtest.add "z" { input = add.x.sum + add.y.sum }\n' }])
  assert.deepEqual(errors(res.diagnostics), [])
  assert.equal(c.component('add.x')!.exports.sum, 15)
  assert.equal(c.component('add.y')!.exports.sum, 3)
  // The export feeds a built-in component.
  assert.equal(c.component('mtest.add.z')!.exports.output, 19)
  assert.deepEqual(check(ADD + 'add "x" { b = 1 }\n'), ['main.alloy:2:3: missing required argument "a" to module'])
  const bad = await controller(t, dir).load([{ name: 'main.alloy', source: ADD + 'add "x" { b = 1 }\n' }])
  assert.equal(bad.ok, false)
  assert.deepEqual(errors(bad.diagnostics), ['main.alloy:2:3: missing required argument "a" to module'])
})

test('modules: nested declares, instances inside declares, ids per instance', async t => {
  const dir = tempDir(t)
  const c = controller(t, dir)
  const src = `declare "outer" {
  argument "n" { }
  declare "inner" {
    argument "v" { }
    mtest.add "step" { input = argument.v.value }
    export "out" { value = mtest.add.step.output }
  }
  inner "one" { v = argument.n.value }
  inner "two" { v = inner.one.out }
  export "out" { value = inner.two.out }
}
outer "a" { n = 1 }
outer "b" { n = 100 }
`
  const res = await c.load([{ name: 'main.alloy', source: src }])
  assert.deepEqual(errors(res.diagnostics), [])
  assert.equal(c.component('outer.a')!.exports.out, 3)
  assert.equal(c.component('outer.b')!.exports.out, 102)
  assert.equal(c.component('outer.a/inner.two/mtest.add.step')!.exports.output, 3)
  assert.deepEqual(c.components('outer.a').map(x => x.localId), ['inner.one', 'inner.two'])
  assert.deepEqual(c.component('outer.a')!.createdModuleIds, ['outer.a'])
  // A declare's body does not see the components around it.
  assert.deepEqual(check('mtest.add "top" { input = 1 }\ndeclare "d" {\n  mtest.add "x" { input = mtest.add.top.output }\n}\nd "i" { }\n'),
    ['main.alloy:3:27: component "mtest.add.top.output" does not exist or is out of scope'])
  // An inner declare is not visible outside its declare.
  assert.match(check(src + 'inner "x" { v = 1 }\n').join('\n'), /unrecognized block name "inner"/)
})

test('modules: reloading a changed body keeps the unchanged components running (same instance)', async t => {
  const dir = tempDir(t)
  const c = controller(t, dir)
  const body = (second: number) => `declare "m" {
  argument "x" { }
  mtest.add "keep" { input = argument.x.value }
  mtest.add "change" { input = ${second} }
  export "out" { value = mtest.add.keep.output + mtest.add.change.output }
}
m "i" { x = 1 }
`
  assert.ok((await c.load([{ name: 'main.alloy', source: body(10) }])).ok)
  const keep = c.instance('m.i/mtest.add.keep')
  const change = c.instance('m.i/mtest.add.change')
  const outer = c.instance('m.i')
  assert.ok(keep && change && outer)
  assert.equal(c.component('m.i')!.exports.out, 13)
  updates.length = 0
  const res = await c.load([{ name: 'main.alloy', source: body(20) }])
  assert.deepEqual(errors(res.diagnostics), [])
  assert.equal(c.instance('m.i/mtest.add.keep'), keep, 'unchanged component kept')
  assert.equal(c.instance('m.i/mtest.add.change'), change, 'changed component updated in place')
  assert.equal(c.instance('m.i'), outer)
  assert.deepEqual(updates, ['m.i/mtest.add.change'])
  assert.equal(c.component('m.i')!.exports.out, 23)
})

test('modules: import.file (file and directory), import.string; an error inside a module is positioned in its own file', async t => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'math.alloy'), ADD)
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'lib', 'a.alloy'), 'declare "plus" {\n  argument "a" { }\n  argument "b" { }\n  export "sum" { value = argument.a.value + argument.b.value }\n}\n')
  writeFileSync(join(dir, 'lib', 'b.alloy'), 'declare "twice" {\n  argument "v" { }\n  plus "p" {\n    a = argument.v.value\n    b = argument.v.value\n  }\n  export "out" { value = plus.p.sum }\n}\n')
  const main = `import.file "math" { filename = "${dir}/math.alloy" }
import.file "lib" { filename = "${dir}/lib" }
import.string "s" { content = "declare \\"one\\" {\\n  export \\"v\\" { value = 1 }\\n}\\n" }
math.add "x" { a = 1 }
lib.twice "y" { v = 21 }
s.one "z" { }
`
  const c = controller(t, dir)
  const res = await c.load([{ name: join(dir, 'main.alloy'), source: main }])
  assert.deepEqual(errors(res.diagnostics), [])
  assert.equal(c.component('math.add.x')!.exports.sum, 11)
  assert.equal(c.component('lib.twice.y')!.exports.out, 42)
  assert.equal(c.component('s.one.z')!.exports.v, 1)
  assert.deepEqual(errors(Controller.check([{ name: join(dir, 'main.alloy'), source: main }])), [])

  writeFileSync(join(dir, 'bad.alloy'), 'declare "b" {\n  argument "a" { }\n  mtest.add "x" { input = "text" }\n}\n')
  const badMain = `import.file "bad" { filename = "${dir}/bad.alloy" }\nbad.b "i" { a = 1 }\n`
  const want = [`${dir}/bad.alloy:3:27: "text" should be number, got string`]
  assert.deepEqual(errors(Controller.check([{ name: join(dir, 'main.alloy'), source: badMain }])), want)
  const r2 = await controller(t, dir).load([{ name: join(dir, 'main.alloy'), source: badMain }])
  assert.equal(r2.ok, false)
  assert.deepEqual(errors(r2.diagnostics), want)
  assert.ok(r2.sources.has(`${dir}/bad.alloy`), 'the module file is there to render the error line')
})

test('modules: import.git against a real local repository, at two revisions', async t => {
  const dir = tempDir(t)
  const repo = join(dir, 'repo')
  mkdirSync(repo)
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim()
  git('init', '-q', '-b', 'main')
  mkdirSync(join(repo, 'modules'))
  writeFileSync(join(repo, 'modules', 'math.alloy'), 'declare "add" {\n  argument "a" { }\n  export "sum" { value = argument.a.value + 1 }\n}\n')
  git('add', '.'); git('commit', '-q', '-m', 'one')
  const first = git('rev-parse', 'HEAD')
  writeFileSync(join(repo, 'modules', 'math.alloy'), 'declare "add" {\n  argument "a" { }\n  export "sum" { value = argument.a.value + 2 }\n}\n')
  git('commit', '-q', '-am', 'two')
  const main = (rev: string) => `import.git "math" {\n  repository = "${repo}"\n  revision = "${rev}"\n  path = "modules/math.alloy"\n  pull_frequency = "100ms"\n}\nmath.add "x" { a = 10 }\n`
  const c = controller(t, dir)
  const r1 = await c.load([{ name: 'main.alloy', source: main(first) }])
  assert.deepEqual(errors(r1.diagnostics), [])
  assert.equal(c.component('math.add.x')!.exports.sum, 11)
  const r2 = await c.load([{ name: 'main.alloy', source: main('main') }])
  assert.deepEqual(errors(r2.diagnostics), [])
  assert.equal(c.component('math.add.x')!.exports.sum, 12)
  // A new commit on the branch arrives with the next pull.
  writeFileSync(join(repo, 'modules', 'math.alloy'), 'declare "add" {\n  argument "a" { }\n  export "sum" { value = argument.a.value + 3 }\n}\n')
  git('commit', '-q', '-am', 'three')
  const end = Date.now() + 10_000
  while (c.component('math.add.x')!.exports.sum !== 13 && Date.now() < end) await new Promise(r => setTimeout(r, 50))
  assert.equal(c.component('math.add.x')!.exports.sum, 13)
  const bad = await controller(t, dir).load([{ name: 'main.alloy', source: main('no-such-branch') }])
  assert.equal(bad.ok, false)
  assert.match(errors(bad.diagnostics).join('\n'), /revision "no-such-branch" not found/)
})

test('modules: Alloy\'s documentation examples validate (built-in kinds shoal lacks are the only errors)', () => {
  // declare.md / argument.md: self_collect into a remote_write.
  assert.deepEqual(check(`declare "self_collect" {
  argument "metrics_output" {
    optional = false
    comment  = "Where to send collected metrics."
  }
  prometheus.scrape "selfmonitor" {
    targets = [{
      __address__ = "127.0.0.1:12345",
    }]
    forward_to = [argument.metrics_output.value]
  }
}
self_collect "example" {
  metrics_output = prometheus.remote_write.example.receiver
}
prometheus.remote_write "example" {
  endpoint {
    url = "http://127.0.0.1:9009/api/v1/push"
  }
}
`), [])
  // custom-components.md: add.
  assert.deepEqual(check('declare "add" {\n    argument "a" {\n        comment = "First number to add"\n        optional = false\n    }\n    argument "b" {\n        comment = "Second number to add"\n        optional = false\n    }\n    export "sum" {\n        value = argument.a.value + argument.b.value\n    }\n}\nadd "example" {\n    a = 15\n    b = 17\n}\n'), [])
  // export.md: discovery.kubernetes is not a kind shoal has; nothing else is reported.
  assert.deepEqual(check('declare "pods_and_nodes" {\n  discovery.kubernetes "pods" {\n    role = "pod"\n  }\n  discovery.kubernetes "nodes" {\n    role = "node"\n  }\n  export "kubernetes_resources" {\n    value = array.concat(\n      discovery.kubernetes.pods.targets,\n      discovery.kubernetes.nodes.targets,\n    )\n  }\n}\npods_and_nodes "x" { }\n'),
    ['main.alloy:2:3: unrecognized block name "discovery.kubernetes"', 'main.alloy:5:3: unrecognized block name "discovery.kubernetes"'])
  // import.git.md: not fetched by validate, what uses it is not judged.
  assert.deepEqual(check('import.git "math" {\n  repository = "https://github.com/wildum/module.git"\n  revision   = "master"\n  path       = "math.alloy"\n}\nmath.add "default" {\n  a = 15\n  b = 45\n}\n'), [])
})

test('modules: /api/v0/web/modules/{moduleID}/components and component ids with slashes, in Alloy\'s shape', async t => {
  const { HttpServer } = await import('../../src/http/server.js')
  const { registerComponentAPI } = await import('../../src/http/api.js')
  const dir = tempDir(t)
  const c = controller(t, dir)
  assert.ok((await c.load([{ name: 'main.alloy', source: 'declare "m" {\n  argument "x" { }\n  mtest.add "inner" { input = argument.x.value }\n  export "out" { value = mtest.add.inner.output }\n}\nm "i" { x = 1 }\n' }])).ok)
  const server = new HttpServer(nopLogger)
  registerComponentAPI(server, c)
  const addr = await server.listen('127.0.0.1', 0)
  t.after(() => server.close())
  const get = async (path: string): Promise<{ status: number, body: any }> => {
    const res = await fetch(`http://127.0.0.1:${addr.port}/api/v0/web${path}`)
    return { status: res.status, body: await res.json() }
  }
  const top = await get('/components')
  assert.deepEqual(top.body.map((x: any) => [x.id, x.componentType, x.createdModuleIDs]), [['m.i', 'custom', ['m.i']]])
  const inner = await get('/modules/m.i/components')
  assert.equal(inner.status, 200)
  assert.deepEqual(inner.body.map((x: any) => [x.moduleID, x.localID, x.id, x.name, x.label]), [['m.i', 'mtest.add.inner', 'm.i/mtest.add.inner', 'mtest.add', 'inner']])
  const one = await get('/components/' + encodeURIComponent('m.i/mtest.add.inner'))
  assert.equal(one.status, 200)
  assert.deepEqual(one.body.exports, [{ name: 'output', type: 'attr', value: { type: 'number', value: 2 } }])
  const custom = await get('/components/m.i')
  assert.deepEqual(custom.body.arguments, [{ name: 'x', type: 'attr', value: { type: 'number', value: 1 } }])
  assert.deepEqual(custom.body.exports, [{ name: 'out', type: 'attr', value: { type: 'number', value: 2 } }])
  assert.equal((await get('/modules/nope/components')).status, 404)
})

test('modules: real Alloy files from other projects validate; only kinds shoal lacks are reported', async () => {
  const { readFileSync } = await import('node:fs')
  const name = join(import.meta.dirname, '../fixtures/alloy-real/bearer-token-alloy-metrics.alloy')
  const diags = Controller.check([{ name, source: readFileSync(name, 'utf8') }])
  const reported = diags.filter(d => d.severity === 'error').map(d => d.message)
  assert.deepEqual(reported.filter(m => !/^unrecognized block name "[a-z_.]+"$/.test(m)), [])
  assert.deepEqual(reported.map(m => m.replace(/^unrecognized block name /, '')).sort(), [
    '"otelcol.exporter.prometheus"', '"prometheus.exporter.unix"', '"prometheus.operator.podmonitors"',
    '"prometheus.operator.probes"', '"prometheus.operator.servicemonitors"', '"remote.kubernetes.secret"'])
})

test('modules: a clustered prometheus.scrape inside a declared component splits its targets like a top-level one, hashed by what the instance evaluates to', async t => {
  const dir = tempDir(t)
  // A fake two-member fleet: the peer "other" owns keys with an odd low bit; components are keyed by id.
  const hashes = new Map<string, string>()
  const lookups = new Set<string>()
  const self = { peerId: 'self', name: 'self', addrs: [], httpAddr: '', state: 'participant' as const, lastHeartbeat: 0, version: '', components: {}, mismatched: [], isSelf: true }
  const other = { ...self, peerId: 'other', name: 'other', isSelf: false }
  const cluster = {
    enabled: true,
    self: () => self,
    peers: () => [self, other],
    lookup: (key: bigint, _rf: number, id: string) => { lookups.add(id); return [(key & 1n) === 1n ? other : self] },
    lookupMany: () => { throw new Error('not used') },
    ready: () => true,
    setComponentHash: (id: string, h: string) => { hashes.set(id, h) },
    onChange: () => () => {},
  }
  const c = new Controller({ storagePath: join(dir, 'data'), logger: nopLogger, registry: new Registry(), services: { cluster, httpAddress: () => '127.0.0.1:12345', walMaxBytes: undefined } })
  t.after(() => c.stop())
  const targets = Array.from({ length: 40 }, (_, i) => `{"__address__" = "127.0.0.1:${10000 + i}"}`).join(', ')
  const src = (interval: string) => `declare "m" {
  argument "interval" { }
  prometheus.scrape "s" {
    targets = [${targets}]
    forward_to = []
    scrape_interval = argument.interval.value
    clustering { enabled = true }
  }
}
m "a" { interval = "${interval}" }
prometheus.scrape "top" {
  targets = [${targets}]
  forward_to = []
  scrape_interval = "${interval}"
  clustering { enabled = true }
}
`
  assert.ok((await c.load([{ name: 'main.alloy', source: src('30s') }])).ok)
  type Info = { clustered: boolean, targets: Array<{ local: boolean, url: string }> }
  const info = (id: string): Info => c.component(id)!.debugInfo as Info
  const end = Date.now() + 5000
  while ((info('prometheus.scrape.top').targets.length < 40 || info('m.a/prometheus.scrape.s').targets.length < 40) && Date.now() < end) await new Promise(r => setTimeout(r, 20))
  const inner = info('m.a/prometheus.scrape.s')
  const top = info('prometheus.scrape.top')
  assert.equal(inner.clustered, true)
  const split = (d: Info) => d.targets.filter(x => x.local).map(x => x.url).sort()
  assert.ok(split(inner).length > 0 && split(inner).length < 40, `some but not all targets local: ${split(inner).length}`)
  assert.deepEqual(split(inner), split(top), 'the same split as at the top level')
  assert.ok(lookups.has('m.a/prometheus.scrape.s'), 'ownership looked up under the instance\'s own id')
  assert.equal(hashes.get('m.a/prometheus.scrape.s'), hashes.get('prometheus.scrape.top'), 'same evaluated arguments, same hash')
  const before = hashes.get('m.a/prometheus.scrape.s')
  assert.ok((await c.load([{ name: 'main.alloy', source: src('15s') }])).ok)
  assert.notEqual(hashes.get('m.a/prometheus.scrape.s'), before, 'a changed argument value changes the hash')
})

test('modules: a changed import.file reloads the instances that use it, keeping their unchanged components', async t => {
  const dir = tempDir(t)
  const mod = (n: number) => `declare "m" {\n  argument "x" { }\n  mtest.add "keep" { input = argument.x.value }\n  export "out" { value = mtest.add.keep.output + ${n} }\n}\n`
  writeFileSync(join(dir, 'mod.alloy'), mod(100))
  const c = controller(t, dir)
  assert.ok((await c.load([{ name: join(dir, 'main.alloy'), source: `import.file "lib" {\n  filename = "${dir}/mod.alloy"\n  poll_frequency = "100ms"\n}\nlib.m "i" { x = 1 }\n` }])).ok)
  assert.equal(c.component('lib.m.i')!.exports.out, 102)
  const keep = c.instance('lib.m.i/mtest.add.keep')
  writeFileSync(join(dir, 'mod.alloy'), mod(200))
  const end = Date.now() + 5000
  while (c.component('lib.m.i')!.exports.out !== 202 && Date.now() < end) await new Promise(r => setTimeout(r, 20))
  assert.equal(c.component('lib.m.i')!.exports.out, 202)
  assert.equal(c.instance('lib.m.i/mtest.add.keep'), keep)
  // A broken edit keeps the last good module running.
  writeFileSync(join(dir, 'mod.alloy'), 'declare "m" {\n')
  await new Promise(r => setTimeout(r, 400))
  assert.equal(c.component('lib.m.i')!.exports.out, 202)
})
