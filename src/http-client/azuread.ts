// remote_write's azuread block: a bearer token from Microsoft Entra ID (Azure AD) for Azure
// Monitor's ingestion endpoint, as Prometheus's storage/remote/azuread does with azidentity.
// - managed_identity: the instance metadata service (IMDS) with the identity's client_id;
//   AZURE_POD_IDENTITY_AUTHORITY_HOST moves the IMDS host, as in azidentity.
// - oauth: client credentials against {authority host}/{tenant_id}/oauth2/v2.0/token;
//   AZURE_AUTHORITY_HOST moves the authority host, as in azidentity.
// - sdk: azidentity's environment credential (AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
//   AZURE_TENANT_ID, tenant_id winning), else managed identity (AZURE_CLIENT_ID if set).
// `cloud` picks the token audience and the default authority host. Tokens are cached and
// fetched again 5 minutes before they expire (azidentity's refresh margin).
import { request, type Dispatcher } from 'undici'
import type { OutgoingRequest, RequestAuthorizer } from './client.js'
import { HttpClientConfigError } from './errors.js'

export interface AzureAdArgs {
  cloud: string
  managed_identity?: { client_id: string }
  oauth?: { client_id: string, client_secret: { reveal: () => string }, tenant_id: string }
  sdk?: { tenant_id: string }
}

interface Cloud { audience: string, resource: string, authorityHost: string }

export const AZURE_CLOUDS: Record<string, Cloud> = {
  AzurePublic: { audience: 'https://monitor.azure.com//.default', resource: 'https://monitor.azure.com', authorityHost: 'https://login.microsoftonline.com/' },
  AzureChina: { audience: 'https://monitor.azure.cn//.default', resource: 'https://monitor.azure.cn', authorityHost: 'https://login.chinacloudapi.cn/' },
  AzureGovernment: { audience: 'https://monitor.azure.us//.default', resource: 'https://monitor.azure.us', authorityHost: 'https://login.microsoftonline.us/' },
}

const IMDS_HOST = 'http://169.254.169.254'
/** azidentity refreshes a token this long before it expires. */
export const AZURE_REFRESH_MARGIN_MS = 5 * 60_000

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const TENANT = /^[0-9a-zA-Z-.]+$/

/** Prometheus's AzureADConfig.Validate, in its wording. */
export function validateAzureAd (a: AzureAdArgs): string[] {
  if (AZURE_CLOUDS[a.cloud] === undefined) return ['must provide a cloud in the Azure AD config']
  const given = [a.managed_identity, a.oauth, a.sdk].filter(x => x !== undefined).length
  if (given === 0) return ['must provide an Azure Managed Identity, Azure OAuth or Azure SDK in the Azure AD config']
  if (a.managed_identity !== undefined && a.oauth !== undefined) return ['cannot provide both Azure Managed Identity and Azure OAuth in the Azure AD config']
  if (a.managed_identity !== undefined && a.sdk !== undefined) return ['cannot provide both Azure Managed Identity and Azure SDK in the Azure AD config']
  if (a.oauth !== undefined && a.sdk !== undefined) return ['cannot provide both Azure OAuth and Azure SDK in the Azure AD config']
  if (a.managed_identity !== undefined) {
    if (a.managed_identity.client_id === '') return ['must provide an Azure Managed Identity client_id in the Azure AD config']
    if (!UUID.test(a.managed_identity.client_id)) return ['the provided Azure Managed Identity client_id is invalid']
  }
  if (a.oauth !== undefined) {
    if (a.oauth.client_id === '') return ['must provide an Azure OAuth client_id in the Azure AD config']
    if (a.oauth.client_secret.reveal() === '') return ['must provide an Azure OAuth client_secret in the Azure AD config']
    if (a.oauth.tenant_id === '') return ['must provide an Azure OAuth tenant_id in the Azure AD config']
    if (!UUID.test(a.oauth.client_id)) return ['the provided Azure OAuth client_id is invalid']
    if (!TENANT.test(a.oauth.tenant_id)) return ['the provided Azure OAuth tenant_id is invalid']
  }
  if (a.sdk !== undefined && a.sdk.tenant_id !== '' && !TENANT.test(a.sdk.tenant_id)) return ['the provided Azure OAuth tenant_id is invalid']
  return []
}

export interface AzureAdInit {
  /** Default: process.env (AZURE_* variables). */
  env?: NodeJS.ProcessEnv
  /** For the token requests; default undici's global dispatcher. */
  dispatcher?: Dispatcher
  userAgent?: string
}

