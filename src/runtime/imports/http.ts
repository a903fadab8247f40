// import.http: a module fetched from a URL with the shared HTTP client (the `client` block is
// Alloy's HTTP client block), polled every poll_frequency; a 200 answer whose body changed
// reloads what uses it, a failed poll keeps the last module.
import { HttpClient, defaultHttpClientArgs, describeNetworkError, httpClientSchema, validateHttpClient, HttpClientConfigError, TooManyRedirects, OAuth2TokenError, type HttpClientArgs } from '../../http-client/index.js'
import { attr, block, t, type Decoded } from '../../vm/schema.js'
import { sameSource, sleep, type ImportKind, type ModuleSource } from './source.js'

const argsSchema = {
  url: attr(t.string, { required: true }),
  method: attr(t.string, { default: 'GET' }),
  headers: attr(t.map(t.string), { default: {} }),
  body: attr(t.string, { default: '' }),
  poll_frequency: attr(t.duration, { default: 60_000 }),
  poll_timeout: attr(t.duration, { default: 10_000 }),
  client: block(httpClientSchema),
}

export type Args = Decoded<typeof argsSchema>

const clientArgs = (a: Args): HttpClientArgs => a.client ?? defaultHttpClientArgs()

export const importHttp: ImportKind<Args> = {
  name: 'import.http',
  args: argsSchema,
  validate (a) {
    const problems: string[] = []
    // Alloy does not validate import.http's arguments as remote.http's (a poll_timeout longer
    // than poll_frequency runs); a zero period would not run at all.
    if (a.poll_frequency <= 0) problems.push('poll_frequency must be greater than 0')
    if (a.poll_timeout <= 0) problems.push('poll_timeout must be greater than 0')
    try {
      const u = new URL(a.url)
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`url "${a.url}" must use http or https`)
    } catch { problems.push(`invalid url "${a.url}"`) }
    if (a.client !== undefined) for (const p of validateHttpClient(a.client)) problems.push(`client: ${p}`)
    return problems
  },
  async start (g, initial) {
    let args = initial
    let client = new HttpClient(clientArgs(args))
    let last: ModuleSource | undefined
    let lastError = ''

    const poll = async (): Promise<void> => {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(args.headers)) headers[k.toLowerCase()] = v
      let text: string
      try {
        const body = args.body !== '' ? new TextEncoder().encode(args.body) : undefined
        const res = await client.request(args.url, { method: args.method.toUpperCase(), headers, body, signal: AbortSignal.timeout(args.poll_timeout) })
        if (res.statusCode !== 200) {
          await res.body.dump()
          throw new Error(`unexpected status code ${res.statusCode}`)
        }
        text = await res.body.text()
      } catch (err) {
        const e = err as Error
        const why = e.name === 'TimeoutError' ? `timed out after ${args.poll_timeout}ms`
          : err instanceof HttpClientConfigError || err instanceof TooManyRedirects || err instanceof OAuth2TokenError || e.message.startsWith('unexpected status') ? e.message
            : describeNetworkError(err)
        lastError = `failed to fetch module from ${args.url}: ${why}`
        throw new Error(lastError)
      }
      lastError = ''
      const src: ModuleSource = { files: [{ name: args.url, source: text }] }
      if (sameSource(last, src)) return
      last = src
      g.onContent(src)
    }

    try { await poll() } catch (err) { await client.close(); throw err }
    let wake: (() => void) | undefined
    return {
      async run (signal) {
        try {
          while (!signal.aborted) {
            await new Promise<void>(resolve => { wake = resolve; void sleep(args.poll_frequency, signal).then(resolve) })
            wake = undefined
            if (signal.aborted) break
            try { await poll() } catch (err) { g.logger.error('failed to poll module over HTTP, keeping the last module', { err: (err as Error).message }) }
          }
        } finally { await client.close() }
      },
      async update (a) {
        const before = JSON.stringify(clientArgs(args), secretsByValue)
        args = a
        if (JSON.stringify(clientArgs(a), secretsByValue) !== before) {
          const old = client
          client = new HttpClient(clientArgs(a))
          await old.close()
        }
        await poll()
        wake?.()
      },
      debugInfo: () => ({ url: args.url, method: args.method, poll_frequency_ms: args.poll_frequency, last_error: lastError }),
    }
  },
}

/** Secrets compared by value, so a changed password builds a new client. */
function secretsByValue (_k: string, v: unknown): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { reveal?: unknown }).reveal === 'function' ? (v as { reveal: () => string }).reveal() : v
}
