// Worker for fuzz.test.ts: mutates whole config files with a fixed-seed PRNG (mostly mutations
// that keep the file parseable, so evaluation and component validation are reached) and runs each
// through the full check path of `shoal validate` / a reload. Runs in a worker so the test can
// kill it when a case hangs.
import { parentPort, workerData } from 'node:worker_threads'
import { Controller } from '../../src/runtime/controller.js'
import { decodeConfigBlocks } from '../../src/process-config.js'
import { Scanner } from '../../src/syntax/scanner.js'
import { T } from '../../src/syntax/token.js'
import { LineIndex } from '../../src/syntax/position.js'
import type { Diagnostic } from '../../src/syntax/diag.js'
import type { Pos } from '../../src/syntax/ast.js'
import '../../src/components/index.js'
import { mulberry32 } from '../helpers/random.js'

export interface ConfigFuzzInput { seeds: string[], cases: number, seed: number, maxMillis: number }
export type ConfigFuzzMessage =
  | { type: 'case', index: number }
  | { type: 'fail', index: number, files: Array<{ name: string, source: string }>, reason: string }
  | { type: 'done', cases: number, clean: number, withErrors: number, evaluated: number }

const input = workerData as ConfigFuzzInput
const post = (m: ConfigFuzzMessage): void => parentPort!.postMessage(m)

const rnd = mulberry32(input.seed)
const int = (n: number): number => Math.floor(rnd() * n)
const pick = <X>(xs: readonly X[]): X => xs[int(xs.length)]

// Values of every type and of the shapes components check: durations, sizes, URLs, addresses,
// references (existing, missing, to the wrong export), calls, secrets, extremes.
const VALUES = [
  '""', '"0s"', '"-1s"', '"1ms"', '"1y"', '"999999999h"', '"1.5s"', '"5m"', '"abc"', '"10MiB"', '"-1KiB"', '"1e400"',
  '"http://"', '"ftp://x"', '"http://127.0.0.1:1/x"', '"127.0.0.1:99999"', '":"', '"[::1]:9090"', '"\\u0000"', '"é😀"',
  '"(unclosed"', '"a{1000000}"', '"(?i)x"', '"(?P<n>x)"', '"$1:$2"', '"${1}"', '"TLS09"', '"TLS13"',
  '0', '-1', '1', '4294967296', '1e309', '-0.0', '0.5', '9007199254740993',
  'true', 'false', 'null', '[]', '{}', '[1, "a", null]', '[{}]', '[{"__address__" = 1}]', '[{"__address__" = "127.0.0.1:1"}]',
  '{"a" = [1]}', '{a = {b = {c = null}}}',
  'sys.env("HOME")', 'sys.env(1)', 'coalesce()', 'coalesce(null, "")', 'string.format("%d", "x")', 'string.join(1, 2)',
  'encoding.from_json("{")', 'encoding.from_yaml(":")', 'encoding.from_json("[1,2]")', 'array.concat(1)', 'json_path("{}", "$[")',
  'convert.nonsensitive(1)', 'constants.os', 'nonexistent.thing.out', 'prometheus.remote_write.out.receiver',
  'prometheus.remote_write.out', 'prometheus.remote_write.nope.receiver', 'discovery.relabel.all.output', 'discovery.relabel.all.rules',
  'prometheus.scrape.main', 'prometheus.scrape.main.targets', 'prometheus.relabel.filter.receiver', 'prometheus.relabel.filter.rules',
  'prometheus.exporter.self.self.targets', '1 / 0', '1 % 0', '"a" + 1', '2 ^ 2000', '!"x"', '-"x"', '[1][5]', '{}.a', 'x[0]',
]
const NAMES = [
  'targets', 'forward_to', 'job_name', 'scrape_interval', 'scrape_timeout', 'body_size_limit', 'url', 'remote_timeout',
  'regex', 'action', 'source_labels', 'target_label', 'replacement', 'modulus', 'separator', 'capacity', 'max_shards',
  'min_shards', 'batch_send_deadline', 'min_backoff', 'max_backoff', 'files', 'names', 'type', 'port', 'refresh_interval',
  'level', 'format', 'external_labels', 'headers', 'enabled', 'scheme', 'metrics_path', 'sample_limit', 'bearer_token',
  'bearer_token_file', 'proxy_url', 'min_version', 'listen_port', 'listen_address', 'username', 'password', 'nope', 'x.y',
]
const BLOCKS = [
  'rule { }', 'rule {\n\taction = "drop"\n}', 'clustering { enabled = "yes" }', 'endpoint { }', 'queue_config { capacity = -1 }',
  'tls_config { min_version = "TLS99" }', 'basic_auth { }', 'authorization { type = "Bearer" }', 'http { }', 'wal { }',
  'logging { }', 'prometheus.scrape "x" { }', 'prometheus.remote_write "out" { }', 'discovery.relabel "all" { }',
  'prometheus.relabel "loop" {\n\tforward_to = [prometheus.relabel.loop.receiver]\n}', 'unknown.component "a" { }',
  'prometheus.scrape "dup" {\n\ttargets = []\n\tforward_to = []\n\tjob_name = "a"\n\tjob_name = "b"\n}',
  'discovery.relabel "cyc" {\n\ttargets = discovery.relabel.cyc.output\n}', 'argument "x" { }', 'declare "d" { }', 'import.file "f" { filename = "/nope" }',
  'tracing { }', 'livedebugging { enabled = true }', 'http { tls { } }',
]