interface Token { value: string, expiresAt: number }

type Flow = { kind: 'imds', clientId: string | undefined } | { kind: 'secret', tenant: string, clientId: string, secret: string }

function flowOf (a: AzureAdArgs, env: NodeJS.ProcessEnv): Flow {
  if (a.managed_identity !== undefined) return { kind: 'imds', clientId: a.managed_identity.client_id }
  if (a.oauth !== undefined) return { kind: 'secret', tenant: a.oauth.tenant_id, clientId: a.oauth.client_id, secret: a.oauth.client_secret.reveal() }
  const tenant = a.sdk?.tenant_id !== undefined && a.sdk.tenant_id !== '' ? a.sdk.tenant_id : (env.AZURE_TENANT_ID ?? '')
  const clientId = env.AZURE_CLIENT_ID ?? ''
  const secret = env.AZURE_CLIENT_SECRET ?? ''
  if (tenant !== '' && clientId !== '' && secret !== '') return { kind: 'secret', tenant, clientId, secret }
  return { kind: 'imds', clientId: clientId !== '' ? clientId : undefined }
}

/** Adds `Authorization: Bearer <Entra ID token>` to every request (RequestAuthorizer). */
export function azureAdAuthorizer (a: AzureAdArgs, init: AzureAdInit = {}): RequestAuthorizer {
  const env = init.env ?? process.env
  const cloud = AZURE_CLOUDS[a.cloud] ?? AZURE_CLOUDS.AzurePublic
  let token: Token | undefined
  let inflight: Promise<Token> | undefined

  const fetchToken = async (signal: AbortSignal): Promise<Token> => {
    const flow = flowOf(a, env)
    const headers: Record<string, string> = { accept: 'application/json', ...(init.userAgent !== undefined ? { 'user-agent': init.userAgent } : {}) }
    let url: string
    let res: Dispatcher.ResponseData
    try {
      if (flow.kind === 'imds') {
        const host = (env.AZURE_POD_IDENTITY_AUTHORITY_HOST ?? IMDS_HOST).replace(/\/+$/, '')
        const q = new URLSearchParams({ 'api-version': '2018-02-01', resource: cloud.resource })
        if (flow.clientId !== undefined) q.set('client_id', flow.clientId)
        url = `${host}/metadata/identity/oauth2/token?${q.toString()}`
        res = await request(url, { method: 'GET', headers: { ...headers, metadata: 'true' }, dispatcher: init.dispatcher, signal })
      } else {
        const authority = (env.AZURE_AUTHORITY_HOST ?? cloud.authorityHost).replace(/\/*$/, '/')
        url = `${authority}${encodeURIComponent(flow.tenant)}/oauth2/v2.0/token`
        const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: flow.clientId, client_secret: flow.secret, scope: cloud.audience }).toString()
        res = await request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body, dispatcher: init.dispatcher, signal })
      }
    } catch (err) {
      throw new HttpClientConfigError(`azuread: cannot get a token: ${(err as Error).message}`)
    }
    const text = await res.body.text()
    if (res.statusCode < 200 || res.statusCode >= 300) throw new HttpClientConfigError(`azuread: token endpoint answered ${res.statusCode}: ${text.slice(0, 512)}`)
    let j: Record<string, unknown>
    try { j = JSON.parse(text) as Record<string, unknown> } catch { throw new HttpClientConfigError('azuread: token endpoint answered something that is not JSON') }
    if (typeof j.access_token !== 'string' || j.access_token === '') throw new HttpClientConfigError('azuread: token endpoint answered without access_token')
    // IMDS gives expires_on (epoch seconds, a string); Entra ID gives expires_in (seconds).
    const on = Number(j.expires_on)
    const inS = Number(j.expires_in)
    const expiresAt = Number.isFinite(on) && on > 0 ? on * 1000 : Number.isFinite(inS) && inS > 0 ? Date.now() + inS * 1000 : Date.now() + 3600_000
    return { value: j.access_token, expiresAt }
  }

  return {
    async headers (req: OutgoingRequest) {
      if (token === undefined || Date.now() >= token.expiresAt - AZURE_REFRESH_MARGIN_MS) {
        inflight ??= fetchToken(req.signal).finally(() => { inflight = undefined })
        token = await inflight
      }
      return { authorization: `Bearer ${token.value}` }
    },
  }
}
