// The retry layer: whether a failed attempt is worth another, and how long to wait first.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { handleWhen, isTaskCancelledError, retry, type IBackoff, type IBackoffFactory, type IRetryBackoffContext, type RetryPolicy } from "cockatiel";
import { exponentialBackoff } from "../../common/backoff.js";
import { RpcError } from "../../common/errors.js";
import type { Logger } from "../../common/logger.js";
import { failureOf, isFailure } from "./attempt-outcome.js";
import type { CallScope } from "./call-scope.js";
import { isRetryableError } from "./scanner-errors.js";

export interface ScannerRetryLimits {
  /** SCANNER_MAX_RETRIES: attempts after the first. */
  readonly maxRetries: number;
  /** Scale of the jittered exponential backoff between attempts, ms. */
  readonly baseDelayMs: number;
  readonly logger?: Logger | undefined;
}

const MAX_RETRY_DELAY_MS = 5_000;
// Less time than this left before the caller's deadline is not worth another attempt.
const MIN_ATTEMPT_MS = 20;

/**
 * Retries are per call: whether another attempt is worth it depends on this caller's
 * deadline. Retried: UNAVAILABLE, RESOURCE_EXHAUSTED, and DEADLINE_EXCEEDED of one attempt
 * while the caller's deadline still has room; never after the caller aborts, never when
 * the server's RetryInfo asks for a wait past the deadline (the caller then gets the
 * scanner's own error, RetryInfo included, at once instead of a late DEADLINE_EXCEEDED).
 */
export function scannerRetryPolicy(method: string, scope: CallScope, limits: ScannerRetryLimits): RetryPolicy {
  const worthAnotherAttempt = (error: unknown): boolean => {
    const remainingMs = scope.remainingMs();
    if (scope.signal.aborted || remainingMs <= MIN_ATTEMPT_MS) return false;
    // The attempt's own time limit ran out (the caller's has room, checked above).
    if (isTaskCancelledError(error)) return true;
    if (!(error instanceof RpcError) || !isRetryableError(error)) return false;
    return (error.details.retryDelayMs ?? 0) + MIN_ATTEMPT_MS < remainingMs;
  };
  const policy = retry(
    handleWhen(worthAnotherAttempt).orWhenResult((result) => isFailure(result) && worthAnotherAttempt(result.error)),
    {
      maxAttempts: limits.maxRetries,
      backoff: honouringRetryInfo(exponentialBackoff({ initialDelayMs: limits.baseDelayMs, maxDelayMs: MAX_RETRY_DELAY_MS }), scope),
    },
  );
  const logger = limits.logger;
  if (logger) {
    policy.onRetry((event) => {
      const error = failureOf(event);
      logger.warn(
        { method, attempt: event.attempt, delayMs: event.delay, code: error ? GrpcStatus[error.code] : "TIMEOUT", err: error?.message },
        "scanner call failed; retrying",
      );
    });
  }
  return policy;
}

/**
 * The backoff, stretched to the server's RetryInfo when it asks for longer, and cut at the
 * caller's deadline: sleeping past it would only hold a place under the concurrency cap.
 */
function honouringRetryInfo(steps: IBackoffFactory<IRetryBackoffContext<unknown>>, scope: CallScope): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return {
    next(context): IBackoff<IRetryBackoffContext<unknown>> {
      const step = steps.next(context);
      const advisedMs = failureOf(context.result)?.details.retryDelayMs ?? 0;
      const duration = Math.min(Math.max(step.duration, Math.ceil(advisedMs)), Math.max(0, scope.remainingMs()));
      return { duration, next: (nextContext) => honouringRetryInfo(step, scope).next(nextContext) };
    },
  };
}
