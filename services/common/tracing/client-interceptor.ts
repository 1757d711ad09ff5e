// A CLIENT span per gRPC call our clients make (the CLI and the coordinator through grpc-js,
// see client-credentials.ts), a child of the span active where the call is made, with its
// W3C trace context written into the call's metadata for the server to continue. Health and
// reflection calls are not traced: they are probes, not work anyone asked for.
import { InterceptingCall, type Interceptor } from "@grpc/grpc-js";
import { context, createContextKey, propagation, SpanKind, trace, type Attributes } from "@opentelemetry/api";
import { metadataSetter } from "./grpc-metadata-carrier.js";
import { peerAttributes, recordRpcStatus, rpcAttributes, rpcSpanName } from "./rpc-attributes.js";
import { tracer, tracingIsOn } from "./tracer.js";

const UNTRACED_SERVICES = ["/grpc.health.v1.Health/", "/grpc.reflection."];

const CALL_ATTRIBUTES = createContextKey("spreadscan call attributes");

/**
 * Runs `makeCall` so that the CLIENT span of the call it makes carries `attributes` too (a
 * retry's attempt number, say): the interceptor reads them from the context it is called in.
 */
export function withCallAttributes<T>(attributes: Attributes, makeCall: () => T): T {
  return context.with(context.active().setValue(CALL_ATTRIBUTES, attributes), makeCall);
}

const interceptor: Interceptor = (options, nextCall) => {
  const path = options.method_definition.path;
  if (UNTRACED_SERVICES.some((prefix) => path.startsWith(prefix))) return new InterceptingCall(nextCall(options));
  const parent = context.active();
  const span = tracer.startSpan(rpcSpanName(path), { kind: SpanKind.CLIENT, attributes: rpcAttributes(path) }, parent);
  const extra = parent.getValue(CALL_ATTRIBUTES) as Attributes | undefined;
  if (extra && span.isRecording()) span.setAttributes(extra);
  const call = nextCall(options);
  return new InterceptingCall(call, {
    start(metadata, _listener, next) {
      propagation.inject(trace.setSpan(parent, span), metadata, metadataSetter);
      next(metadata, {
        onReceiveStatus(status, passOn) {
          if (span.isRecording()) {
            // The replica that answered: round_robin picks it below this interceptor.
            span.setAttributes(peerAttributes(call.getPeer()));
            recordRpcStatus(span, status.code, status.details);
          }
          span.end();
          passOn(status);
        },
      });
    },
  });
};

/** The interceptors a client channel adds for tracing: none while tracing is off. */
export function tracingInterceptors(): Interceptor[] {
  return tracingIsOn() ? [interceptor] : [];
}
