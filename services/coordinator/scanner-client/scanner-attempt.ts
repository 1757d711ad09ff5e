// One attempt on the wire, with the deadline min(now + the attempt's time limit, the
// caller's deadline), its failure sorted: the scanner's fault is thrown (the breaker counts
// it), anything else comes back as a value.
import { status as GrpcStatus, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import type { ScannerServiceClient } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { deadlineExceeded, type RpcError } from "../../common/errors.js";
import { withCallAttributes } from "../../common/tracing/client-interceptor.js";
import { tracingIsOn } from "../../common/tracing/tracer.js";
import type { Outcome } from "./attempt-outcome.js";
import type { CallScope } from "./call-scope.js";
import { isBreakerFailureCode, rpcErrorFromServiceError } from "./scanner-errors.js";

export type UnaryInvoker<Response> = (
  client: ScannerServiceClient,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Response) => void,
) => ClientUnaryCall;

export interface Attempt<Response> {
  readonly client: ScannerServiceClient;
  readonly invoke: UnaryInvoker<Response>;
  readonly timeLimitMs: number;
  readonly scope: CallScope;
  /** Aborts when the attempt's own time limit runs out. */
  readonly signal: AbortSignal;
  /** Which attempt of the call this is, from 1: its CLIENT span's `scanner.attempt`. */
  readonly attempt: number;
}

export function runAttempt<Response>({ client, invoke, timeLimitMs, scope, signal, attempt }: Attempt<Response>): Promise<Outcome<Response>> {
  const ownLimitMs = Date.now() + timeLimitMs;
  const cappedByCaller = scope.deadlineMs < ownLimitMs;
  const deadline = new Date(Math.min(ownLimitMs, scope.deadlineMs));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => call.cancel();
    const call = traced(attempt, () =>
      invoke(client, new Metadata(), { deadline }, (error, response) => {
        signal.removeEventListener("abort", onAbort);
        if (!error) {
          resolve({ ok: true, value: response });
          return;
        }
        // The caller left: that says nothing about the scanner.
        if (scope.isOver()) {
          resolve({ ok: false, error: scope.reason() });
          return;
        }
        // Cancelled by the attempt's time limit (the timeout policy has usually answered already).
        if (signal.aborted) {
          reject(attemptTimedOut(timeLimitMs));
          return;
        }
        const rpcError = rpcErrorFromServiceError(error);
        // A deadline the caller set shorter than an attempt's limit is the caller's choice, not the scanner's slowness.
        if (rpcError.code === GrpcStatus.DEADLINE_EXCEEDED && cappedByCaller) {
          resolve({ ok: false, error: rpcError });
          return;
        }
        if (isBreakerFailureCode(rpcError.code)) reject(rpcError);
        else resolve({ ok: false, error: rpcError });
      }),
    );
    if (signal.aborted) call.cancel();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Makes the call with its attempt number on its CLIENT span, when tracing is on. */
function traced<T>(attempt: number, makeCall: () => T): T {
  return tracingIsOn() ? withCallAttributes({ "scanner.attempt": attempt }, makeCall) : makeCall();
}

export function attemptTimedOut(timeLimitMs: number): RpcError {
  return deadlineExceeded(`the scanner did not answer within the attempt time limit of ${timeLimitMs} ms`);
}
