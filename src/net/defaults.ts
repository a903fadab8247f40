// Addresses with one definition, shared by the CLI flags and the code that falls back to them.

/** Alloy's default for --server.http.listen-addr. */
export const DEFAULT_HTTP_LISTEN_ADDR = '127.0.0.1:12345'
