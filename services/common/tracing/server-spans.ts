// A SERVER span per call our services answer, started by the call observer (the first
// server interceptor, which sees every call) as the call's metadata arrives, continuing the
// caller's W3C trace context when its metadata carries one, and ended with the call's status.
// The handler adapter (handlers.ts) runs the handler inside it, so every span and log line of
// the handler's work belongs to it.
import type { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import { propagation, ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from "@opentelemetry/api";
import { metadataGetter } from "./grpc-metadata-carrier.js";
import { recordRpcStatus, rpcAttributes, rpcSpanName } from "./rpc-attributes.js";
import { tracer } from "./tracer.js";

/** The contexts of calls in progress, keyed by the metadata object that travels the whole chain of one call (as call-identity.ts). */
const callContexts = new WeakMap<Metadata, Context>();

export interface ServerSpan {
  readonly span: Span;
  /** Ends the span with the call's status. */
  end(code: GrpcStatus, details: string | undefined): void;
}

/** Starts the call's SERVER span, a child of the caller's span when its metadata names one. */
export function startServerSpan(path: string, metadata: Metadata): ServerSpan {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const span = tracer.startSpan(rpcSpanName(path), { kind: SpanKind.SERVER, attributes: rpcAttributes(path) }, parent);
  callContexts.set(metadata, trace.setSpan(parent, span));
  return {
    span,
    end(code, details) {
      if (span.isRecording()) recordRpcStatus(span, code, details);
      span.end();
    },
  };
}

/** The context a handler of this call runs in; undefined when the call has no span (tracing off, health, reflection). */
export function serverContextOf(metadata: Metadata): Context | undefined {
  return callContexts.get(metadata);
}
