// The concurrency cap on the scanner's unary calls: so many in flight, so many more waiting,
// the rest refused at once.
import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy } from "cockatiel";
import { resourceExhausted, type RpcError } from "../../common/errors.js";

export interface ConcurrencyCapLimits {
  /** Unary calls in flight at once. */
  readonly maxConcurrentCalls: number;
  /** Calls waiting for a place; past it a call fails at once with RESOURCE_EXHAUSTED. */
  readonly maxQueuedCalls: number;
}

// A full cap drains as calls in flight finish; a second is a fair guess at when.
const CAPPED_RETRY_AFTER_MS = 1_000;

/** cockatiel calls this policy a bulkhead. */
export function concurrencyCap({ maxConcurrentCalls, maxQueuedCalls }: ConcurrencyCapLimits): BulkheadPolicy {
  return bulkhead(maxConcurrentCalls, maxQueuedCalls);
}

/** The RESOURCE_EXHAUSTED for a call the cap refused, or undefined when `error` is something else. */
export function cappedCallError(error: unknown, { maxConcurrentCalls, maxQueuedCalls }: ConcurrencyCapLimits): RpcError | undefined {
  if (!isBulkheadRejectedError(error)) return undefined;
  return resourceExhausted(`too many calls to the scanner at once: ${maxConcurrentCalls} in flight and ${maxQueuedCalls} queued`, CAPPED_RETRY_AFTER_MS);
}
