// An OTLP/HTTP trace receiver for tests: a node:http server on loopback that takes what the
// OpenTelemetry exporter POSTs to /v1/traces (an ExportTraceServiceRequest in protobuf),
// decodes it with protobufjs from the part of the OTLP schema spans need (field numbers as in
// opentelemetry-proto's trace.proto, common.proto and resource.proto), and keeps the spans.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

const OTLP_TRACE_SUBSET = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  repeated Event events = 11; repeated Link links = 13; Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
`;

const RequestType = protobuf.parse(OTLP_TRACE_SUBSET, { keepCase: true }).root.lookupType("otlp.ExportTraceServiceRequest");

/** OTLP span kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

export type AttributeValue = string | number | boolean;

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly { name: string; attributes: Readonly<Record<string, AttributeValue>> }[];
  /** The spans this one is linked to (not its parent), as trace and span ids in hex. */
  readonly links: readonly { traceId: string; spanId: string }[];
  /** 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

interface DecodedKeyValue {
  key: string;
  value?: { string_value?: string; bool_value?: boolean; int_value?: number | string; double_value?: number };
}

interface DecodedSpan {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id?: Buffer;
  name: string;
  kind?: number;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  attributes?: DecodedKeyValue[];
  events?: { name: string; attributes?: DecodedKeyValue[] }[];
  links?: { trace_id: Buffer; span_id: Buffer }[];
  status?: { code?: number };
}

interface DecodedRequest {
  resource_spans?: { resource?: { attributes?: DecodedKeyValue[] }; scope_spans?: { spans?: DecodedSpan[] }[] }[];
}

function attributesOf(list: readonly DecodedKeyValue[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    if (!value) continue;
    if (value.string_value !== undefined) attributes[key] = value.string_value;
    else if (value.bool_value !== undefined) attributes[key] = value.bool_value;
    else if (value.int_value !== undefined) attributes[key] = Number(value.int_value);
    else if (value.double_value !== undefined) attributes[key] = value.double_value;
  }
  return attributes;
}

/** The spans of one OTLP/protobuf export request. */
export function decodeTraceExport(body: Uint8Array): ReceivedSpan[] {
  const decoded = RequestType.toObject(RequestType.decode(body), { longs: String, bytes: Buffer, defaults: false }) as DecodedRequest;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of decoded.resource_spans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
    for (const scope of resourceSpans.scope_spans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          service,
          traceId: span.trace_id.toString("hex"),
          spanId: span.span_id.toString("hex"),
          parentSpanId: span.parent_span_id?.toString("hex") ?? "",
          name: span.name,
          kind: span.kind ?? 0,
          attributes: attributesOf(span.attributes),
          events: (span.events ?? []).map((event) => ({ name: event.name, attributes: attributesOf(event.attributes) })),
          links: (span.links ?? []).map((link) => ({ traceId: link.trace_id.toString("hex"), spanId: link.span_id.toString("hex") })),
          statusCode: span.status?.code ?? 0,
          startNs: BigInt(span.start_time_unix_nano),
          endNs: BigInt(span.end_time_unix_nano),
        });
      }
    }
  }
  return spans;
}

export interface OtlpReceiver {
  /** The base endpoint to give as OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Export requests received, decodable or not. */
  readonly requests: () => number;
  /** Resolves once `matches` holds for the spans received, or rejects after `timeoutMs`. */
  waitFor(matches: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests++;
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      try {
        spans.push(...decodeTraceExport(Buffer.concat(chunks)));
      } catch {
        response.writeHead(400).end();
        return;
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      for (const wake of waiters) wake();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    requests: () => requests,
    waitFor(matches, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!matches(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`the spans awaited did not arrive within ${timeoutMs} ms; received: ${spans.map((span) => `${span.service}:${span.name}`).join(", ")}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
