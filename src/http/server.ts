// The agent's HTTP server: health and reload endpoints, self-metrics, and the JSON API the UI
// reads. A tiny router over node:http keeps the dependency set (and idle memory) small.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { Logger } from '../logging/logger.js'

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => void | Promise<void>

interface Route {
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

export class HttpServer {
  readonly #routes: Route[] = []
  readonly #server: Server
  readonly #log: Logger
  #address: AddressInfo | undefined

  constructor (log: Logger) {
    this.#log = log
    this.#server = createServer((req, res) => { void this.#dispatch(req, res) })
    this.#server.keepAliveTimeout = 30_000
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

  async #dispatch (req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL
    try { url = new URL(req.url ?? '/', 'http://localhost') } catch { return sendText(res, 400, 'bad request\n') }
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

  async listen (host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => { this.#server.off('error', reject); resolve() })
    })
    this.#address = this.#server.address() as AddressInfo
    return this.#address
  }

  get address (): AddressInfo | undefined { return this.#address }

  async close (): Promise<void> {
    await new Promise<void>(resolve => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
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

export function readBody (req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) { reject(new Error(`request body larger than ${limit} bytes`)); req.destroy(); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
