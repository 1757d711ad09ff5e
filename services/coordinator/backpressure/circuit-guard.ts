// The circuit breaker in front of the coordinator's dependencies, and the translation of its
// refusals into errors the wire understands: an open circuit is UNAVAILABLE with the time until
// the next probe, never cockatiel's untyped BrokenCircuitError.
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  isBrokenCircuitError,
  isIsolatedCircuitError,
  isTaskCancelledError,
  type IDisposable,
} from "cockatiel";
import { type RpcError, unavailable } from "../../common/errors.js";

export interface CircuitGuardOptions {
  /** Consecutive failures that open the circuit. */
  readonly threshold: number;
  /** How long the circuit stays open before one probe is let through. */
  readonly halfOpenAfterMs: number;
  /** Retry hint while a probe is in flight: about how long the dependency takes to answer. */
  readonly probeRetryMs: number;
}

export class CircuitGuard {
  readonly breaker: CircuitBreakerPolicy;
  // cockatiel times the open state with Date.now(), so the retry hint must use the same clock
  // (not the handler's injectable one) to match when a probe is really let through.
  private openedAt = Number.NEGATIVE_INFINITY;
  private readonly onBreak: IDisposable;

  constructor(private readonly options: CircuitGuardOptions) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.threshold),
    });
    this.onBreak = this.breaker.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  /** Open, half-open (a probe in flight) or held open: anything but closed. */
  get isOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  /** Why work must not start now, or undefined when it may (closed, or a probe is due). */
  refusal(): RpcError | undefined {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return undefined;
      case CircuitState.Open: {
        const untilProbe = this.msUntilHalfOpen();
        return untilProbe > 0 ? this.openError(untilProbe) : undefined;
      }
      case CircuitState.HalfOpen:
        // cockatiel would park the caller behind the probe, holding its grant for as long as
        // the probe takes; answering at once keeps the open circuit fast to fail.
        return unavailable("circuit breaker half-open: a probe is in flight", this.options.probeRetryMs);
      case CircuitState.Isolated:
        return unavailable("circuit breaker held open", this.options.halfOpenAfterMs);
    }
  }

  /** The error to give the caller for what `breaker.execute` threw. */
  translate(error: unknown, signal: AbortSignal | undefined): unknown {
    if (isBrokenCircuitError(error)) {
      return this.openError(Math.max(1, this.msUntilHalfOpen()));
    }
    if (isIsolatedCircuitError(error)) {
      return unavailable("circuit breaker held open", this.options.halfOpenAfterMs);
    }
    if (isTaskCancelledError(error) && signal?.aborted === true) {
      return signal.reason;
    }
    return error;
  }

  dispose(): void {
    this.onBreak.dispose();
  }

  private msUntilHalfOpen(): number {
    return Math.max(0, Math.ceil(this.openedAt + this.options.halfOpenAfterMs - Date.now()));
  }

  private openError(retryDelayMs: number): RpcError {
    return unavailable(`circuit breaker open after ${this.options.threshold} consecutive failures`, retryDelayMs);
  }
}
