// sigv4's role_arn: temporary credentials from STS AssumeRole, asked with the base credentials
// (as aws-sdk-go's stscreds does for Prometheus: a 15-minute session, a session name from the
// clock). The endpoint is the region's STS (sts.<region>.amazonaws.com), or AWS_ENDPOINT_URL_STS /
// AWS_ENDPOINT_URL as AWS SDKs read them.
import { request, type Dispatcher } from 'undici'
import type { AwsCredentials } from './aws-credentials.js'
import { HttpClientConfigError } from './errors.js'
import { signV4 } from './sigv4.js'

export interface AssumedRole { credentials: AwsCredentials, expiresAt: number }

/** aws-sdk-go stscreds.DefaultDuration. */
export const ASSUME_ROLE_SECONDS = 900

export function stsEndpoint (region: string, env: NodeJS.ProcessEnv): string {
  const override = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL
  if (override !== undefined && override !== '') return override
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`
}

const xmlField = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')

export async function assumeRole (o: { roleArn: string, region: string, base: AwsCredentials, env: NodeJS.ProcessEnv, dispatcher?: Dispatcher, now?: Date }): Promise<AssumedRole> {
  const url = stsEndpoint(o.region, o.env)
  const now = o.now ?? new Date()
  const body = new URLSearchParams({
    Action: 'AssumeRole', Version: '2011-06-15', RoleArn: o.roleArn,
    RoleSessionName: String(BigInt(now.getTime()) * 1_000_000n), DurationSeconds: String(ASSUME_ROLE_SECONDS),
  }).toString()
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }
  const signed = signV4({ method: 'POST', url, headers, body, region: o.region, service: 'sts', credentials: o.base, now, escapePathTwice: true })
  let text: string
  let status: number
  try {
    const res = await request(url, { method: 'POST', headers: { ...headers, ...signed.headers }, body, dispatcher: o.dispatcher, signal: AbortSignal.timeout(30_000) })
    status = res.statusCode
    text = await res.body.text()
  } catch (err) {
    throw new HttpClientConfigError(`sigv4: AssumeRole ${o.roleArn} at ${url}: ${(err as Error).message}`)
  }
  if (status < 200 || status >= 300) {
    const code = xmlField(text, 'Code') ?? String(status)
    throw new HttpClientConfigError(`sigv4: AssumeRole ${o.roleArn}: ${code}: ${unescapeXml(xmlField(text, 'Message') ?? text.slice(0, 256))}`)
  }
  const id = xmlField(text, 'AccessKeyId')
  const secret = xmlField(text, 'SecretAccessKey')
  const token = xmlField(text, 'SessionToken')
  const exp = Date.parse(xmlField(text, 'Expiration') ?? '')
  if (id === undefined || secret === undefined || token === undefined) throw new HttpClientConfigError(`sigv4: AssumeRole ${o.roleArn}: no credentials in the answer`)
  return {
    credentials: { accessKeyId: unescapeXml(id), secretAccessKey: unescapeXml(secret), sessionToken: unescapeXml(token) },
    expiresAt: Number.isFinite(exp) ? exp : now.getTime() + ASSUME_ROLE_SECONDS * 1000,
  }
}
