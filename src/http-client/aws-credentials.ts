// Where sigv4 finds its AWS credentials and region, in the order AWS SDKs look: the block's
// access_key/secret_key, then (unless a profile is named) the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared credentials file's profile
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials; profile, AWS_PROFILE or "default").
// Region: the block's, AWS_REGION, AWS_DEFAULT_REGION, then the profile's in the shared config
// file (AWS_CONFIG_FILE or ~/.aws/config). Without any of those: web identity, the ECS
// container endpoint, the EC2 instance role (aws-remote-credentials.ts). SSO and
// credential_process are not looked at.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { containerCredentials, instanceCredentials, webIdentityCredentials } from './aws-remote-credentials.js'
import { HttpClientConfigError } from './errors.js'

export interface AwsCredentials { accessKeyId: string, secretAccessKey: string, sessionToken?: string }

export interface ResolvedAws {
  credentials: AwsCredentials
  region: string
  /** Temporary credentials (web identity, container, instance role) expire. */
  expiresAt?: number
}

export interface AwsCredentialsInit {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv
}

interface SigV4Source {
  region: string
  access_key: string
  secret_key: { reveal: () => string } | undefined
  profile: string
}

/** INI sections of an AWS shared file: name → key → value. */
export function parseAwsIni (text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  let cur: Map<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const sec = /^\[\s*(.+?)\s*\]$/.exec(line)
    if (sec !== null) { cur = new Map(); out.set(sec[1], cur); continue }
    const i = line.indexOf('=')
    if (i > 0 && cur !== undefined) cur.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim())
  }
  return out
}

async function readIni (path: string): Promise<Map<string, Map<string, string>> | undefined> {
  try { return parseAwsIni(await readFile(path, 'utf8')) } catch { return undefined }
}

export async function resolveAwsCredentials (a: SigV4Source, init: AwsCredentialsInit = {}): Promise<ResolvedAws> {
  const env = init.env ?? process.env
  const profile = a.profile !== '' ? a.profile : (env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default')
  const home = env.HOME ?? homedir()
  let credentials: AwsCredentials | undefined
  const secret = a.secret_key?.reveal() ?? ''
  if (a.access_key !== '' && secret !== '') credentials = { accessKeyId: a.access_key, secretAccessKey: secret }
  if (credentials === undefined && a.profile === '') {
    const id = env.AWS_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY
    const key = env.AWS_SECRET_ACCESS_KEY ?? env.AWS_SECRET_KEY
    if (id !== undefined && id !== '' && key !== undefined && key !== '') {
      credentials = { accessKeyId: id, secretAccessKey: key, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
    }
  }
  let region = a.region !== '' ? a.region : (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '')
  if (region === '') {
    const conf = await readIni(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'))
    region = conf?.get(profile === 'default' ? 'default' : `profile ${profile}`)?.get('region') ?? ''
  }
  if (region === '') throw new HttpClientConfigError('sigv4: region not configured in sigv4 or in default credentials chain')
  let expiresAt: number | undefined
  if (credentials === undefined && a.profile === '') {
    const web = await webIdentityCredentials(region, env)
    if (web !== undefined) { credentials = web.credentials; expiresAt = web.expiresAt }
  }
  if (credentials === undefined) {
    const file = env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')
    const sec = (await readIni(file))?.get(profile)
    const id = sec?.get('aws_access_key_id')
    const key = sec?.get('aws_secret_access_key')
    if (id !== undefined && key !== undefined) {
      const token = sec?.get('aws_session_token')
      credentials = { accessKeyId: id, secretAccessKey: key, ...(token !== undefined ? { sessionToken: token } : {}) }
    } else if (a.profile !== '') {
      throw new HttpClientConfigError(`sigv4: no credentials for profile "${a.profile}" in ${file}`)
    }
  }
  if (credentials === undefined) {
    const remote = await containerCredentials(env) ?? await instanceCredentials(env)
    if (remote !== undefined) { credentials = remote.credentials; expiresAt = remote.expiresAt }
  }
  if (credentials === undefined) throw new HttpClientConfigError('sigv4: no AWS credentials: set access_key and secret_key, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in the shared credentials file, or run with a web identity, container or instance role')
  return { credentials, region, ...(expiresAt !== undefined ? { expiresAt } : {}) }
}
