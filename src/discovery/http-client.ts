// The HTTP GET of HTTP-based discovery over the shared HTTP client (src/http-client/): one
// deadline over the exchange, and failures in Go's wording (`Get "url": ...`) as Prometheus
// users know them.
import { HttpClient, HttpClientConfigError, TooManyRedirects, describeNetworkError, type HttpClientArgs } from '../http-client/index.js'

export interface HttpResponse {
  status: number
  contentType: string
  body: string
}

/** One keep-alive client per component instance; rebuild it when the arguments change. */
export class SdHttpClient {
  readonly #client: HttpClient

  constructor (args: HttpClientArgs) {
    this.#client = new HttpClient(args)
  }

  /**
   * GETs url. Resolves with any final (non-redirect) response; rejects with Go-style messages
   * (`Get "url": ...`) for network errors and timeouts.
   */
  async get (url: string, opts: { headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal }): Promise<HttpResponse> {
    const ctl = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; ctl.abort() }, opts.timeoutMs)
    const onAbort = (): void => ctl.abort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    const at = { url }
    try {
      const res = await this.#client.request(url, { headers: opts.headers, signal: ctl.signal, at })
      const ct = res.headers['content-type']
      return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body: await res.body.text() }
    } catch (err) {
      if (timedOut) throw new Error(`Get ${JSON.stringify(at.url)}: context deadline exceeded (Client.Timeout exceeded)`)
      if (opts.signal?.aborted === true) throw new Error(`Get ${JSON.stringify(at.url)}: context canceled`)
      if (err instanceof TooManyRedirects || err instanceof HttpClientConfigError) throw err
      throw new Error(`Get ${JSON.stringify(at.url)}: ${describeNetworkError(err)}`)
    } finally {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  async close (): Promise<void> {
    await this.#client.close()
  }
}
