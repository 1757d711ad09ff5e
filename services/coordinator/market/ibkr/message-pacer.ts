// Every message we send to TWS waits its turn here. IBKR disconnects clients that exceed 50
// messages a second (after error 100 warnings), so the rate is a hard ceiling: the adaptive
// token bucket never goes above the configured rate, halves on error 100 and climbs back as
// requests are answered. The bucket holds one token: a burst on top of a full second of
// messages could pass 50 in one second, which is the one thing we must never do.
import { Pacer } from "../../pacing/index.js";

/**
 * Who goes first when several wait: keeping the session tidy, then live feeds, then lookups,
 * then quote requests, and last the re-quotes of contracts a live feed cannot stream, which
 * spend only what the others leave.
 */
export const Priority = {
  REQUOTE: -1,
  QUOTE: 0,
  LOOKUP: 1,
  FEED: 2,
  CONTROL: 3,
} as const;

/** IBKR's documented limit: more messages per second than this and TWS disconnects us. */
export const IBKR_MAX_MESSAGES_PER_SECOND = 50;

export interface MessagePacerOptions {
  readonly maxMessagesPerSecond: number;
  /** How long a message may expect to wait before being refused with RESOURCE_EXHAUSTED; default 120 s. */
  readonly maxWaitMs?: number;
  /** Messages allowed to wait; default 20 000. */
  readonly maxQueue?: number;
  /** Milliseconds, monotonic; performance.now by default. */
  readonly now?: () => number;
}

export interface SendOptions {
  readonly priority: number;
  readonly signal?: AbortSignal | undefined;
}

const DEFAULT_MAX_WAIT_MS = 120_000;
/**
 * Answers count toward climbing back at most this often. The adaptive step (5% of the ceiling
 * per success) would otherwise undo a halving within a second of answers and run straight back
 * into the limit that caused it; this way the rate recovers over a few seconds.
 */
const RECOVERY_STEP_MS = 250;
const DEFAULT_MAX_QUEUE = 20_000;

export class MessagePacer {
  readonly pacing: Pacer;
  private readonly now: () => number;
  private sent = 0;
  private lastRecoveryAt = Number.NEGATIVE_INFINITY;

  constructor(options: MessagePacerOptions) {
    const rate = options.maxMessagesPerSecond;
    if (!(rate > 0 && rate <= IBKR_MAX_MESSAGES_PER_SECOND)) {
      throw new RangeError(`maxMessagesPerSecond must be above 0 and at most ${IBKR_MAX_MESSAGES_PER_SECOND} (IBKR's limit), got ${rate}`);
    }
    this.now = options.now ?? (() => performance.now());
    this.pacing = new Pacer({
      strategy: "adaptive",
      requestsPerSecond: rate,
      burstSize: 1,
      maxQueue: options.maxQueue ?? DEFAULT_MAX_QUEUE,
      maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      // Outcomes are recorded with a zero duration: a message is answered in a few ms to a few
      // s depending on what it asks, which says nothing about the pacing. Only error 100 slows
      // us down; the target latency stays at its default, where it spaces successive halvings.
      now: this.now,
    });
  }

  /**
   * Waits for the message's turn, then runs `send` (which must send exactly one message, or
   * nothing). Rejects like Pacer.acquire: the signal's reason, RESOURCE_EXHAUSTED
   * when the queue is too long, UNAVAILABLE once closed.
   */
  async send<T>(send: () => T, options: SendOptions): Promise<T> {
    await this.pacing.acquire({ priority: options.priority, ...(options.signal ? { signal: options.signal } : {}) });
    this.sent++;
    return send();
  }

  /** TWS answered with error 100: the adaptive rate halves. */
  rateExceeded(): void {
    this.pacing.recordRequest({ duration: 0, success: false, queueTime: 0 });
  }

  /** TWS answered a request: the adaptive rate may climb back toward the ceiling (one step per RECOVERY_STEP_MS). */
  answered(): void {
    const at = this.now();
    if (at - this.lastRecoveryAt < RECOVERY_STEP_MS) return;
    this.lastRecoveryAt = at;
    this.pacing.recordRequest({ duration: 0, success: true, queueTime: 0 });
  }

  /** Messages granted so far. */
  get messagesSent(): number {
    return this.sent;
  }

  /** The current rate, messages per second. */
  get rate(): number {
    return this.pacing.metrics().adaptiveRate;
  }

  close(): void {
    this.pacing.close();
  }
}
