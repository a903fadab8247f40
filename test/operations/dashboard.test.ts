// operations/dashboard.json against a real Prometheus (Debian's 2.42) that scrapes a running
// fleet of three agents on loopback, which remote-write to it: every PromQL expression of every
// panel parses and returns data, and the template variables find the fleet's jobs and nodes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFarm } from '../../src/demo/farm.js'
import { Fleet, allParticipate, scrapeConfig } from '../helpers/fleet.js'
import { waitFor } from '../helpers/net.js'
import { unavailable } from '../helpers/prereq.js'
import { havePrometheus, PROMETHEUS_BIN, startPrometheus } from '../helpers/prometheus.js'
import { tempDir } from '../helpers/proc.js'

const root = join(import.meta.dirname, '../..')

interface Panel { type: string, title: string, targets?: Array<{ expr: string }>, panels?: Panel[] }
interface Dashboard { panels: Panel[], templating: { list: Array<{ name: string, type: string, definition?: string }> } }

const dashboard = JSON.parse(readFileSync(join(root, 'operations/dashboard.json'), 'utf8')) as Dashboard
const exprs = dashboard.panels.flatMap(p => [p, ...(p.panels ?? [])]).flatMap(p => (p.targets ?? []).map(t => ({ panel: p.title, expr: t.expr })))

/** Grafana's variables as it would expand them with "All" selected. */
const expand = (e: string): string => e.replaceAll('$__rate_interval', '15s').replaceAll('$job', '.+').replaceAll('$instance', '.+')

test('the dashboard names what the issue asks for', () => {
  const text = exprs.map(x => x.expr).join('\n')
  for (const m of ['shoal_cluster_members', 'shoal_cluster_links', 'shoal_scrape_targets_owned', 'shoal_scrape_samples_scraped_total',
    'prometheus_remote_storage_samples_total', 'shoal_remote_storage_buffer_bytes', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) {
    assert.ok(text.includes(m), `no panel reads ${m}`)
  }
  assert.ok(exprs.length >= 20, `${exprs.length} expressions`)
  assert.deepEqual(dashboard.templating.list.map(v => v.name), ['datasource', 'job', 'instance'])
})

test('every dashboard query parses and returns data from a Prometheus scraping a fleet', { timeout: 150_000 }, async t => {
  if (unavailable(t, havePrometheus() ? undefined : `${PROMETHEUS_BIN} is not installed`)) return
  const farm = await startFarm(6, 5)
  const fleet = new Fleet()
  const sd = join(tempDir('dash-sd'), 'targets.json')
  writeFileSync(sd, '[]')
  const prom = await startPrometheus(undefined, { scrapeConfigs: `  - job_name: shoal
    scrape_interval: 1s
    scrape_timeout: 900ms
    file_sd_configs:
      - files: ['${sd}']
        refresh_interval: 1s` })
  try {
    const config = scrapeConfig({ targets: farm.addresses, rwURL: prom.writeURL, interval: '1s' })
    for (const name of ['dash-a', 'dash-b', 'dash-c']) await fleet.add(name, config)
    await allParticipate(fleet.nodes, 40_000)
    writeFileSync(sd, JSON.stringify([{ targets: fleet.nodes.map(n => `127.0.0.1:${n.httpPort}`) }]))
    await waitFor('Prometheus to scrape all three agents', async () => {
      const up = await prom.query('up{job="shoal"} == 1')
      return up.length === 3 || undefined
    }, 30_000, 500)
    // rates need a few scrapes inside their window
    const empty = await waitFor('every expression to return data', async () => {
      const missing: string[] = []
      for (const { panel, expr } of exprs) {
        const r = await prom.query(expand(expr)) // a parse error throws here, with Prometheus's message
        if (r.length === 0) missing.push(`${panel}: ${expr}`)
      }
      return missing.length === 0 ? missing : undefined
    }, 40_000, 2000).catch(async () => {
      const missing: string[] = []
      for (const { panel, expr } of exprs) if ((await prom.query(expand(expr))).length === 0) missing.push(`${panel}: ${expr}`)
      throw new Error(`no data for:\n${missing.join('\n')}`)
    })
    assert.deepEqual(empty, [])
    // per node: the node queries see all three instances
    const owned = await prom.query(expand(exprs.find(x => x.panel === 'Targets owned per node')!.expr))
    assert.equal(owned.length, 3)
    assert.equal(owned.reduce((a, s) => a + Number(s.value[1]), 0), farm.addresses.length, 'the nodes own every target once')
    // the template variables: label_values(shoal_cluster_members, job / instance)
    const jobs = await (await fetch(`${prom.url}/api/v1/label/job/values?match[]=shoal_cluster_members`)).json() as { data: string[] }
    assert.deepEqual(jobs.data, ['shoal'])
    const nodes = await (await fetch(`${prom.url}/api/v1/label/instance/values?match[]=${encodeURIComponent('shoal_cluster_members{job=~".+"}')}`)).json() as { data: string[] }
    assert.equal(nodes.data.length, 3)
  } finally {
    await fleet.stopAll()
    await prom.stop()
    await farm.close()
  }
})
