// W3C trace context in gRPC metadata: `traceparent` and `tracestate` are ASCII metadata
// entries like any other header (the same names HTTP uses), read and written through the
// API's propagator.
import type { Metadata } from "@grpc/grpc-js";
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";

export const metadataGetter: TextMapGetter<Metadata> = {
  get(metadata, key) {
    const values = metadata.get(key);
    if (values.length === 0) return undefined;
    const strings = values.filter((value): value is string => typeof value === "string");
    return strings.length === 1 ? strings[0] : strings;
  },
  keys(metadata) {
    return Object.keys(metadata.getMap());
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set(metadata, key, value) {
    metadata.set(key, value);
  },
};
