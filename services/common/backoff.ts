// The one backoff every reconnect and retry waits by: cockatiel's exponential backoff,
// each user giving its own limits. Policies (retry, breaker) take the factory; a loop that
// reconnects by hand walks a BackoffSequence.
import { decorrelatedJitterGenerator, ExponentialBackoff, noJitterGenerator, type GeneratorFn, type IBackoff, type IBackoffFactory } from "cockatiel";

/**
 * How the delays spread: "decorrelated" (cockatiel's decorrelated jitter, for many callers
 * that must not retry in step), "none" (doubling exactly), or a fraction f: each doubled
 * delay scaled by a random factor in [1 − f, 1 + f], then rounded.
 */
export type BackoffJitter = "decorrelated" | "none" | number;

export interface BackoffLimits {
  /** The first delay, ms (with "decorrelated", the scale of the first delays). */
  readonly initialDelayMs: number;
  /** No delay is longer, ms. */
  readonly maxDelayMs: number;
  readonly jitter?: BackoffJitter;
}

/** The factory cockatiel's policies take (retry's `backoff`, the breaker's `halfOpenAfter`). */
export function exponentialBackoff(limits: BackoffLimits): IBackoffFactory<unknown> {
  const jitter = limits.jitter ?? "decorrelated";
  return new ExponentialBackoff<unknown>({
    initialDelay: limits.initialDelayMs,
    maxDelay: limits.maxDelayMs,
    generator: generatorFor(jitter),
  });
}

/** Successive delays for a loop that retries by hand: next() after each failure, reset() after a success. */
export class BackoffSequence {
  private step: IBackoff<unknown> | undefined;

  constructor(private readonly limits: BackoffLimits) {}

  /** The delay before the next attempt, ms. */
  next(): number {
    this.step = this.step ? this.step.next(undefined) : exponentialBackoff(this.limits).next(undefined);
    return this.step.duration;
  }

  /** Starts again from the first delay. */
  reset(): void {
    this.step = undefined;
  }
}

function generatorFor(jitter: BackoffJitter): GeneratorFn<unknown> {
  if (jitter === "decorrelated") return decorrelatedJitterGenerator as GeneratorFn<unknown>;
  if (jitter === "none") return noJitterGenerator as GeneratorFn<unknown>;
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`jitter must be a fraction from 0 to below 1, got ${jitter}`);
  return ((attempts: number | undefined, options: Parameters<typeof noJitterGenerator>[1]) => {
    const [delay, next] = noJitterGenerator(attempts, options);
    return [Math.round(delay * (1 - jitter + 2 * jitter * Math.random())), next];
  }) as GeneratorFn<unknown>;
}
