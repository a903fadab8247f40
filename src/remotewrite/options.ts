// Endpoint and queue options, with Prometheus' queue_config defaults.

import type { HttpClientArgs, RequestAuthorizer } from '../http-client/index.js'

export interface QueueConfig {
  /**
   * Most samples (and exemplars) the queue holds that are accepted but not yet sent or
   * dropped, across all shards. Unlike Prometheus (per shard) this bounds the whole queue.
   */
  capacity: number
  maxShards: number
  minShards: number
  maxSamplesPerSend: number
  batchSendDeadlineMs: number
  minBackoffMs: number
  maxBackoffMs: number
  retryOnHttp429: boolean
  /** Minimum time between resharding decisions (Prometheus: 10s). */
  shardUpdateIntervalMs: number
}

export const DEFAULT_QUEUE_CONFIG: Readonly<QueueConfig> = {
  capacity: 10000,
  maxShards: 50,
  minShards: 1,
  maxSamplesPerSend: 2000,
  batchSendDeadlineMs: 5000,
  minBackoffMs: 30,
  maxBackoffMs: 5000,
  retryOnHttp429: true,
  shardUpdateIntervalMs: 10000
}

export interface ClientOptions {
  url: string
  /** Alloy's HTTP client block (auth, TLS, proxy, redirects, http_headers). Default: its defaults. */
  http?: HttpClientArgs
  /** remote_write's own `headers`. */
  headers?: Record<string, string>
  remoteTimeoutMs: number
  retryOnHttp429: boolean
  /** Overrides `shoal/<package version>`. */
  userAgent?: string
  /** Signs or authorises each request (sigv4, azuread). */
  authorize?: RequestAuthorizer
  /** Which message is sent; 2.0 falls back to 1.0 for a receiver that only takes 1.0. @default 'prometheus.WriteRequest' */
  protobufMessage?: ProtobufMessage
}

export type ProtobufMessage = 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request'

export interface EndpointOptions {
  url: string
  /** remote_name label; defaults to a hash-free short form of the URL. */
  name?: string
  http?: HttpClientArgs
  headers?: Record<string, string>
  remoteTimeoutMs: number
  sendExemplars: boolean
  /** Native histograms (and their staleness markers) are sent; otherwise dropped here, as Prometheus does. @default false */
  sendNativeHistograms?: boolean
  sendMetadata: boolean
  /** Partial is fine: missing keys take DEFAULT_QUEUE_CONFIG values. */
  queue: Partial<QueueConfig>
  /** How often all known metadata is sent (Prometheus metadata_config.send_interval, 1m). */
  metadataSendIntervalMs?: number
  /** Most metadata entries per request (metadata_config.max_samples_per_send, 2000). */
  metadataMaxPerSend?: number
  userAgent?: string
  authorize?: RequestAuthorizer
  /** @default 'prometheus.WriteRequest' */
  protobufMessage?: ProtobufMessage
}

export function resolveQueueConfig (q: Partial<QueueConfig> = {}): QueueConfig {
  const c: QueueConfig = { ...DEFAULT_QUEUE_CONFIG }
  for (const [k, v] of Object.entries(q) as Array<[keyof QueueConfig, QueueConfig[keyof QueueConfig] | undefined]>) {
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v
  }
  if (c.minShards < 1) c.minShards = 1
  if (c.maxShards < c.minShards) c.maxShards = c.minShards
  if (c.maxSamplesPerSend < 1) c.maxSamplesPerSend = 1
  if (c.capacity < c.maxSamplesPerSend) c.capacity = c.maxSamplesPerSend
  return c
}
