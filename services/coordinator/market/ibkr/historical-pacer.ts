// IBKR's historical data pacing, kept before TWS has to refuse anything: at most maxRequests
// historical requests in any windowMs (60 per 10 minutes) and no request identical to one sent
// within identicalWithinMs (15 s). TWS answers a request breaking either with error 162
// ("pacing violation") and no data; here the request waits its turn instead (queued, never
// refused). Each limit is kept with marginMs to spare: TWS counts a request when it arrives,
// we when we send it, and the two clocks differ by however long the message took.
import { unavailable } from "../../../common/errors.js";

export interface HistoricalPacingLimits {
  readonly maxRequests: number;
  readonly windowMs: number;
  readonly identicalWithinMs: number;
  readonly marginMs: number;
}

/** IBKR's documented limits ("Historical Data Limitations"), with a second to spare. */
export const IBKR_HISTORICAL_LIMITS: HistoricalPacingLimits = { maxRequests: 60, windowMs: 600_000, identicalWithinMs: 15_000, marginMs: 1000 };

interface Waiter {
  readonly key: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class HistoricalPacer {
  private readonly limits: HistoricalPacingLimits;
  private readonly now: () => number;
  /** When each request within the last window went, oldest first. */
  private readonly sent: number[] = [];
  /** When a request of each key last went. */
  private readonly lastByKey = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private granted = 0;

  constructor(limits: HistoricalPacingLimits = IBKR_HISTORICAL_LIMITS, now: () => number = () => performance.now()) {
    if (!(Number.isInteger(limits.maxRequests) && limits.maxRequests >= 1))
      throw new RangeError(`maxRequests must be a positive integer, got ${limits.maxRequests}`);
    for (const name of ["windowMs", "identicalWithinMs", "marginMs"] as const) {
      if (!(limits[name] >= 0 && Number.isFinite(limits[name]))) throw new RangeError(`${name} must be a non-negative number, got ${limits[name]}`);
    }
    this.limits = limits;
    this.now = now;
  }

  /** Requests waiting for their turn now. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Requests let through so far. */
  get requestsGranted(): number {
    return this.granted;
  }

  /**
   * Resolves when a request identified by `key` (what makes two requests identical) may be
   * sent, and counts it as sent. Waiters go in order of arrival, except that one held only by
   * the identical-request rule does not hold up the others. Rejects with the signal's reason
   * when it aborts, UNAVAILABLE once closed.
   */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(unavailable("the IBKR historical data pacer is closed"));
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        key,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
          this.schedule();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(unavailable("the IBKR historical data pacer is closed"));
    }
  }

  /** Lets through every waiter that may go now, then sleeps until the next one may. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const now = this.now();
      this.forget(now);
      const index = this.waiters.findIndex((waiter) => this.readyAt(waiter.key, now) <= now);
      if (index < 0) break;
      const [waiter] = this.waiters.splice(index, 1);
      if (!waiter) break;
      this.sent.push(now);
      this.lastByKey.set(waiter.key, now);
      this.granted++;
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.waiters.length === 0 || this.timer !== undefined) return;
    const now = this.now();
    const next = Math.min(...this.waiters.map((waiter) => this.readyAt(waiter.key, now)));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(next - now)),
    );
    this.timer.unref();
  }

  /** When a request of `key` may go: once the window has room and the identical rule allows it. */
  private readyAt(key: string, now: number): number {
    const { maxRequests, windowMs, identicalWithinMs, marginMs } = this.limits;
    const windowFree = this.sent.length >= maxRequests ? (this.sent[this.sent.length - maxRequests] ?? now) + windowMs + marginMs : now;
    const last = this.lastByKey.get(key);
    const identicalFree = last === undefined ? now : last + identicalWithinMs + marginMs;
    return Math.max(windowFree, identicalFree);
  }

  /** Drops what no longer limits anything. */
  private forget(now: number): void {
    const { windowMs, identicalWithinMs, marginMs } = this.limits;
    while (this.sent.length > 0 && (this.sent[0] ?? now) <= now - windowMs - marginMs) this.sent.shift();
    for (const [key, at] of this.lastByKey) if (at <= now - identicalWithinMs - marginMs) this.lastByKey.delete(key);
  }
}
