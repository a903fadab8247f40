// The AWS SDKs' credential sources beyond keys and files: web identity (EKS IRSA:
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, exchanged at STS AssumeRoleWithWebIdentity), the
// ECS container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI) and the EC2
// instance role (IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254;
// AWS_EC2_METADATA_DISABLED=true skips it). Each gives temporary credentials with an expiry.
import { readFile } from 'node:fs/promises'
import { request } from 'undici'
import type { AwsCredentials } from './aws-credentials.js'
import { stsEndpoint } from './aws-sts.js'
import { HttpClientConfigError } from './errors.js'

export interface ExpiringCredentials { credentials: AwsCredentials, expiresAt: number }

const IMDS = 'http://169.254.169.254'
const ECS_HOST = 'http://169.254.170.2'
/** The SDKs give the metadata services about a second. */
const METADATA_TIMEOUT_MS = 1000

const xmlField = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]

async function get (url: string, headers: Record<string, string>, method: 'GET' | 'PUT' = 'GET'): Promise<{ status: number, text: string }> {
  const res = await request(url, { method, headers, signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) })
  return { status: res.statusCode, text: await res.body.text() }
}

function fromJson (text: string, where: string): ExpiringCredentials {
  let j: Record<string, unknown>
  try { j = JSON.parse(text) as Record<string, unknown> } catch { throw new HttpClientConfigError(`sigv4: ${where} answered something that is not JSON`) }
  const id = j.AccessKeyId
  const key = j.SecretAccessKey
  const token = j.Token
  if (typeof id !== 'string' || typeof key !== 'string') throw new HttpClientConfigError(`sigv4: ${where} answered without credentials`)
  const exp = Date.parse(typeof j.Expiration === 'string' ? j.Expiration : '')
  return {
    credentials: { accessKeyId: id, secretAccessKey: key, ...(typeof token === 'string' && token !== '' ? { sessionToken: token } : {}) },
    expiresAt: Number.isFinite(exp) ? exp : Date.now() + 3600_000,
  }
}

/** AssumeRoleWithWebIdentity (an unsigned STS call) when the web identity variables are set. */
export async function webIdentityCredentials (region: string, env: NodeJS.ProcessEnv): Promise<ExpiringCredentials | undefined> {
  const file = env.AWS_WEB_IDENTITY_TOKEN_FILE
  const role = env.AWS_ROLE_ARN
  if (file === undefined || file === '' || role === undefined || role === '') return undefined
  let token: string
  try { token = (await readFile(file, 'utf8')).trim() } catch (err) { throw new HttpClientConfigError(`sigv4: unable to read AWS_WEB_IDENTITY_TOKEN_FILE ${file}: ${(err as Error).message}`) }
  const url = stsEndpoint(region, env)
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: role,
    RoleSessionName: env.AWS_ROLE_SESSION_NAME ?? String(BigInt(Date.now()) * 1_000_000n), WebIdentityToken: token,
  }).toString()
  let status: number
  let text: string
  try {
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body, signal: AbortSignal.timeout(30_000) })
    status = res.statusCode
    text = await res.body.text()
  } catch (err) { throw new HttpClientConfigError(`sigv4: AssumeRoleWithWebIdentity ${role} at ${url}: ${(err as Error).message}`) }
  if (status < 200 || status >= 300) throw new HttpClientConfigError(`sigv4: AssumeRoleWithWebIdentity ${role}: ${xmlField(text, 'Code') ?? status}: ${xmlField(text, 'Message') ?? ''}`)
  const id = xmlField(text, 'AccessKeyId')
  const key = xmlField(text, 'SecretAccessKey')
  const session = xmlField(text, 'SessionToken')
  if (id === undefined || key === undefined || session === undefined) throw new HttpClientConfigError(`sigv4: AssumeRoleWithWebIdentity ${role}: no credentials in the answer`)
  const exp = Date.parse(xmlField(text, 'Expiration') ?? '')
  return { credentials: { accessKeyId: id, secretAccessKey: key, sessionToken: session }, expiresAt: Number.isFinite(exp) ? exp : Date.now() + 3600_000 }
}

/** The ECS task role, when the container credential variables are set. */
export async function containerCredentials (env: NodeJS.ProcessEnv): Promise<ExpiringCredentials | undefined> {
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI
  const rel = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  const url = rel !== undefined && rel !== '' ? ECS_HOST + rel : full
  if (url === undefined || url === '') return undefined
  const headers: Record<string, string> = {}
  let auth = env.AWS_CONTAINER_AUTHORIZATION_TOKEN
  if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE !== undefined && env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE !== '') {
    auth = (await readFile(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8').catch(() => '')).trim()
  }
  if (auth !== undefined && auth !== '') headers.authorization = auth
  let r: { status: number, text: string }
  try { r = await get(url, headers) } catch (err) { throw new HttpClientConfigError(`sigv4: container credentials at ${url}: ${(err as Error).message}`) }
  if (r.status !== 200) throw new HttpClientConfigError(`sigv4: container credentials at ${url}: status ${r.status}`)
  return fromJson(r.text, 'the container credentials endpoint')
}

/** The EC2 instance role over IMDSv2; undefined when the service is disabled or not there. */
export async function instanceCredentials (env: NodeJS.ProcessEnv): Promise<ExpiringCredentials | undefined> {
  if ((env.AWS_EC2_METADATA_DISABLED ?? '').toLowerCase() === 'true') return undefined
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? IMDS).replace(/\/+$/, '')
  try {
    const tok = await get(`${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, 'PUT')
    const h: Record<string, string> = tok.status === 200 ? { 'x-aws-ec2-metadata-token': tok.text } : {}
    const roles = await get(`${base}/latest/meta-data/iam/security-credentials/`, h)
    const role = roles.status === 200 ? roles.text.split('\n')[0].trim() : ''
    if (role === '') return undefined
    const creds = await get(`${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, h)
    if (creds.status !== 200) return undefined
    return fromJson(creds.text, 'the EC2 instance metadata service')
  } catch (err) {
    if (err instanceof HttpClientConfigError) throw err
    return undefined
  }
}
