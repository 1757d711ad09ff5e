// Paces the coordinator's outgoing work (market data requests: IBKR allows 50 messages/s and no
// more) and keeps the original design's backpressure metrics. Callers wait in one priority
// queue; a single timer, set for when the head of the queue can be served, drives the grants.
import { resourceExhausted, unavailable, type RpcError } from "../../common/errors.js";
import { createRateStrategy, type RateStrategyName } from "./create-rate-strategy.js";
import { GRANT_SLACK_MS, type RateStrategy } from "./rate-strategy.js";
import { RecentAverage } from "./recent-average.js";
import { RecentRate } from "./recent-rate.js";
import { WaiterQueue } from "./waiter-queue.js";

export type { RateStrategyName } from "./create-rate-strategy.js";

export interface PacingOptions {
  readonly strategy: RateStrategyName;
  /** REQUESTS_PER_SECOND (default 10). */
  readonly requestsPerSecond: number;
  /** BURST_SIZE (default 20): grants at once after an idle spell, for the bucket strategies. */
  readonly burstSize: number;
  /** Waiters allowed before acquire is refused; default 1000. */
  readonly maxQueue?: number;
  /** A newcomer whose expected wait is longer is refused at once; default 30 000 ms. */
  readonly maxWaitMs?: number;
  /** Adaptive only: a recent average above this halves the rate; default 1000 ms. */
  readonly targetLatencyMs?: number;
  /** Milliseconds; monotonic performance.now by default. Paces grants and metrics. */
  readonly now?: () => number;
}

export interface AcquireOptions {
  /** Higher is served first; default 0. */
  readonly priority?: number;
  /** Aborting leaves the queue at once and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface Grant {
  /** How long the caller waited in the queue, ms. */
  readonly queueTimeMs: number;
  /** Where the caller joined the queue: 1 first in line, 2 behind one, ...; 0 granted at once. */
  readonly queuePosition: number;
}

export interface RequestOutcome {
  /** ms the request took once granted. */
  readonly duration: number;
  /** False only when the dependency itself failed: that lowers the adaptive rate. */
  readonly success: boolean;
  /** ms it waited for its grant (recorded with the outcome; nothing here is derived from it). */
  readonly queueTime: number;
}

/** The pacing part of the `backpressure` block of GetMetrics (its circuit is the scanner's). */
export interface PacingMetrics {
  readonly currentQps: number;
  /** ms, over the latest requests. */
  readonly averageResponseTime: number;
  /** The adaptive strategy's current rate, or the configured rate for the others. */
  readonly adaptiveRate: number;
}

const DEFAULT_MAX_QUEUE = 1000;
const DEFAULT_MAX_WAIT_MS = 30_000;
const DEFAULT_TARGET_LATENCY_MS = 1000;
/** How many of the latest requests make `averageResponseTime`. */
const RESPONSE_TIME_SAMPLE = 100;
/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface QueuedAcquire {
  readonly priority: number;
  readonly enqueuedAt: number;
  /** Its place when it joined, from 1 (see Grant.queuePosition). */
  readonly joinedAt: number;
  readonly resolve: (grant: Grant) => void;
  readonly reject: (reason: unknown) => void;
  readonly detach: () => void;
}

