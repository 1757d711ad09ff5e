import { Metadata, ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor, type StatusObject } from "@grpc/grpc-js";
import type { Registry } from "prom-client";
import type { ApiKeys } from "./auth/api-keys.js";
import type { AdmissionCheck } from "./call-admission.js";
import { identifyCall, REQUEST_ID_KEY, type GatewayTrust } from "./call-identity.js";
import { CallMetrics } from "./call-metrics.js";
import type { Logger } from "./logger.js";
import { rpcErrorToStatus } from "./status-details.js";
import { startServerSpan, type ServerSpan } from "./tracing/server-spans.js";
import { tracingIsOn } from "./tracing/tracer.js";

export { REQUEST_ID_KEY } from "./call-identity.js";

/** Codes that mean the server, not the caller, is at fault: logged as errors. */
const SERVER_FAULTS = new Set<GrpcStatus>([GrpcStatus.UNKNOWN, GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS]);

export interface CallObserverOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Services whose calls are logged at debug level only (health probes, reflection). */
  readonly quietServices: ReadonlySet<string>;
  /** The API keys when they are on; absent: every caller is its address. */
  readonly keys?: ApiKeys | undefined;
  /** The browser gateway's secret: its calls may name the client they forward (call-identity.ts). */
  readonly gateway?: GatewayTrust | undefined;
  /** What decides, in order, whether an identified call may go on (the key check, the limits). */
  readonly admission?: readonly AdmissionCheck[];
}

/**
 * The first server interceptor, which sees every call, ours, health and reflection alike:
 * it identifies the call (call-identity.ts) before any other piece sees its metadata, runs
 * the admission checks (call-admission.ts) and answers a refused call itself, echoes
 * the call's request id in the response headers, or in the trailers of an answer that has none, and when the call ends
 * writes one log line (method, status, duration, peer, request id) and the Prometheus call
 * metrics. With tracing on it also starts the call's SERVER span (server-spans.ts), which the
 * call's log line names, and ends it with the call's status.
 */
export function createCallObserver({ logger, registry, quietServices, keys, gateway, admission = [] }: CallObserverOptions): ServerInterceptor {
  const metrics = new CallMetrics(registry);

  // A call's line holds only the fields set below, none of which a credential could be under:
  // redaction would find nothing in it, and costs a walk of every field of every line.
  const callLog = logger.child({}, { redact: [] });
  // Decided once: a server made while tracing is off never looks at trace context.
  const tracing = tracingIsOn();

  return (descriptor, call) => {
    const startedAt = process.hrtime.bigint();
    const calls = metrics.of(descriptor.path);
    const quiet = quietServices.has(calls.labels.grpc_service);
    // Known once the call's metadata has arrived; a call that ends before has none to echo.
    let requestId: string | undefined;
    let headersSent = false;
    // The caller's own id comes back with the answer; one the server made comes back only
    // with a failure, where the caller needs it to find the call in the service's log.
    let callerSentId = false;
    let finished = false;
    // Health probes and reflection are not traced: they are not work anyone asked for.
    let serverSpan: ServerSpan | undefined;
    calls.started++;

    // What an admitted call holds until it ends (a stream counted against its client).
    let releases: (() => void)[] | undefined;
    const finish = (code: GrpcStatus, details: string | undefined): void => {
      if (finished) return;
      finished = true;
      if (releases) for (const release of releases) release();
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      calls.finished(GrpcStatus[code], seconds);
      const line: Record<string, unknown> = {
        method: descriptor.path,
        status: GrpcStatus[code],
        durationMs: Math.round(seconds * 1e6) / 1e3,
        peer: call.getPeer(),
        requestId,
        ...(code === GrpcStatus.OK ? {} : { details }),
      };
      if (serverSpan) {
        // The line is written after the span ends, outside it: it names the span itself.
        const { traceId, spanId } = serverSpan.span.spanContext();
        line.trace_id = traceId;
        line.span_id = spanId;
        serverSpan.end(code, details);
      }
      if (quiet) callLog.debug(line, "call");
      else if (SERVER_FAULTS.has(code)) callLog.error(line, "call");
      else callLog.info(line, "call");
    };

    /** Ends the call's line and metrics; the status as sent, with the request id where it belongs. */
    const withRequestId = <Status extends Pick<StatusObject, "code" | "details"> & { metadata?: Metadata | null }>(status: Status): Status => {
      finish(status.code, status.details);
      // In the trailers when the headers did not carry it: an answer without headers (a call
      // refused or failed before any) is trailers only, and a failure always names its id.
      const echoedInHeaders = headersSent && callerSentId;
      if (requestId === undefined || echoedInHeaders || !(callerSentId || status.code !== GrpcStatus.OK)) return status;
      const metadata = status.metadata ?? new Metadata();
      metadata.set(REQUEST_ID_KEY, requestId);
      return { ...status, metadata };
    };

    // Plain objects rather than grpc-js's builders: a builder is one more object per call.
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            // Identified here rather than by an interceptor of its own: a layer of interception
            // costs every call more than the identification does.
            const identity = identifyCall(metadata, call.getPeer(), keys, gateway);
            requestId = identity.requestId;
            callerSentId = identity.requestIdFromCaller;
            if (tracing && !quiet) serverSpan = startServerSpan(descriptor.path, metadata);
            const admitted = { path: descriptor.path, service: calls.labels.grpc_service, responseStream: descriptor.responseStream };
            for (const check of admission) {
              const verdict = check(admitted, identity);
              if (!verdict) continue;
              if ("refusal" in verdict) {
                call.sendStatus(withRequestId(rpcErrorToStatus(verdict.refusal)));
                return;
              }
              if (verdict.release) (releases ??= []).push(verdict.release);
            }
            passOn(metadata);
          },
          onCancel: () => finish(GrpcStatus.CANCELLED, "cancelled by the caller or its deadline"),
        }),
      sendMetadata: (metadata, next) => {
        headersSent = true;
        if (callerSentId && requestId !== undefined) metadata.set(REQUEST_ID_KEY, requestId);
        next(metadata);
      },
      sendStatus: (status, next) => next(withRequestId(status)),
    });
  };
}