interface Tok { tok: number, a: number, b: number }

function tokens (src: string): Tok[] {
  const out: Tok[] = []
  const sc = new Scanner(src)
  for (let n = 0; n < 100_000; n++) {
    const tok = sc.scan()
    if (tok === T.EOF) break
    if (sc.end > sc.pos) out.push({ tok, a: sc.pos, b: sc.end })
  }
  return out
}

const splice = (s: string, a: number, b: number, x: string): string => s.slice(0, a) + x + s.slice(b)

function mutateOnce (src: string): string {
  const toks = tokens(src)
  const lines = src.split('\n')
  switch (int(10)) {
    case 0: case 1: case 2: { // replace a value (the token after `=`, or any literal)
      const vals = toks.filter((t, i) => t.tok === T.STRING || t.tok === T.NUMBER || t.tok === T.FLOAT || t.tok === T.BOOL || t.tok === T.NULL || (i > 0 && toks[i - 1].tok === T.ASSIGN))
      if (vals.length === 0) return src
      const v = pick(vals)
      return splice(src, v.a, v.b, pick(VALUES))
    }
    case 3: { // rename an attribute
      const names = toks.filter((t, i) => t.tok === T.IDENT && toks[i + 1]?.tok === T.ASSIGN)
      if (names.length === 0) return src
      const n = pick(names)
      return splice(src, n.a, n.b, pick(NAMES))
    }
    case 4: { // insert a block or an attribute after some line
      const at = int(lines.length + 1)
      const add = rnd() < 0.5 ? pick(BLOCKS) : `${pick(NAMES)} = ${pick(VALUES)}`
      return [...lines.slice(0, at), add, ...lines.slice(at)].join('\n')
    }
    case 5: { // delete a line (an attribute, or half a block)
      const at = int(lines.length)
      return [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n')
    }
    case 6: { // duplicate a line
      const at = int(lines.length)
      return [...lines.slice(0, at + 1), lines[at] ?? '', ...lines.slice(at + 1)].join('\n')
    }
    case 7: { // rename a component label (breaks or redirects references)
      const labels = toks.filter((t, i) => t.tok === T.STRING && toks[i + 1]?.tok === T.LCURLY)
      if (labels.length === 0) return src
      const l = pick(labels)
      return splice(src, l.a, l.b, pick(['"out"', '"main"', '"all"', '"filter"', '"self"', '""', '"bad label"', '"x"']))
    }
    case 8: { // delete or duplicate a token
      if (toks.length === 0) return src
      const t = pick(toks)
      return rnd() < 0.5 ? splice(src, t.a, t.b, '') : splice(src, t.b, t.b, ' ' + src.slice(t.a, t.b))
    }
    default: { // a raw character edit
      const i = int(src.length + 1)
      const ch = pick([...'{}[]()",.=\n\\`/#*-!^'])
      return rnd() < 0.5 ? splice(src, i, i + 1, '') : splice(src, i, i, ch)
    }
  }
}

function mutate (src: string): string {
  const steps = 1 + int(3)
  for (let s = 0; s < steps; s++) src = mutateOnce(src)
  return src
}

/** Splits a config in two files at a top-level block boundary (a directory of *.alloy files). */
function split (src: string): Array<{ name: string, source: string }> {
  const cuts: number[] = []
  for (let i = src.indexOf('\n}\n'); i !== -1; i = src.indexOf('\n}\n', i + 1)) cuts.push(i + 3)
  if (cuts.length === 0 || rnd() < 0.7) return [{ name: 'cfg/main.alloy', source: src }]
  const at = pick(cuts)
  return [{ name: 'cfg/a.alloy', source: src.slice(0, at) }, { name: 'cfg/b.alloy', source: src.slice(at) }]
}

const samePos = (a: Pos, b: Pos): boolean => a.offset === b.offset && a.line === b.line && a.column === b.column

function checkDiagnostics (ds: Diagnostic[], files: Array<{ name: string, source: string }>): string | undefined {
  for (const d of ds) {
    const f = files.find(x => x.name === d.file)
    if (f === undefined) return `diagnostic names file ${JSON.stringify(d.file)}: ${d.message}`
    if (d.severity !== 'error' && d.severity !== 'warning') return `severity ${String(d.severity)}`
    if (typeof d.message !== 'string' || d.message.trim() === '') return 'empty message'
    const { start, end } = d.span ?? {}
    if (start === undefined || end === undefined) return `no span: ${d.message}`
    if (!(start.offset >= 0 && start.offset <= end.offset && end.offset <= f.source.length)) return `span outside the file (${start.offset}..${end.offset} of ${f.source.length}): ${d.message}`
    // line:column must be where the offset is, or the caret points at the wrong place
    const idx = new LineIndex(f.source)
    if (!samePos(idx.pos(start.offset), start) || !samePos(idx.pos(end.offset), end)) {
      return `span ${JSON.stringify(d.span)} disagrees with its offsets (${JSON.stringify(idx.pos(start.offset))}): ${d.message}`
    }
  }
  return undefined
}

let clean = 0
let withErrors = 0
let evaluated = 0
for (let index = 0; index < input.cases; index++) {
  post({ type: 'case', index })
  const files = split(mutate(pick(input.seeds)))
  const fail = (reason: string): void => post({ type: 'fail', index, files, reason })
  try {
    const t0 = performance.now()
    let configBlocksSeen = false
    const ds = Controller.check(files, (blocks, scope) => { configBlocksSeen = true; return decodeConfigBlocks(blocks, scope).diagnostics }, 'experimental')
    const ms = performance.now() - t0
    if (ms > input.maxMillis) { fail(`check took ${ms.toFixed(0)} ms`); continue }
    if (!Array.isArray(ds)) { fail('check returned no array'); continue }
    const bad = checkDiagnostics(ds, files)
    if (bad !== undefined) { fail(bad); continue }
    if (configBlocksSeen) evaluated++
    if (ds.some(d => d.severity === 'error')) withErrors++
    else clean++
  } catch (err) {
    fail(`threw: ${(err as Error).stack ?? String(err)}`)
  }
}
post({ type: 'done', cases: input.cases, clean, withErrors, evaluated })
