// The deadline layer: one unary call's time, the caller's signal and deadline folded into one
// signal that every layer and the attempt in flight listen to.
import { cancelled, deadlineExceeded, RpcError } from "../../common/errors.js";

/** How long the caller waits: a signal to give up early, an overall deadline. */
export interface ScannerCallOptions {
  readonly signal?: AbortSignal;
  readonly deadline?: Date;
}

// setTimeout overflows past this; a deadline further out is as good as none.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One unary call's time, and a promise that rejects when it is over. */
export class CallScope {
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  /** Rejects with the reason the caller stopped waiting; never resolves. */
  readonly ended: Promise<never>;
  private readonly controller = new AbortController();
  private readonly callerSignal: AbortSignal | undefined;
  private readonly onCallerAbort = (): void => this.controller.abort(callerAbortReason(this.callerSignal?.reason));
  private timer: NodeJS.Timeout | undefined;

  constructor({ signal, deadline }: ScannerCallOptions) {
    this.signal = this.controller.signal;
    this.callerSignal = signal;
    this.deadlineMs = deadline ? deadline.getTime() : Number.POSITIVE_INFINITY;
    if (Number.isNaN(this.deadlineMs)) throw new RangeError("the deadline is not a valid date");
    this.ended = new Promise<never>((_resolve, reject) => {
      this.signal.addEventListener("abort", () => reject(this.reason()), { once: true });
    });
    // Only ever raced; a rejection nobody is racing any more is not an error.
    this.ended.catch(() => undefined);

    if (signal?.aborted) {
      this.onCallerAbort();
      return;
    }
    signal?.addEventListener("abort", this.onCallerAbort, { once: true });
    const remainingMs = this.remainingMs();
    if (remainingMs <= 0) this.controller.abort(deadlinePassed());
    else if (remainingMs <= MAX_TIMER_MS) this.timer = setTimeout(() => this.controller.abort(deadlinePassed()), remainingMs);
  }

  remainingMs(): number {
    return this.deadlineMs - Date.now();
  }

  /** The caller aborted, or its deadline passed (even if the timer has not fired yet). */
  isOver(): boolean {
    return this.signal.aborted || this.remainingMs() <= 0;
  }

  reason(): RpcError {
    if (this.signal.aborted) {
      const reason: unknown = this.signal.reason;
      return reason instanceof RpcError ? reason : callerAbortReason(reason);
    }
    return deadlinePassed();
  }

  throwIfOver(): void {
    if (this.isOver()) throw this.reason();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.callerSignal?.removeEventListener("abort", this.onCallerAbort);
  }
}

function callerAbortReason(reason: unknown): RpcError {
  return reason instanceof RpcError ? reason : cancelled("the call to the scanner was cancelled");
}

function deadlinePassed(): RpcError {
  return deadlineExceeded("the deadline passed before the scanner answered");
}
