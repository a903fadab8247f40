// One shoal agent process (`shoal run`): the component controller, its HTTP server, reloads
// on SIGHUP and POST /-/reload, and an orderly stop.
import { mkdirSync } from 'node:fs'
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client'
import { createLogger, type Logger, type Sink } from './logging/logger.js'
import { Controller, type LoadResult } from './runtime/controller.js'
import { decodeConfigBlocks, type ProcessConfig } from './process-config.js'
import type { ComponentServices, Stability } from './runtime/component.js'
import { readSources } from './runtime/source.js'
import { HttpServer, readBody, sendText, serveMetrics } from './http/server.js'
import { registerComponentAPI } from './http/api.js'
import { renderDiagnostic } from './syntax/render-diag.js'
import { parseFile } from './syntax/parser.js'
import { objectScope } from './vm/evaluate.js'
import { newObject } from './vm/value.js'
import { authGuard, tlsOptions, type HttpBlock } from './http/security.js'
import { VERSION } from './version.js'
import type { ClusterNode, ClusterOptions } from './cluster/index.js'
import { singleNodeCluster } from './cluster/single.js'
import { registerPeersAPI } from './http/peers.js'
import { registerRemoteAPI } from './http/remote-api.js'
import { registerLinksAPI } from './http/fleet-links.js'
import { NodeHistory } from './http/node-history.js'
import { registerUI, defaultStaticDir } from './http/ui/routes.js'
import './components/index.js'

export interface AgentOptions {
  configPath: string
  listenHost: string
  listenPort: number
  storagePath: string
  stabilityLevel: Stability
  uiPathPrefix: string
  sink: Sink
  /** Clustering; absent or disabled = a single-node "cluster" where everything is local. */
  cluster?: ClusterOptions
  /** Disk buffer bound per remote-write endpoint (--storage.wal-max-size). */
  walMaxBytes?: number
}

/** Resolution of the nodejs_eventloop_lag_* histogram's timer. */
export const EVENT_LOOP_MONITOR_MS = 1000

export class Agent {
  readonly log: Logger
  readonly registry = new Registry()
  readonly controller: Controller
  readonly http: HttpServer
  readonly #opts: AgentOptions
  /** What components get from the process; `cluster` is replaced by the started node. */
  readonly services: ComponentServices
  #ready = false
  #cluster: ClusterNode | undefined
  #pendingConfig: ProcessConfig | undefined
  readonly #reloadSuccess: Gauge
  readonly #reloadTimestamp: Gauge
  /** samples/s and targets owned over the last minutes, for the cluster page. */
  readonly nodeHistory: NodeHistory

