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
