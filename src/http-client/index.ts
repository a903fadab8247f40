// Alloy's HTTP client block: schema and validation, and the client built from it.
export { HttpClient, USER_AGENT, MAX_REDIRECTS, isRedirect, withoutAuth, type HttpClientInit, type RequestOptions, type RequestAuthorizer, type OutgoingRequest } from './client.js'
export { OAuth2TokenSource, OAuth2TokenError, EXPIRY_DELTA_MS } from './oauth2.js'
export { HttpClientConfigError, TooManyRedirects, describeNetworkError } from './errors.js'
export { tlsOptions, type PoolOptions } from './dispatcher.js'
export {
  httpClientSchema, tlsSchema, basicAuthSchema, authorizationSchema, oauth2Schema, defaultHttpClientArgs, pickHttpClientArgs,
  type HttpClientArgs, type TlsArgs, type OAuth2Args,
} from './schema.js'
export { validateHttpClient } from './validate.js'
export { signV4, sigV4Authorizer, uriEncode, amzDate, type SignInput, type SigV4Args } from './sigv4.js'
export { resolveAwsCredentials, parseAwsIni, type AwsCredentials } from './aws-credentials.js'
export { azureAdAuthorizer, validateAzureAd, AZURE_CLOUDS, AZURE_REFRESH_MARGIN_MS, type AzureAdArgs } from './azuread.js'
export { assumeRole, stsEndpoint, ASSUME_ROLE_SECONDS } from './aws-sts.js'
