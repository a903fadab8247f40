// The agent's HTTP server: health and reload endpoints, self-metrics, the JSON API and the UI.
// A tiny router over node:http(s) keeps the dependency set (and idle memory) small. TLS and
// basic auth come from Alloy's top-level `http` block (see http/security.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTLSServer, type Server as TLSServer } from 'node:https'
import type { SecureContextOptions } from 'node:tls'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { Logger } from '../logging/logger.js'

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => void | Promise<void>

/** Decides whether a request may proceed; answers it (401) and returns false when not. */
export type Guard = (req: IncomingMessage, res: ServerResponse, path: string) => boolean

interface Route {
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

export class HttpServer {
  readonly #routes: Route[] = []
  #server: Server | TLSServer | undefined
  readonly #log: Logger
  #address: AddressInfo | undefined
  #guard: Guard | undefined
  #tls = false

  constructor (log: Logger) {
    this.#log = log
  }

  /** Registers a route; `:name` matches one path segment, `*name` the rest of the path. */
  route (method: string, path: string, handler: Handler): void {
    const keys: string[] = []
    const src = path.split('/').map(seg => {
      if (seg.startsWith(':')) { keys.push(seg.slice(1)); return '([^/]+)' }
      if (seg.startsWith('*')) { keys.push(seg.slice(1)); return '(.*)' }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }).join('/')
    this.#routes.push({ method, pattern: new RegExp(`^${src}$`), keys, handler })
  }

  /** Installs (or removes) the authentication check applied before routing. */
  setGuard (guard: Guard | undefined): void { this.#guard = guard }

  /** Serves a request as if it had asked for `path` (used to answer the API under the UI prefix). */
  redispatch (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    return this.#dispatch(req, res, path, false)
  }

  async #dispatch (req: IncomingMessage, res: ServerResponse, path = req.url ?? '/', guard = true): Promise<void> {
    let url: URL
    try { url = new URL(path, 'http://localhost') } catch { return sendText(res, 400, 'bad request\n') }
    if (guard && this.#guard && !this.#guard(req, res, url.pathname)) return
    let pathMatched = false
    for (const r of this.#routes) {
      const m = r.pattern.exec(url.pathname)
      if (!m) continue
      pathMatched = true
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue
      const params: Record<string, string> = {}
      r.keys.forEach((k, i) => { params[k] = safeDecode(m[i + 1]) })
      try {
        await r.handler(req, res, params, url)
      } catch (err) {
        this.#log.error('http handler failed', { path: url.pathname, err })
        if (!res.headersSent) sendText(res, 500, `internal error: ${(err as Error).message}\n`)
        else res.destroy()
      }
      return
    }
    sendText(res, pathMatched ? 405 : 404, pathMatched ? 'method not allowed\n' : '404 page not found\n')
  }

  /** Listens with TLS when `tls` is given (the certificate can later change with updateTLS). */
  async listen (host: string, port: number, tls?: SecureContextOptions & { requestCert?: boolean, rejectUnauthorized?: boolean }): Promise<AddressInfo> {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => { void this.#dispatch(req, res) }
    const server = tls ? createTLSServer(tls, onRequest) : createServer(onRequest)
    this.#tls = tls !== undefined
    server.keepAliveTimeout = 30_000
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve() })
    })
    this.#address = server.address() as AddressInfo
    return this.#address
  }

  get tls (): boolean { return this.#tls }

  /** New certificate/key for new connections (existing ones keep theirs). */
  updateTLS (tls: SecureContextOptions): void {
    if (this.#server && this.#tls) (this.#server as TLSServer).setSecureContext(tls)
  }

  get address (): AddressInfo | undefined { return this.#address }

  async close (): Promise<void> {
    const server = this.#server
    if (!server) return
    await new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
}

function safeDecode (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}

export function sendText (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

export function sendJSON (res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8')
}

export async function serveMetrics (registry: Registry, res: ServerResponse): Promise<void> {
  const body = await registry.metrics()
  sendText(res, 200, body, registry.contentType)
}
export { readBody } from '../net/read-body.js'
