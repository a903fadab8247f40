// The squashed HTTP client arguments (shared/reference/components/http-client-config-block.md) as
// main has them, under `prefix` ('' or 'endpoint.'). Its blocks' own arguments are pinned by
// test/http-client/ (src/http-client/ is issue 17a's): here only that they are there.
import type { Row } from './table.js'

export const HTTP_CLIENT_BLOCKS = ['authorization', 'basic_auth', 'oauth2', 'tls_config']

/** `errorPrefix`: what the component puts before the client's own validation messages ('endpoint[0]: '). */
export function httpClientRows (prefix: string, enableHttp2Default = true, errorPrefix = ''): Row[] {
  const p = (n: string): string => prefix + n
  return [
    { name: p('bearer_token'), type: 'secret', decoded: undefined, bad: '[1]', error: '[1] should be secret, got array' },
    { name: p('bearer_token_file'), type: 'string', decoded: '', bad: 'true', error: 'true should be string, got bool' },
    { name: p('enable_http2'), type: 'bool', alloyDefault: String(enableHttp2Default), decoded: enableHttp2Default, bad: '1', error: '1 should be bool, got number' },
    { name: p('follow_redirects'), type: 'bool', alloyDefault: 'true', decoded: true, bad: '1', error: '1 should be bool, got number' },
    { name: p('http_headers'), type: 'map(list(secret))', decoded: {}, bad: '"x"', error: '"x" should be object, got string' },
    { name: p('no_proxy'), type: 'string', decoded: '', bad: '"10.0.0.0/8"', error: errorPrefix + 'if no_proxy is configured, proxy_url must also be configured' },
    { name: p('proxy_connect_header'), type: 'map(list(secret))', decoded: {}, bad: '{ "Proxy-Authorization" = ["Basic x"] }', error: errorPrefix + 'if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured' },
    { name: p('proxy_from_environment'), type: 'bool', alloyDefault: 'false', decoded: false, bad: '"x"', error: '"x" should be bool, got string' },
    // socks5 proxies (which Go's transport takes) are refused by name: docs/components.md.
    { name: p('proxy_url'), type: 'string', decoded: '', bad: '":bad"', error: errorPrefix + 'invalid proxy_url ":bad"' },
  ]
}
