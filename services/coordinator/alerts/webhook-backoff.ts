// How long a webhook waits after its nth failed attempt: cockatiel's exponential backoff with
// decorrelated jitter, capped. The attempt count lives in the outbox row (a restart must not
// reset it), so the delay is cockatiel's chain replayed to that attempt.
import { ExponentialBackoff } from "cockatiel";

export interface WebhookBackoffSettings {
  /** The first retry's delay, milliseconds. */
  readonly initialDelayMs: number;
  /** The longest delay between two attempts, milliseconds. */
  readonly maxDelayMs: number;
}

export const DEFAULT_WEBHOOK_BACKOFF: WebhookBackoffSettings = { initialDelayMs: 1000, maxDelayMs: 10 * 60_000 };

/** The delay before the attempt that follows `failedAttempts` (1 or more) failures, milliseconds. */
export function webhookRetryDelay(failedAttempts: number, { initialDelayMs, maxDelayMs }: WebhookBackoffSettings): number {
  let backoff = new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs }).next();
  // Past ~40 attempts the delay sits at the cap anyway; the replay stays short.
  for (let attempt = 1; attempt < Math.min(failedAttempts, 40); attempt++) backoff = backoff.next(undefined);
  return Math.min(backoff.duration, maxDelayMs);
}
