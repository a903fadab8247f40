// Serves the web UI: a single-page app whose pages (/, /component/{id}, /cluster, and another
// peer's /peer/{peerId}[/component/{id}|/cluster]) all get index.html, plus its static assets.
// Everything works under a path prefix (behind a proxy): index.html carries <base href="{prefix}">,
// so the app's asset, page and API URLs are all relative to it, and the JSON API is answered
// under the prefix as well.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { getAsset, isSea } from 'node:sea'
import type { ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { sendText, type HttpServer } from '../server.js'

export interface UIOptions {
  /** --server.http.ui-path-prefix, e.g. "/" or "/shoal/". */
  prefix: string
  /** Folder holding index.html and assets/ (dist/http/ui/static). */
  staticDir: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
}

/** "shoal", "/shoal", "/shoal/" → "/shoal/"; "" or "/" → "/". */
export function normalizePrefix (p: string): string {
  const parts = p.split('/').filter(Boolean)
  return parts.length === 0 ? '/' : `/${parts.join('/')}/`
}

/** The static folder next to this module once built, else the built copy in dist/ (running from src/ with tsx). */
export function defaultStaticDir (): string {
  if (isSea()) return '/shoal-sea/ui' // a name only: the files are the binary's SEA assets
  const here = join(import.meta.dirname, 'static')
  if (existsSync(join(here, 'assets', 'app.mjs'))) return here
  return resolve(import.meta.dirname, '../../../dist/http/ui/static')
}

const escAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

export function registerUI (server: HttpServer, opts: UIOptions): void {
  const prefix = normalizePrefix(opts.prefix)
  const base = prefix.slice(0, -1) // "" for the root
  const root = resolve(opts.staticDir)
  let indexCache: string | undefined

  const index = (res: ServerResponse): void => {
    if (indexCache === undefined) {
      let html: string
      try { html = isSea() ? getAsset('ui/index.html', 'utf8') : readFileSync(join(root, 'index.html'), 'utf8') } catch {
        return sendText(res, 500, `shoal UI assets not found in ${root} (run npm run build)\n`)
      }
      indexCache = html.replace('<base href="/">', `<base href="${escAttr(prefix)}">`)
    }
    res.setHeader('Cache-Control', 'no-cache')
    sendText(res, 200, indexCache, TYPES['.html'])
  }

  server.route('GET', `${base}/`, (_req, res) => index(res))
  server.route('GET', `${base}/cluster`, (_req, res) => index(res))
  server.route('GET', `${base}/component/*id`, (_req, res) => index(res))
  // Another fleet member's pages, read through this node's /api/v0/web/peers/{peerId}/… proxy.
  server.route('GET', `${base}/peer/:peerId`, (_req, res) => index(res))
  server.route('GET', `${base}/peer/:peerId/*page`, (_req, res) => index(res))
  if (base !== '') {
    server.route('GET', base, (_req, res) => { res.writeHead(302, { Location: prefix }).end() })
    // The API under the prefix: forwarded to our own listener at the unprefixed path, so every
    // API route (present and future) answers here without being registered twice.
    server.route('GET', `${base}/api/*rest`, (req, res, _p, url) => server.redispatch(req, res, url.pathname.slice(base.length) + url.search))
    server.route('POST', `${base}/api/*rest`, (req, res, _p, url) => server.redispatch(req, res, url.pathname.slice(base.length) + url.search))
  }
  server.route('GET', `${base}/assets/*file`, async (_req, res, params) => {
    const file = resolve(root, 'assets', params.file)
    if (!file.startsWith(join(root, 'assets') + sep)) return sendText(res, 404, '404 page not found\n')
    let body: Buffer
    try {
      // The single-file binary carries the assets inside it (scripts/package.mjs: ui/assets/…).
      if (isSea()) body = Buffer.from(getAsset(`ui/assets/${file.slice(join(root, 'assets').length + 1)}`))
      else if (!statSync(file).isFile()) return sendText(res, 404, '404 page not found\n')
      else body = await readFile(file)
    } catch { return sendText(res, 404, '404 page not found\n') }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
    })
    res.end(body)
  })
}
