// Real Alloy configurations written by other projects (test/fixtures/alloy-real/, PROVENANCE.md):
// `shoal validate` on each reports nothing but the component kinds shoal does not have. A kind
// counts as "not had" only when it is one of Alloy's components (alloy-components.txt, from Alloy's
// reference pages) and shoal has no kind of that name; anything else (a syntax error, an unknown
// argument or nested block, a type error, a stdlib function) fails the test.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { validatePath } from '../../src/cli/validate.js'
import { lookupKind } from '../../src/runtime/registry.js'

const ROOT = join(import.meta.dirname, '../fixtures/alloy-real')
const ALLOY_KINDS = new Set(readFileSync(join(ROOT, 'alloy-components.txt'), 'utf8').split('\n').filter(l => l !== ''))

/**
 * What shoal reports for reasons other than a missing kind, file by file, each with why. When one
 * of these is implemented the test fails until the entry goes: the list only shrinks.
 */
const PENDING: Record<string, { errors: string[], why: string }> = {
  'alloy-scenarios/log-to-metrics/config.alloy': {
    errors: ['scrape_timeout (10s) greater than scrape_interval (5s) for scrape config with job name ""'],
    why: 'Alloy rejects this file too (its Arguments.Validate, same words): the scenario sets scrape_interval = "5s" and leaves the 10s default timeout',
  },
  'alloy-scenarios/app-instrumentation/logging/popular-logging-frameworks/alloy/config.alloy': {
    errors: ['import.file.helper: failed to read module /etc/alloy/helper.alloy: no such file or directory'],
    why: 'imports a file by an absolute path that exists only in the scenario\'s container',
  },
  'grafana-alloy/internal/converter/internal/staticconvert/testdata_windows/integrations.alloy': {
    errors: ['block "windows_certificate_filter" is not supported by shoal: it selects certificates from the Windows certificate store; shoal reads them from files or PEM'],
    why: 'converter output for Windows (testdata_windows): the http block takes its certificate from the Windows store',
  },
  'grafana-alloy/internal/converter/internal/staticconvert/testdata/prom_scrape.alloy': {
    errors: ['attribute "sample_age_limit" is not supported by shoal: samples are sent however old they are (a buffered outage is delivered whole) (leave it unset or at its default)'],
    why: 'remote_write queue_config.sample_age_limit is not implemented (docs/components.md)',
  },
}

function alloyFiles (dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...alloyFiles(p))
    else if (name.endsWith('.alloy')) out.push(p)
  }
  return out
}

const files = alloyFiles(ROOT)

test('the real files are many, from several projects', () => {
  assert.ok(files.length >= 400, String(files.length))
  for (const project of ['grafana-alloy', 'k8s-monitoring-helm', 'alloy-modules', 'alloy-scenarios']) {
    assert.ok(files.filter(f => relative(ROOT, f).startsWith(project + '/')).length >= 20, project)
  }
})

test('shoal validate on real Alloy files: only the component kinds shoal does not have are reported', () => {
  const unexpected: string[] = []
  const missingKinds = new Set<string>()
  const seenPending = new Set<string>()
  for (const file of files) {
    const rel = relative(ROOT, file)
    const errors = validatePath(file).diagnostics.filter(d => d.severity === 'error')
    const other: string[] = []
    for (const d of errors) {
      const kind = /^unrecognized block name "([a-z0-9_.]+)"$/.exec(d.message)?.[1]
      if (kind !== undefined && ALLOY_KINDS.has(kind) && lookupKind(kind) === undefined) missingKinds.add(kind)
      else other.push(d.message)
    }
    const pending = PENDING[rel]
    if (pending) seenPending.add(rel)
    const want = pending?.errors ?? []
    if (JSON.stringify([...other].sort()) !== JSON.stringify([...want].sort())) {
      unexpected.push(`${rel}:\n    got  ${JSON.stringify(other)}\n    want ${JSON.stringify(want)}`)
    }
  }
  assert.deepEqual(unexpected, [])
  assert.deepEqual(Object.keys(PENDING).filter(f => !seenPending.has(f)), [], 'a PENDING entry names a file that is not there')
  // What the files use that shoal lacks is reported as such (the check above is not vacuous).
  for (const k of ['discovery.kubernetes', 'loki.write', 'otelcol.receiver.otlp', 'prometheus.exporter.unix']) assert.ok(missingKinds.has(k), k)
})

// What those files needed of validate itself.
const check = (source: string): string[] => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-alloy-real-'))
  try {
    writeFileSync(join(dir, 'c.alloy'), source)
    return validatePath(join(dir, 'c.alloy')).diagnostics.filter(d => d.severity === 'error').map(d => `${d.span.start.line}: ${d.message}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('validate: a function or index failing on what a component exports at run time is not judged; on literals it is', () => {
  // intro-to-mltp's config reads a JSON file with local.file and json_path(…)[0].
  const uses = (content: string): string => `local.file "endpoints" {\n  filename = "/etc/endpoints.json"\n}\nprometheus.remote_write "m" {\n  endpoint {\n    url = json_path(${content}, ".metrics.url")[0]\n  }\n}\n`
  assert.deepEqual(check(uses('local.file.endpoints.content')), [])
  assert.deepEqual(check(uses('"{"')), ["6: json_path Expected property name or '}' in JSON at position 1 (line 1 column 2)"])
  assert.deepEqual(check(uses('"{}"')), ['6: 0 index 0 is out of range of array with length 0'])
  // The shape is still judged where the value is a placeholder.
  assert.deepEqual(check(uses('local.file.endpoints.content').replace('url =', 'nope =')), ['6: unrecognized attribute name "nope"', '5: missing required attribute "url"'])
})

test('validate: a declared component\'s argument given from a kind shoal lacks is not "missing"; logging reading one is not judged', () => {
  const src = `declare "m" {\n  argument "to" { }\n  prometheus.relabel "r" {\n    forward_to = argument.to.value\n  }\n}\nm "x" {\n  to = [loki.write.l.receiver]\n}\nloki.write "l" { }\nlogging {\n  write_to = [loki.write.l.receiver]\n}\n`
  assert.deepEqual(check(src), ['10: unrecognized block name "loki.write"'])
  assert.deepEqual(check(src.replace('  to = [loki.write.l.receiver]\n', '')), ['9: unrecognized block name "loki.write"', '2: missing required argument "to" to module'])
})
