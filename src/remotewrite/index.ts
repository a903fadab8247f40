// Prometheus remote-write 1.0: sender (endpoint → queue → shards → client) and the
// WriteRequest decoder used by the receiving side.

export { RemoteWriteEndpoint, type BackpressureAppender, type EndpointDeps, type TransformSeries } from './endpoint.js'
export { DEFAULT_QUEUE_CONFIG, resolveQueueConfig, type ClientOptions, type EndpointOptions, type QueueConfig } from './options.js'
export { QueueManager, type WriteSink } from './queue.js'
export { WriteClient, parseRetryAfter, type StoreOutcome } from './client.js'
export { WriteRequestEncoder, encodeLabels, seriesLabelBytes, STALE_NAN_HI, STALE_NAN_LO, type MetadataEntry } from './codec.js'
export { decodeWriteRequest, WriteRequestDecodeError, type DecodedWriteRequest, type DecodedTimeSeries, type DecodedSample, type DecodedExemplar, type DecodedMetadata } from './decode.js'
export { getSnappy, loadJsSnappy, loadNativeSnappy, type Snappy, type SnappyImpl } from './snappy.js'
export { SampleBatch, FLAG_STALE, FLAG_EXEMPLAR } from './batch.js'
export { MemoryPending, type PendingStore, type TakeEntry } from './pending.js'