export class Pacer {
  private readonly strategy: RateStrategy;
  private readonly queue = new WaiterQueue<QueuedAcquire>();
  private readonly completions: RecentRate;
  private readonly responseTimes = new RecentAverage(RESPONSE_TIME_SAMPLE);
  private readonly now: () => number;
  private readonly maxQueue: number;
  private readonly maxWaitMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: PacingOptions) {
    validate(options);
    this.now = options.now ?? (() => performance.now());
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.strategy = createRateStrategy(options.strategy, {
      requestsPerSecond: options.requestsPerSecond,
      burstSize: options.burstSize,
      targetLatencyMs: options.targetLatencyMs ?? DEFAULT_TARGET_LATENCY_MS,
      now: this.now,
    });
    this.completions = new RecentRate(this.now);
  }

  /**
   * Waits for a grant. Higher priority waiters are served first (FIFO within a priority).
   * Rejects with the signal's reason when `signal` aborts, with RESOURCE_EXHAUSTED (retry delay
   * = the expected wait) when the queue is full or the wait would exceed maxWaitMs, and with
   * UNAVAILABLE once closed.
   */
  acquire(options: AcquireOptions = {}): Promise<Grant> {
    const { signal } = options;
    const priority = options.priority !== undefined && Number.isFinite(options.priority) ? options.priority : 0;
    if (this.closed) {
      return Promise.reject(shuttingDown());
    }
    if (signal?.aborted === true) {
      return Promise.reject(abortReason(signal));
    }
    if (this.queue.length === 0 && this.strategy.delayFor(1) === 0) {
      this.strategy.take();
      return Promise.resolve({ queueTimeMs: 0, queuePosition: 0 });
    }
    const refusal = this.admission(priority);
    if (refusal !== undefined) {
      return Promise.reject(refusal);
    }
    return new Promise<Grant>((resolve, reject) => {
      const onAbort = () => {
        if (signal !== undefined && this.queue.remove(waiter)) {
          reject(abortReason(signal));
          // The head may have left: the timer must follow whoever is first now.
          this.pump();
        }
      };
      const waiter: QueuedAcquire = {
        priority,
        enqueuedAt: this.now(),
        joinedAt: this.queue.placeFor(priority) + 1,
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.add(waiter);
      this.pump();
    });
  }

  /** What happened to a granted request: feeds current_qps, average_response_time and the adaptive rate. */
  recordRequest(outcome: RequestOutcome): void {
    const duration = Number.isFinite(outcome.duration) ? Math.max(0, outcome.duration) : 0;
    this.completions.record();
    this.responseTimes.add(duration);
    if (this.strategy.onResult !== undefined) {
      this.strategy.onResult({ durationMs: duration, success: outcome.success });
      // The rate may have moved, and with it when the head of the queue is due.
      if (!this.closed) {
        this.pump();
      }
    }
  }

  /** The pacing part of the `backpressure` block of GetMetrics. */
  metrics(): PacingMetrics {
    return {
      currentQps: this.completions.perSecond(),
      averageResponseTime: this.responseTimes.value,
      adaptiveRate: this.strategy.rate,
    };
  }

  /** How many callers are waiting for a grant. */
  get queued(): number {
    return this.queue.length;
  }

  /** Rejects every waiter (UNAVAILABLE "shutting down") and stops the timer; later acquires are refused too. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.clearTimer();
    for (const waiter of this.queue.drain()) {
      waiter.detach();
      waiter.reject(shuttingDown());
    }
  }

  private admission(priority: number): RpcError | undefined {
    const place = this.queue.placeFor(priority);
    const expectedWaitMs = Math.ceil(this.strategy.delayFor(place + 1));
    if (this.queue.length >= this.maxQueue) {
      return resourceExhausted(`rate limited: ${this.queue.length} requests already waiting`, Math.max(1, expectedWaitMs));
    }
    if (expectedWaitMs > this.maxWaitMs) {
      return resourceExhausted(`rate limited: the wait would be ${expectedWaitMs} ms, over the ${this.maxWaitMs} ms allowed`, expectedWaitMs);
    }
    return undefined;
  }

  /** Serves every waiter that can be served now, then sets the one timer for the next. */
  private pump(): void {
    this.clearTimer();
    for (let head = this.queue.peek(); head !== undefined; head = this.queue.peek()) {
      const delay = this.strategy.delayFor(1);
      if (delay > 0) {
        // Whole milliseconds, rounded up so the timer never finds the grant not yet due; at
        // least 1 ms so a due-any-moment grant cannot spin.
        const timeoutMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(delay - GRANT_SLACK_MS)));
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, timeoutMs);
        this.timer.unref();
        return;
      }
      this.strategy.take();
      this.queue.shift();
      head.detach();
      head.resolve({ queueTimeMs: this.now() - head.enqueuedAt, queuePosition: head.joinedAt });
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

function shuttingDown(): RpcError {
  return unavailable("shutting down");
}

// The caller chose the reason and gets it back unchanged; it is an Error (an AbortError
// DOMException) unless they passed something else to abort(), which is theirs to expect.
function abortReason(signal: AbortSignal): Error {
  return signal.reason as Error;
}

function validate(options: PacingOptions): void {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) {
      problems.push(problem);
    }
  };
  check(Number.isFinite(options.requestsPerSecond) && options.requestsPerSecond > 0, "requestsPerSecond must be a positive number");
  check(Number.isInteger(options.burstSize) && options.burstSize >= 1, "burstSize must be an integer of at least 1");
  check(options.maxQueue === undefined || (Number.isInteger(options.maxQueue) && options.maxQueue >= 0), "maxQueue must be a non-negative integer");
  check(options.maxWaitMs === undefined || (Number.isFinite(options.maxWaitMs) && options.maxWaitMs >= 0), "maxWaitMs must be a non-negative number");
  check(
    options.targetLatencyMs === undefined || (Number.isFinite(options.targetLatencyMs) && options.targetLatencyMs > 0),
    "targetLatencyMs must be a positive number",
  );
  if (problems.length > 0) {
    throw new RangeError(`invalid pacing options: ${problems.join("; ")}`);
  }
}
