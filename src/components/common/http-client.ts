// The HTTP client blocks shared by scrape and remote_write (Alloy's common/config HTTPClientConfig).
import { attr, block, t } from '../../vm/schema.js'
import type { Secret } from '../../vm/value.js'

export interface TlsArgs {
  ca_pem: string
  ca_file: string
  cert_pem: string
  cert_file: string
  key_pem: Secret | undefined
  key_file: string
  server_name: string
  insecure_skip_verify: boolean
  min_version: string
}

export interface AuthArgs {
  basic_auth: { username: string, password: Secret | undefined, password_file: string } | undefined
  bearer_token: Secret | undefined
  bearer_token_file: string
  authorization: { type: string, credentials: Secret | undefined, credentials_file: string } | undefined
}

export const tlsSchema = {
  ca_pem: attr(t.string, { default: '' }),
  ca_file: attr(t.string, { default: '' }),
  cert_pem: attr(t.string, { default: '' }),
  cert_file: attr(t.string, { default: '' }),
  key_pem: attr(t.secret),
  key_file: attr(t.string, { default: '' }),
  server_name: attr(t.string, { default: '' }),
  insecure_skip_verify: attr(t.bool, { default: false }),
  min_version: attr(t.string, { default: '' }),
}

export const authSchemas = {
  basic_auth: block({
    username: attr(t.string, { default: '' }),
    password: attr(t.secret),
    password_file: attr(t.string, { default: '' }),
  }),
  bearer_token: attr(t.secret),
  bearer_token_file: attr(t.string, { default: '' }),
  authorization: block({
    type: attr(t.string, { default: 'Bearer' }),
    credentials: attr(t.secret),
    credentials_file: attr(t.string, { default: '' }),
  }),
  oauth2: block({
    client_id: attr(t.string, { default: '' }),
    client_secret: attr(t.secret),
    client_secret_file: attr(t.string, { default: '' }),
    token_url: attr(t.string, { default: '' }),
    scopes: attr(t.array(t.string), { default: [] }),
    endpoint_params: attr(t.map(t.string), { default: {} }),
    proxy_url: attr(t.string, { default: '' }),
    tls_config: block(tlsSchema),
  }),
}
