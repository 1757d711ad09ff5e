// Which ends of a chain fetch say the market data provider itself is in trouble. Only those
// may slow the pacing every scan shares (the adaptive rate halves on them): a caller's
// mistake, an unknown symbol or a missing subscription is answered just as fast by a healthy
// provider, and throttling everyone for it would let one caller slow the service for all.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { RpcError } from "../../common/errors.js";

/**
 * The provider is down (UNAVAILABLE), too slow (DEADLINE_EXCEEDED), out of capacity
 * (RESOURCE_EXHAUSTED: IBKR's lines or message queue, where slowing down is the cure) or
 * broken (INTERNAL, UNKNOWN, DATA_LOSS). Every other code is an answer about the request:
 * NOT_FOUND (no such symbol, no options listed), INVALID_ARGUMENT, FAILED_PRECONDITION (the
 * account lacks a market data subscription: a matter of configuration that no pacing cures,
 * and other symbols may still be served), PERMISSION_DENIED, OUT_OF_RANGE, UNIMPLEMENTED.
 */
const PROVIDER_FAILURE_CODES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNKNOWN,
  GrpcStatus.DATA_LOSS,
]);

/**
 * How a fetch that threw went, for pacing: `failed` (the provider's fault), `answered` (the
 * provider answered; the answer was no), or `abandoned` (we stopped it: cancelled or shut
 * down, which says nothing about the provider). `signal` is the one the fetch was given.
 */
export function fetchFailureKind(error: unknown, signal: AbortSignal): "failed" | "answered" | "abandoned" {
  if (signal.aborted) {
    // The job's time ran out while the provider was still at it: too slow.
    const reason: unknown = signal.reason;
    return reason instanceof RpcError && reason.code === GrpcStatus.DEADLINE_EXCEEDED ? "failed" : "abandoned";
  }
  // Anything but one of our errors is a bug in the provider (or the library under it).
  if (!(error instanceof RpcError)) return "failed";
  return PROVIDER_FAILURE_CODES.has(error.code) ? "failed" : "answered";
}
