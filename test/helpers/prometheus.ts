// A real Prometheus as remote-write receiver (Debian's `prometheus` package), on a free
// loopback port with its own data directory, queried over its HTTP API.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, waitFor } from './net.js'
import { start, tempDir, type Proc } from './proc.js'

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus'

export function havePrometheus (): boolean {
  return existsSync(PROMETHEUS_BIN)
}

export interface Prometheus {
  url: string
  writeURL: string
  proc: Proc
  query (q: string, time?: number): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>>
  queryRange (q: string, start: number, end: number, step: number): Promise<Array<{ metric: Record<string, string>, values: Array<[number, string]> }>>
  series (match: string): Promise<Array<Record<string, string>>>
  stop (): Promise<void>
}

export interface PrometheusOptions {
  /** Extra flags, e.g. `--enable-feature=native-histograms`. */
  args?: string[]
  /**
   * Run as a scraping agent (`--enable-feature=agent`) with this prometheus.yml instead of a
   * receiver: the reference a shoal data path is compared against.
   */
  agentConfig?: string
  /** A receiver that also scrapes: YAML list items under scrape_configs:. */
  scrapeConfigs?: string
}

/** Starts Prometheus; pass `from` to restart one that was stopped (same port and data). */
export async function startPrometheus (from?: { dir: string, port: number }, opts: PrometheusOptions = {}): Promise<Prometheus & { dir: string, port: number }> {
  const dir = from?.dir ?? tempDir('prom')
  const port = from?.port ?? await freePort()
  writeFileSync(join(dir, 'prometheus.yml'), opts.agentConfig ?? `global:\n  scrape_interval: 1m\nscrape_configs:${opts.scrapeConfigs === undefined ? ' []' : `\n${opts.scrapeConfigs}`}\n`)
  const proc = start(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...(opts.agentConfig !== undefined
      ? [`--storage.agent.path=${join(dir, 'agent')}`]
      : [
          `--storage.tsdb.path=${join(dir, 'data')}`,
          '--web.enable-remote-write-receiver',
          // Samples from the past minutes must be accepted and queried as they were written.
          '--storage.tsdb.retention.time=1d',
          '--query.lookback-delta=5m',
        ]),
    ...(opts.args ?? []),
  ])
  const url = `http://127.0.0.1:${port}`
  await waitFor('prometheus ready', async () => (await fetch(`${url}/-/ready`)).ok || undefined, 60_000)
  const api = async (path: string): Promise<any> => {
    const res = await fetch(`${url}${path}`)
    const body = await res.json() as { status: string, data: any, error?: string }
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`)
    return body.data
  }
  return {
    dir,
    port,
    url,
    writeURL: `${url}/api/v1/write`,
    proc,
    async query (q, time) {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(q)}${time ? `&time=${time}` : ''}`)
      return data.result
    },
    async queryRange (q, s, e, step) {
      const data = await api(`/api/v1/query_range?query=${encodeURIComponent(q)}&start=${s}&end=${e}&step=${step}`)
      return data.result
    },
    async series (match) {
      return await api(`/api/v1/series?match[]=${encodeURIComponent(match)}&start=${Math.floor(Date.now() / 1000) - 3600}`)
    },
    async stop () { await proc.stop('SIGTERM') },
  }
}
