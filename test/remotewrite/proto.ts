// protobufjs view of remote-write 1.0 (prompb types.proto + remote.proto), used only to verify
// the hand-written encoder/decoder independently.

import protobuf from 'protobufjs'

const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
}
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; }
message Label { string name = 1; string value = 2; }
`

export const WriteRequest = protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType('prometheus.WriteRequest')

export interface PbLabel { name: string, value: string }
export interface PbSample { value: number, timestamp: number }
export interface PbTimeSeries { labels: PbLabel[], samples: PbSample[], exemplars: Array<{ labels: PbLabel[], value: number, timestamp: number }> }
export interface PbMetadata { type: string, metricFamilyName: string, help: string, unit: string }
export interface PbWriteRequest { timeseries: PbTimeSeries[], metadata: PbMetadata[] }

/** Decodes with protobufjs; int64 as numbers, enums as names, empty repeated fields as []. */
export function pbDecode (buf: Uint8Array): PbWriteRequest {
  const msg = WriteRequest.decode(buf)
  return WriteRequest.toObject(msg, { longs: Number, enums: String, arrays: true, defaults: true }) as PbWriteRequest
}

export function pbEncode (obj: PbWriteRequest): Uint8Array {
  return WriteRequest.encode(WriteRequest.fromObject(obj)).finish()
}

/** Bit pattern of the `i`-th sample value in wire order, found by scanning for fixed64 sample fields. */
export function doubleBits (v: number): string {
  const b = Buffer.alloc(8); b.writeDoubleLE(v)
  return b.readBigUInt64LE().toString(16)
}
