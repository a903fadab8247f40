// GET with redirects as Go's http.Client follows them, shared by scraping and HTTP discovery:
// at most 10 hops, credentials only to the host first asked, the body of each redirect drained.
import { request, type Dispatcher } from 'undici'

export const MAX_REDIRECTS = 10

export function isRedirect (status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/** Headers for a redirect to another host: credentials are not sent along. */
export function withoutAuth (h: Record<string, string>): Record<string, string> {
  const { authorization: _, ...rest } = h
  return rest
}

/** The redirect limit was reached; the message is Go's. */
export class TooManyRedirects extends Error {}

export interface GetOptions {
  dispatcher: Dispatcher
  headers: Record<string, string>
  signal: AbortSignal
  followRedirects: boolean
  /** Updated to each URL asked, so a caller's error message names the one that failed. */
  at: { url: string }
}

/** GETs o.at.url, following redirects; resolves with the final response, its body unread. */
export async function getFollowingRedirects (o: GetOptions): Promise<Dispatcher.ResponseData> {
  const origin = new URL(o.at.url).host
  for (let redirects = 0; ; redirects++) {
    const current = o.at.url
    const headers = new URL(current).host === origin ? o.headers : withoutAuth(o.headers)
    const res = await request(current, { method: 'GET', dispatcher: o.dispatcher, signal: o.signal, headers })
    const location = res.headers.location
    if (!o.followRedirects || !isRedirect(res.statusCode) || typeof location !== 'string') return res
    res.body.resume()
    // Go's client gives up on the 10th redirect response.
    if (redirects + 1 >= MAX_REDIRECTS) throw new TooManyRedirects(`Get ${JSON.stringify(current)}: stopped after ${MAX_REDIRECTS} redirects`)
    o.at.url = new URL(location, current).toString()
  }
}
