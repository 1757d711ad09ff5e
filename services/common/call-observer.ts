import {
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcStatus,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { Counter, Histogram, type Registry } from "prom-client";
import { identityOf, REQUEST_ID_KEY } from "./call-identity.js";
import type { Logger } from "./logger.js";

export { REQUEST_ID_KEY } from "./call-identity.js";

/** Codes that mean the server, not the caller, is at fault: logged as errors. */
const SERVER_FAULTS = new Set<GrpcStatus>([GrpcStatus.UNKNOWN, GrpcStatus.INTERNAL, GrpcStatus.DATA_LOSS]);

export interface CallObserverOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Services whose calls are logged at debug level only (health probes, reflection). */
  readonly quietServices: ReadonlySet<string>;
}

/**
 * A server interceptor that sees every call, ours, health and reflection alike: it echoes
 * the call's request id (decided by the call identifier, which runs before it) in the
 * response headers, or in the trailers of an answer that has none, and when the call ends
 * writes one log line (method, status, duration, peer, request id) and the Prometheus call
 * metrics.
 */
export function createCallObserver({ logger, registry, quietServices }: CallObserverOptions): ServerInterceptor {
  const started = new Counter({
    name: "grpc_server_started_total",
    help: "RPCs started on the server.",
    labelNames: ["grpc_service", "grpc_method"],
    registers: [registry],
  });
  const handled = new Counter({
    name: "grpc_server_handled_total",
    help: "RPCs completed on the server, by status code.",
    labelNames: ["grpc_service", "grpc_method", "grpc_code"],
    registers: [registry],
  });
  const handlingSeconds = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Time from the start of an RPC to its status, seconds.",
    labelNames: ["grpc_service", "grpc_method"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  // A call's line holds only the fields set below, none of which a credential could be under:
  // redaction would find nothing in it, and costs a walk of every field of every line.
  const callLog = logger.child({}, { redact: [] });

  return (descriptor, call) => {
    const startedAt = process.hrtime.bigint();
    const [, service = "unknown", method = "unknown"] = descriptor.path.split("/");
    const quiet = quietServices.has(service);
    // Known once the call's metadata has arrived; a call that ends before has none to echo.
    let requestId: string | undefined;
    let headersSent = false;
    let finished = false;
    started.inc({ grpc_service: service, grpc_method: method });

    const finish = (code: GrpcStatus, details: string | undefined): void => {
      if (finished) return;
      finished = true;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      handled.inc({ grpc_service: service, grpc_method: method, grpc_code: GrpcStatus[code] });
      handlingSeconds.observe({ grpc_service: service, grpc_method: method }, seconds);
      const line = {
        method: descriptor.path,
        status: GrpcStatus[code],
        durationMs: Math.round(seconds * 1e6) / 1e3,
        peer: call.getPeer(),
        requestId,
        ...(code === GrpcStatus.OK ? {} : { details }),
      };
      if (quiet) callLog.debug(line, "call");
      else if (SERVER_FAULTS.has(code)) callLog.error(line, "call");
      else callLog.info(line, "call");
    };

    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        requestId = identityOf(metadata)?.requestId;
        next(metadata);
      })
      .withOnCancel(() => finish(GrpcStatus.CANCELLED, "cancelled by the caller or its deadline"))
      .build();

    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendMetadata((metadata, next) => {
        headersSent = true;
        if (requestId !== undefined) metadata.set(REQUEST_ID_KEY, requestId);
        next(metadata);
      })
      .withSendStatus((status, next) => {
        finish(status.code, status.details);
        // An answer without headers (a call refused or failed before any) is trailers only:
        // the id goes there. Once the headers carried it, the trailers need not repeat it.
        if (headersSent || requestId === undefined) {
          next(status);
          return;
        }
        const metadata = status.metadata ?? new Metadata();
        metadata.set(REQUEST_ID_KEY, requestId);
        next({ ...status, metadata });
      })
      .build();

    return new ServerInterceptingCall(call, responder);
  };
}
