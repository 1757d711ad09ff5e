// With tracing on, each call the gateway forwards to the coordinator is a CLIENT span named
// like the gRPC method ("spreadscan.coordinator.v1.CoordinatorService/Scan"). A browser call
// that carries W3C `traceparent`/`tracestate` headers is continued (the span is a child of
// the browser's); one without starts a new trace. The coordinator is sent the gateway span's
// own context, so its SERVER span is a child of it. A stream's span ends with the stream.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { peerAttributes, RPC_GRPC_STATUS_CODE, rpcAttributes, rpcSpanName } from "../common/tracing/rpc-attributes.js";
import { recordFailure, tracer } from "../common/tracing/tracer.js";

const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

const headersSetter: TextMapSetter<Headers> = {
  set: (headers, key, value) => headers.set(key, value),
};

function endOk(span: Span): void {
  span.setAttribute(RPC_GRPC_STATUS_CODE, 0);
  span.end();
}

function endFailed(span: Span, error: unknown): void {
  // Connect's codes are gRPC's, number for number.
  const code = error instanceof ConnectError ? error.code : Code.Unknown;
  span.setAttribute(RPC_GRPC_STATUS_CODE, code);
  if (error instanceof ConnectError) span.setStatus({ code: SpanStatusCode.ERROR, message: `${Code[code]}: ${error.rawMessage}` });
  else recordFailure(span, error);
  span.end();
}

async function* endingWith<T>(messages: AsyncIterable<T>, span: Span): AsyncIterable<T> {
  try {
    yield* messages;
    endOk(span);
  } catch (error) {
    endFailed(span, error);
    throw error;
  } finally {
    // A browser that goes away stops reading: the span ends there, not OK, not failed.
    if (span.isRecording()) span.end();
  }
}

/** The interceptor for the gateway's transport to the coordinator at `coordinatorAddress` (host:port). */
export function tracingInterceptor(coordinatorAddress: string): Interceptor {
  const peer = peerAttributes(coordinatorAddress);
  return (next) => async (request) => {
    const path = `/${request.service.typeName}/${request.method.name}`;
    const parent = propagation.extract(ROOT_CONTEXT, request.header, headersGetter);
    const span = tracer.startSpan(rpcSpanName(path), { kind: SpanKind.CLIENT, attributes: { ...rpcAttributes(path), ...peer } }, parent);
    request.header.delete("traceparent");
    request.header.delete("tracestate");
    propagation.inject(trace.setSpan(parent, span), request.header, headersSetter);
    try {
      const response = await next(request);
      if (!response.stream) {
        endOk(span);
        return response;
      }
      return { ...response, message: endingWith(response.message, span) };
    } catch (error) {
      endFailed(span, error);
      throw error;
    }
  };
}
