import { status as GrpcStatus } from "@grpc/grpc-js";

/** One bad field of a request; `field` is the dot-separated path in the request message. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface RpcErrorDetails {
  /** Sent as google.rpc.BadRequest. */
  readonly fieldViolations?: readonly FieldViolation[];
  /** Sent as google.rpc.RetryInfo. */
  readonly retryDelayMs?: number;
}

/**
 * An error we can name. Handlers throw these; the bootstrap turns them into a gRPC status
 * with `google.rpc` details, so a caller never sees UNKNOWN for them.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";

  constructor(
    readonly code: GrpcStatus,
    message: string,
    readonly details: RpcErrorDetails = {},
  ) {
    super(message);
  }

  /**
   * This error, fit to be kept for long (a finished job's): its stack formatted now. Until
   * it is read, V8 keeps the stack as frames that hold their receivers, and a scanner call's
   * frames hold the request with its whole chain, megabytes for every failed scan.
   */
  settled(): this {
    // Reading the stack is what formats it (the getter caches the string).
    this.stack = this.stack ?? "";
    return this;
  }
}

/**
 * Violations sent at most: each is a line of the trailers, and a request with thousands of
 * bad entries would make trailers too large to send (the call then gets no status at all).
 */
export const MAX_FIELD_VIOLATIONS = 20;

export function invalidArgument(violations: readonly FieldViolation[], message?: string): RpcError {
  const kept: FieldViolation[] =
    violations.length <= MAX_FIELD_VIOLATIONS
      ? [...violations]
      : [
          ...violations.slice(0, MAX_FIELD_VIOLATIONS - 1),
          { field: "", description: `and ${violations.length - MAX_FIELD_VIOLATIONS + 1} more violations like these` },
        ];
  const summary = message ?? `invalid request: ${kept.map((violation) => `${violation.field}: ${violation.description}`).join("; ")}`;
  return new RpcError(GrpcStatus.INVALID_ARGUMENT, summary, { fieldViolations: kept });
}

export function notFound(message: string): RpcError {
  return new RpcError(GrpcStatus.NOT_FOUND, message);
}

export function resourceExhausted(message: string, retryDelayMs: number): RpcError {
  return new RpcError(GrpcStatus.RESOURCE_EXHAUSTED, message, { retryDelayMs });
}

export function unavailable(message: string, retryDelayMs?: number): RpcError {
  return new RpcError(GrpcStatus.UNAVAILABLE, message, retryDelayMs === undefined ? {} : { retryDelayMs });
}

export function failedPrecondition(message: string): RpcError {
  return new RpcError(GrpcStatus.FAILED_PRECONDITION, message);
}

export function deadlineExceeded(message: string): RpcError {
  return new RpcError(GrpcStatus.DEADLINE_EXCEEDED, message);
}

export function cancelled(message: string): RpcError {
  return new RpcError(GrpcStatus.CANCELLED, message);
}

export function unauthenticated(message: string): RpcError {
  return new RpcError(GrpcStatus.UNAUTHENTICATED, message);
}

export function permissionDenied(message: string): RpcError {
  return new RpcError(GrpcStatus.PERMISSION_DENIED, message);
}

/** The server's own fault; the message must not leak internals. */
export function internal(message: string): RpcError {
  return new RpcError(GrpcStatus.INTERNAL, message);
}

export function unimplemented(message: string): RpcError {
  return new RpcError(GrpcStatus.UNIMPLEMENTED, message);
}
