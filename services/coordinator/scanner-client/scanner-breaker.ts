// The coordinator's one circuit breaker: it guards the scanner's unary calls, and GetMetrics
// reports it. A failure-rate breaker, not a count of failures in a row: with several scanner
// replicas behind one channel, a replica that dies with calls in flight fails a burst of
// them while the others keep answering, and that must not cut every caller off.
import {
  circuitBreaker,
  CircuitState,
  handleWhen,
  isTaskCancelledError,
  SamplingBreaker,
  type CircuitBreakerPolicy,
  type IBreaker,
  type IDefaultPolicyContext,
} from "cockatiel";
import { RpcError } from "../../common/errors.js";
import { isBreakerFailureCode } from "./scanner-errors.js";

export interface ScannerBreakerOptions {
  /**
   * The fewest failed attempts in the sampling window that open the circuit
   * (CIRCUIT_BREAKER_THRESHOLD, a name kept from the consecutive-failure breaker this
   * replaced: failures with no success between them still open it at this many).
   */
  readonly threshold: number;
  /** How long the circuit stays open before one probe call is let through (CIRCUIT_BREAKER_TIMEOUT), ms. */
  readonly halfOpenAfterMs: number;
}

/** More than this share of the attempts in the window failing opens the circuit. */
export const BREAKER_FAILURE_RATE = 0.5;
/** The window the failure rate is taken over, ms: recent enough to react within seconds. */
export const BREAKER_SAMPLING_WINDOW_MS = 10_000;

/**
 * What counts against the scanner: a status that says it is down or broken, or an attempt
 * that ran out of time (cockatiel's TaskCancelledError from the per-attempt timeout).
 */
export function isScannerBreakerFailure(error: unknown): boolean {
  if (isTaskCancelledError(error)) return true;
  return error instanceof RpcError && isBreakerFailureCode(error.code);
}

export interface OpenCircuit {
  /** Milliseconds until the next probe call is let through; absent when held open by hand. */
  readonly msUntilHalfOpen?: number;
}

/**
 * The circuit breaker the coordinator shares between its scanner clients. Its state and
 * when it opened come from cockatiel's public state and events, never its internals.
 */
export class ScannerBreaker {
  readonly policy: CircuitBreakerPolicy;
  readonly halfOpenAfterMs: number;
  private openedAt: number | undefined;

  constructor({ threshold, halfOpenAfterMs }: ScannerBreakerOptions) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`threshold must be a whole number of at least 1, got ${threshold}`);
    this.halfOpenAfterMs = halfOpenAfterMs;
    this.policy = circuitBreaker(handleWhen(isScannerBreakerFailure), {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new FailureRateBreaker(threshold),
    });
    // Listeners of the breaker's own policy: they live exactly as long as it does.
    this.policy.onBreak(() => {
      this.openedAt = Date.now();
    });
    this.policy.onReset(() => {
      this.openedAt = undefined;
    });
  }

  get state(): CircuitState {
    return this.policy.state;
  }

  execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return this.policy.execute(fn, signal);
  }

  /** When the circuit lets a probe through again. */
  describeOpen(now = Date.now()): OpenCircuit {
    if (this.state === CircuitState.Isolated || this.openedAt === undefined) return {};
    return { msUntilHalfOpen: Math.max(1, Math.ceil(this.openedAt + this.halfOpenAfterMs - now)) };
  }
}

/**
 * cockatiel's SamplingBreaker judges the failure rate of the window; this adds a floor on the
 * failures themselves, so that a few failures among few calls (a quiet moment) need not open
 * it. Its own failure count uses the same window.
 */
class FailureRateBreaker implements IBreaker {
  private readonly rate = new SamplingBreaker({
    threshold: BREAKER_FAILURE_RATE,
    duration: BREAKER_SAMPLING_WINDOW_MS,
    // The floor on failures below stands in for cockatiel's minimum request rate.
    minimumRps: 1e-9,
  });
  /** When the latest failures happened, at most minFailures of them, oldest first. */
  private readonly failureTimes: number[] = [];

  constructor(private readonly minFailures: number) {}

  get state(): unknown {
    return this.rate.state;
  }

  set state(value: unknown) {
    this.rate.state = value;
  }

  success(state: CircuitState): void {
    // A successful probe closes the circuit on a clean slate, as SamplingBreaker's own window.
    if (state === CircuitState.HalfOpen) this.failureTimes.length = 0;
    this.rate.success(state);
  }

  failure(state: CircuitState): boolean {
    const opensByRate = this.rate.failure(state);
    const now = Date.now();
    this.failureTimes.push(now);
    if (this.failureTimes.length > this.minFailures) this.failureTimes.shift();
    if (state !== CircuitState.Closed) return opensByRate;
    const oldest = this.failureTimes[0];
    const enoughFailures = this.failureTimes.length >= this.minFailures && oldest !== undefined && oldest > now - BREAKER_SAMPLING_WINDOW_MS;
    return opensByRate && enoughFailures;
  }
}

/** The breaker of the coordinator's scanner clients. */
export function createScannerCircuitBreaker(options: ScannerBreakerOptions): ScannerBreaker {
  return new ScannerBreaker(options);
}
