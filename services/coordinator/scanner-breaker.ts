import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  isTaskCancelledError,
  type CircuitBreakerPolicy,
} from "cockatiel";
import { RpcError } from "../common/errors.js";
import { isBreakerFailureCode } from "./scanner-errors.js";

export interface ScannerBreakerOptions {
  /** Consecutive failures that open the circuit (CIRCUIT_BREAKER_THRESHOLD). */
  readonly threshold: number;
  /** How long the circuit stays open before one probe call is let through (CIRCUIT_BREAKER_TIMEOUT), ms. */
  readonly halfOpenAfterMs: number;
}

/**
 * What counts against the scanner: a status that says it is down or broken, or an attempt
 * that ran out of time (cockatiel's TaskCancelledError from the per-attempt timeout).
 */
export function isScannerBreakerFailure(error: unknown): boolean {
  if (isTaskCancelledError(error)) return true;
  return error instanceof RpcError && isBreakerFailureCode(error.code);
}

interface BreakerSettings {
  readonly threshold: number;
  readonly halfOpenAfterMs: number;
}

// cockatiel 3 does not expose how long an open circuit waits; the breakers made here
// remember it, so an open circuit can tell callers when to come back.
const settingsOf = new WeakMap<CircuitBreakerPolicy, BreakerSettings>();

/**
 * The circuit breaker the coordinator shares between its scanner clients (and reports in
 * its metrics): opens after `threshold` failures in a row that are the scanner's fault.
 */
export function createScannerCircuitBreaker({ threshold, halfOpenAfterMs }: ScannerBreakerOptions): CircuitBreakerPolicy {
  const breaker = circuitBreaker(handleWhen(isScannerBreakerFailure), {
    halfOpenAfter: halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(threshold),
  });
  settingsOf.set(breaker, { threshold, halfOpenAfterMs });
  return breaker;
}

export interface OpenCircuit {
  /** Failures in a row that opened it, when the breaker counts them. */
  readonly consecutiveFailures?: number;
  /** Milliseconds until the next probe call is let through; absent when held open by hand. */
  readonly msUntilHalfOpen?: number;
}

/** When the circuit opened and for how long, read from the breaker's public snapshot. */
export function describeOpenCircuit(breaker: CircuitBreakerPolicy, now = Date.now()): OpenCircuit {
  if (breaker.state === CircuitState.Isolated) return {};
  const snapshot = breaker.toJSON() as { ownState?: { openedAt?: unknown }; breakerState?: unknown };
  const openedAt = snapshot.ownState?.openedAt;
  const failures = typeof snapshot.breakerState === "number" ? snapshot.breakerState : settingsOf.get(breaker)?.threshold;
  const waitMs = settingsOf.get(breaker)?.halfOpenAfterMs ?? internalHalfOpenAfterMs(breaker);
  return {
    ...(failures !== undefined ? { consecutiveFailures: failures } : {}),
    ...(typeof openedAt === "number" && waitMs !== undefined
      ? { msUntilHalfOpen: Math.max(1, Math.ceil(openedAt + waitMs - now)) }
      : {}),
  };
}

/**
 * For a breaker built elsewhere: cockatiel 3.2 keeps the current wait in its private state.
 * Read defensively, so a different layout only loses the hint, never the error.
 */
function internalHalfOpenAfterMs(breaker: CircuitBreakerPolicy): number | undefined {
  const state = (breaker as unknown as { innerState?: { backoff?: { duration?: unknown } } }).innerState;
  const duration = state?.backoff?.duration;
  return typeof duration === "number" && Number.isFinite(duration) ? duration : undefined;
}