  constructor (opts: AgentOptions) {
    this.#opts = opts
    this.log = createLogger(opts.sink)
    // prom-client samples event-loop delay with a timer at this resolution (its default, 10 ms,
    // wakes an idle agent 100 times a second); a stall still delays the next tick, so it shows.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITOR_MS })
    new Gauge({ name: 'shoal_build_info', help: 'shoal version, constant 1', labelNames: ['version', 'nodejs'], registers: [this.registry] })
      .set({ version: VERSION, nodejs: process.version }, 1)
    this.#reloadSuccess = new Gauge({ name: 'alloy_config_last_load_successful', help: 'Config loaded successfully.', registers: [this.registry] })
    this.#reloadTimestamp = new Gauge({ name: 'alloy_config_last_load_success_timestamp_seconds', help: 'Timestamp of the last successful configuration load.', registers: [this.registry] })
    mkdirSync(opts.storagePath, { recursive: true })
    this.services = {
      cluster: singleNodeCluster(opts.cluster?.nodeName),
      httpAddress: () => {
        const a = this.http.address
        if (!a) return `${opts.listenHost}:${opts.listenPort}`
        const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address
        return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`
      },
      walMaxBytes: opts.walMaxBytes,
    }
    this.controller = new Controller({
      storagePath: opts.storagePath,
      logger: this.log,
      registry: this.registry,
      services: this.services,
      minStability: opts.stabilityLevel,
      onConfigBlocks: (blocks, scope) => {
        const { config, diagnostics } = decodeConfigBlocks(blocks, scope)
        this.#pendingConfig = config
        return diagnostics
      },
    })
    this.http = new HttpServer(this.log.with({ component: 'http' }))
    this.nodeHistory = new NodeHistory(this.registry)
    this.#routes()
  }

  #routes (): void {
    const h = this.http
    h.route('GET', '/-/ready', (_req, res) => {
      if (this.#ready) sendText(res, 200, 'shoal is ready.\n')
      else sendText(res, 503, 'shoal is not ready.\n')
    })
    h.route('GET', '/-/healthy', (_req, res) => {
      const bad = this.controller.components().filter(c => c.health.state === 'unhealthy')
      if (bad.length === 0) sendText(res, 200, 'All shoal components are healthy.\n')
      else sendText(res, 500, 'unhealthy components: ' + bad.map(c => `${c.id} (${c.health.message})`).join(', ') + '\n')
    })
    h.route('POST', '/-/reload', async (_req, res) => {
      const result = await this.reload()
      if (result.ok) sendText(res, 200, 'config reloaded\n')
      else sendText(res, 400, this.renderDiagnostics(result) + '\n')
    })
    h.route('GET', '/metrics', async (_req, res) => serveMetrics(this.registry, res))
    h.route('POST', '/api/v0/web/reload', async (req, res) => {
      await readBody(req, 1 << 20).catch(() => Buffer.alloc(0))
      const result = await this.reload()
      sendText(res, result.ok ? 200 : 400, result.ok ? 'config reloaded\n' : this.renderDiagnostics(result) + '\n')
    })
    registerComponentAPI(h, this.controller)
    registerPeersAPI(h, () => this.services.cluster, this.controller)
    registerLinksAPI(h, () => this.services.cluster, this.nodeHistory)
    registerUI(h, { prefix: this.#opts.uiPathPrefix, staticDir: defaultStaticDir() })
  }

  renderDiagnostics (result: LoadResult | { diagnostics: LoadResult['diagnostics'], sources: Map<string, string> }): string {
    return result.diagnostics.map(d => renderDiagnostic(d, result.sources.get(d.file))).join('\n')
  }

  /** Initial load, then serve. Throws with rendered diagnostics if the config is broken. */
  async start (): Promise<void> {
    // Listen first (as Alloy does): components such as prometheus.exporter.self export our address.
    // The `http` block (TLS, auth) is read before that, so the server starts the way it is configured.
    const early = this.#httpBlockFromDisk()
    if (early.error) throw new Error(`could not perform the initial load successfully:\n${early.error}`)
    this.#applyHttpBlock(early.block, true)
    const addr = await this.http.listen(this.#opts.listenHost, this.#opts.listenPort, early.block ? tlsOptions(early.block) : undefined)
    this.log.info('now listening for http traffic', { addr: `${addr.address}:${addr.port}`, version: VERSION })
    if (this.#opts.cluster?.enabled) {
      // libp2p and its stack load only for a clustered agent: a standalone one pays no memory for them.
      const { startCluster } = await import('./cluster/node.js')
      this.#cluster = await startCluster({
        ...this.#opts.cluster,
        httpAddr: this.#opts.cluster.httpAddr ?? this.services.httpAddress(),
        storageDir: this.#opts.cluster.storageDir ?? this.#opts.storagePath,
        version: VERSION,
      }, { registry: this.registry, log: this.log.with({ component: 'cluster' }) })
      this.services.cluster = this.#cluster
      registerRemoteAPI(this.http, this.#cluster, this.controller, undefined, this.nodeHistory) // fleet API over libp2p + /api/v0/web/peers/{id}/…
      this.log.info('cluster node started', { peer_id: this.#cluster.peerId, addrs: this.#cluster.multiaddrs().join(',') })
    }
    const result = await this.#loadFromDisk()
    if (!result.ok) throw new Error(`could not perform the initial load successfully:\n${this.renderDiagnostics(result)}`)
    // Viewer until the config is loaded, so peers never hand targets to a node that cannot scrape yet.
    this.#cluster?.setState('participant')
    this.#ready = true
    this.nodeHistory.start()
  }

  get cluster (): ClusterNode | undefined { return this.#cluster }

  async reload (): Promise<LoadResult> {
    const result = await this.#loadFromDisk()
    if (result.ok) this.log.info('config reloaded')
    else this.log.error('reload failed, keeping the previous config', { err: result.diagnostics.filter(d => d.severity === 'error').map(d => `${d.file}:${d.span.start.line}:${d.span.start.column}: ${d.message}`).join('; ') })
    return result
  }

  async #loadFromDisk (): Promise<LoadResult> {
    let sources
    try {
      sources = readSources(this.#opts.configPath)
    } catch (err) {
      const zero = { offset: 0, line: 1, column: 1 }
      return { ok: false, diagnostics: [{ severity: 'error', file: this.#opts.configPath, span: { start: zero, end: zero }, message: (err as Error).message }], sources: new Map() }
    }
    this.#pendingConfig = undefined
    const result = await this.controller.load(sources)
    for (const d of result.diagnostics) {
      if (d.severity === 'warning') this.log.warn(d.message, { location: `${d.file}:${d.span.start.line}:${d.span.start.column}` })
    }
    this.#reloadSuccess.set(result.ok ? 1 : 0)
    if (result.ok) {
      this.#reloadTimestamp.set(Date.now() / 1000)
      const pending = this.#pendingConfig as ProcessConfig | undefined
      if (pending) {
        this.#opts.sink.level = pending.logging.level
        this.#opts.sink.format = pending.logging.format
        this.#applyHttpBlock(pending.http, false)
      }
    }
    return result
  }

  /** Decodes only the top-level `http` block (before the server listens). */
  #httpBlockFromDisk (): { block?: HttpBlock, error?: string } {
    let sources
    try { sources = readSources(this.#opts.configPath) } catch { return {} } // the full load reports it
    for (const s of sources) {
      const { file, diagnostics } = parseFile(s.name, s.source)
      if (diagnostics.some(d => d.severity === 'error')) return {}
      const stmt = file.body.find(b => b.kind === 'Block' && b.name.join('.') === 'http')
      if (!stmt || stmt.kind !== 'Block') continue
      const blocks = [{ name: 'http', block: stmt, file: s.name }]
      const { config, diagnostics: d } = decodeConfigBlocks(blocks, objectScope(newObject()))
      const errs = d.filter(x => x.severity === 'error')
      if (errs.length > 0) return { error: this.renderDiagnostics({ diagnostics: errs, sources: new Map([[s.name, s.source]]) }) }
      try { tlsOptions(config.http) } catch (err) { return { error: `${s.name}: ${(err as Error).message}` } }
      return { block: config.http }
    }
    return {}
  }

  #applyHttpBlock (block: HttpBlock | undefined, initial: boolean): void {
    const b = block ?? {}
    this.http.setGuard(authGuard(b))
    if (initial) return
    const wantTLS = b.tls !== undefined
    if (wantTLS !== this.http.tls) {
      this.log.warn(`the http block's tls was ${wantTLS ? 'added' : 'removed'}; restart shoal to ${wantTLS ? 'serve' : 'stop serving'} TLS`)
    } else if (wantTLS) {
      try { this.http.updateTLS(tlsOptions(b)!) } catch (err) { this.log.error('cannot apply http tls', { err }) }
    }
  }

  async stop (): Promise<void> {
    this.#ready = false
    this.nodeHistory.stop()
    // Say goodbye first: peers take over our targets at once while we stop scraping.
    await this.#cluster?.stop().catch(err => this.log.warn('cluster stop failed', { err }))
    await this.controller.stop()
    await this.http.close()
  }
}
