// Alloy's HTTP client block: schema and validation, and the client built from it.
export { HttpClient, USER_AGENT, MAX_REDIRECTS, isRedirect, withoutAuth, type HttpClientInit, type RequestOptions } from './client.js'
export { HttpClientConfigError, TooManyRedirects, describeNetworkError } from './errors.js'
export { tlsOptions, type PoolOptions } from './dispatcher.js'
export {
  httpClientSchema, tlsSchema, basicAuthSchema, authorizationSchema, oauth2Schema, defaultHttpClientArgs, pickHttpClientArgs,
  type HttpClientArgs, type TlsArgs,
} from './schema.js'
export { validateHttpClient } from './validate.js'
