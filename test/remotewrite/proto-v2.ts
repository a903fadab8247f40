// protobufjs view of remote write 2.0 from the vendored upstream io/prometheus/write/v2/types.proto,
// to check shoal's encoder and feed its decoder independently.
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'

// The upstream file as vendored; its gogoproto import and options only steer Go code generation.
const load = (path: string): protobuf.Type => protobuf.parse(readFileSync(new URL(path, import.meta.url), 'utf8')
  .replace('import "gogoproto/gogo.proto";', '').replace(/ \[\(gogoproto\.nullable\) = false\]/g, '')).root.lookupType('io.prometheus.write.v2.Request')
/** The current revision (start_timestamp per sample). */
export const Request = load('../fixtures/proto/io/prometheus/write/v2/types.proto')
/** The earlier revision (created_timestamp = 6 per series), as older senders encode it. */
export const RequestEarlier = load('../fixtures/proto/earlier/io/prometheus/write/v2/types.proto')

export interface V2 {
  symbols: string[]
  timeseries: Array<{
    labelsRefs: number[], samples: Array<{ value: number, timestamp: number, startTimestamp: number }>, histograms: Array<Record<string, unknown>>,
    exemplars: Array<{ labelsRefs: number[], value: number, timestamp: number }>,
    metadata?: { type: string, helpRef: number, unitRef: number }
  }>
}
export function decodeV2 (buf: Uint8Array): V2 {
  return Request.toObject(Request.decode(buf), { longs: Number, enums: String, arrays: true, defaults: true }) as V2
}
export const resolve = (sym: string[], refs: number[]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i < refs.length; i += 2) out[sym[refs[i]]] = sym[refs[i + 1]]
  return out
}


export function encodeV2 (obj: unknown): Uint8Array {
  return Request.encode(Request.fromObject(obj as Record<string, unknown>)).finish()
}
