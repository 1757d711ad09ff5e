// A loop that tries until it works or is stopped, waiting a doubling delay between attempts.
import { BackoffSequence } from "../../../common/backoff.js";

export interface RetryOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Ends the loop (and any wait) when aborted. */
  readonly signal: AbortSignal;
  /** Each failure, before the wait (not called once the signal has aborted). */
  readonly onFailure: (error: unknown) => void;
}

/** Runs `attempt` until it resolves or the signal aborts; never rejects. */
export async function retryUntilStopped(attempt: () => Promise<void>, options: RetryOptions): Promise<void> {
  const { signal } = options;
  // A function, so the check after an await is not narrowed away by the loop's condition.
  const stopped = (): boolean => signal.aborted;
  const backoff = new BackoffSequence({ initialDelayMs: options.initialDelayMs, maxDelayMs: options.maxDelayMs, jitter: "none" });
  while (!stopped()) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (stopped()) return;
      options.onFailure(error);
      await pause(backoff.next(), signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
