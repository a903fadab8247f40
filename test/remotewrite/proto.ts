// protobufjs view of remote-write 1.0 (prompb types.proto + remote.proto, Histogram as in types.proto), used only to verify
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
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  enum ResetHint { UNKNOWN = 0; YES = 1; NO = 2; GAUGE = 3; }
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
  repeated double custom_values = 16;
}
message Label { string name = 1; string value = 2; }
`

export const WriteRequest = protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType('prometheus.WriteRequest')

export interface PbLabel { name: string, value: string }
export interface PbSample { value: number, timestamp: number }
export interface PbHistogram {
  countInt?: number, countFloat?: number, sum: number, schema: number, zeroThreshold: number, zeroCountInt?: number, zeroCountFloat?: number,
  negativeSpans: Array<{ offset: number, length: number }>, negativeDeltas: number[], negativeCounts: number[],
  positiveSpans: Array<{ offset: number, length: number }>, positiveDeltas: number[], positiveCounts: number[],
  resetHint: string, timestamp: number, customValues: number[]
}
export interface PbTimeSeries { labels: PbLabel[], samples: PbSample[], exemplars: Array<{ labels: PbLabel[], value: number, timestamp: number }>, histograms?: PbHistogram[] }
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
