// AWS Signature Version 4 (the "AWS4-HMAC-SHA256" Authorization header), as remote_write's
// sigv4 block signs requests to Amazon Managed Service for Prometheus (service "aps"), the way
// aws-sdk-go's v4 signer does for Prometheus: every header sent is signed except
// Authorization, User-Agent and tracing headers, plus host, content-length and x-amz-date
// (and x-amz-security-token with temporary credentials).
import { createHash, createHmac } from 'node:crypto'
import type { OutgoingRequest, RequestAuthorizer } from './client.js'
import { resolveAwsCredentials, type AwsCredentials, type AwsCredentialsInit } from './aws-credentials.js'
import { assumeRole } from './aws-sts.js'

export interface SignInput {
  method: string
  /** Absolute URL as sent. */
  url: string
  /** Header names in any case; host is taken from the URL when absent. */
  headers: Record<string, string>
  body: Uint8Array | string | undefined
  region: string
  service: string
  credentials: AwsCredentials
  now: Date
  /**
   * Encode the already percent-encoded path once more, as AWS services other than S3 expect
   * (aws-sdk-go's default). False signs the decoded path encoded once (AWS's test suite, S3).
   */
  escapePathTwice: boolean
}

export interface Signed {
  /** Headers to add to the request: authorization, x-amz-date, maybe x-amz-security-token. */
  headers: Record<string, string>
  canonicalRequest: string
  stringToSign: string
}

/** Not signed: set or changed on the way (aws-sdk-go's ignored list, and Prometheus's deny list). */
const UNSIGNED = new Set(['authorization', 'user-agent', 'x-amzn-trace-id', 'uber-trace-id'])

const sha256hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac('sha256', key).update(data).digest()

/** RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - _ . ~). */
export function uriEncode (s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function canonicalPath (u: URL, twice: boolean): string {
  const path = u.pathname === '' ? '/' : u.pathname
  const once = path.split('/').map(seg => uriEncode(safeDecode(seg))).join('/')
  return twice ? once.split('/').map(uriEncode).join('/') : once
}

function canonicalQuery (u: URL): string {
  const raw = u.search.startsWith('?') ? u.search.slice(1) : u.search
  if (raw === '') return ''
  const pairs = raw.split('&').filter(p => p !== '').map(p => {
    const i = p.indexOf('=')
    const k = i === -1 ? p : p.slice(0, i)
    const v = i === -1 ? '' : p.slice(i + 1)
    return [uriEncode(safeDecode(k.replace(/\+/g, ' '))), uriEncode(safeDecode(v.replace(/\+/g, ' ')))] as const
  })
  pairs.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

function safeDecode (s: string): string {
  try { return decodeURIComponent(s) } catch { return s }
}

/** 20150830T123600Z */
export function amzDate (d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

export function signV4 (i: SignInput): Signed {
  const u = new URL(i.url)
  const date = amzDate(i.now)
  const day = date.slice(0, 8)
  const h: Record<string, string> = {}
  for (const [k, v] of Object.entries(i.headers)) {
    const name = k.toLowerCase()
    if (!UNSIGNED.has(name)) h[name] = v
  }
  h.host ??= u.host
  h['x-amz-date'] = date
  if (i.credentials.sessionToken !== undefined) h['x-amz-security-token'] = i.credentials.sessionToken
  const names = Object.keys(h).sort()
  const canonicalHeaders = names.map(n => `${n}:${h[n].trim().replace(/ +/g, ' ')}\n`).join('')
  const signedHeaders = names.join(';')
  const canonicalRequest = [i.method, canonicalPath(u, i.escapePathTwice), canonicalQuery(u), canonicalHeaders, signedHeaders, sha256hex(i.body ?? '')].join('\n')
  const scope = `${day}/${i.region}/${i.service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac('AWS4' + i.credentials.secretAccessKey, day), i.region), i.service), 'aws4_request')
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  const out: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'x-amz-date': date,
  }
  if (i.credentials.sessionToken !== undefined) out['x-amz-security-token'] = i.credentials.sessionToken
  return { headers: out, canonicalRequest, stringToSign }
}

export interface SigV4Args {
  region: string
  access_key: string
  secret_key: { reveal: () => string } | undefined
  profile: string
  role_arn: string
}

export interface SigV4AuthorizerInit extends AwsCredentialsInit {
  /** Default "aps" (Amazon Managed Service for Prometheus). */
  service?: string
  /** Default: the clock. */
  now?: () => Date
}

/** Base credentials are looked up again after this (rotated files, changed environment). */
const RESOLVE_TTL_MS = 60_000
/** Assumed-role credentials are renewed this long before they expire. */
const ROLE_RENEW_MS = 60_000

/** Signs every request of a client (RequestAuthorizer for HttpClientInit.authorize). */
export function sigV4Authorizer (a: SigV4Args, init: SigV4AuthorizerInit = {}): RequestAuthorizer {
  const service = init.service ?? 'aps'
  const now = init.now ?? (() => new Date())
  const env = init.env ?? process.env
  let cached: { credentials: AwsCredentials, region: string, until: number } | undefined
  let inflight: Promise<{ credentials: AwsCredentials, region: string, until: number }> | undefined
  const resolve = async (): Promise<{ credentials: AwsCredentials, region: string, until: number }> => {
    const base = await resolveAwsCredentials(a, { env })
    const baseUntil = Math.min(Date.now() + RESOLVE_TTL_MS, (base.expiresAt ?? Infinity) - ROLE_RENEW_MS)
    if (a.role_arn === '') return { credentials: base.credentials, region: base.region, until: baseUntil }
    const role = await assumeRole({ roleArn: a.role_arn, region: base.region, base: base.credentials, env })
    return { credentials: role.credentials, region: base.region, until: role.expiresAt - ROLE_RENEW_MS }
  }
  return {
    async headers (req: OutgoingRequest) {
      if (cached === undefined || Date.now() >= cached.until) {
        inflight ??= resolve().finally(() => { inflight = undefined })
        cached = await inflight
      }
      const { credentials, region } = cached
      const headers: Record<string, string> = { ...req.headers }
      if (req.body !== undefined && req.body.length > 0) headers['content-length'] = String(req.body.length)
      const signed = signV4({ method: req.method, url: req.url, headers, body: req.body, region, service, credentials, now: now(), escapePathTwice: true })
      return { ...signed.headers, ...(headers['content-length'] !== undefined ? { 'content-length': headers['content-length'] } : {}) }
    },
  }
}
