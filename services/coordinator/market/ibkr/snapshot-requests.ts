// Market data snapshots, one contract each, within IBKR's limits: a request first takes a
// line from the cap (a snapshot holds one until TWS ends it), then waits for its turn at
// the message pacer, then is sent; TWS's answer, its silence, or the socket dropping decide
// what happens to it. The library gives a snapshot no timeout, so each gets its own, counted
// from when it was sent: a contract TWS never finishes is skipped, not waited on forever.
//
// Nothing is lost to pacing: error 100 (TWS dropped the message) slows the pacer and sends
// the request again; error 101 (too many lines) lowers the line cap and queues it again.
import type { Contract } from "@stoqey/ib";
import type { Logger } from "../../../common/logger.js";
import { cancelMarketData } from "./cancel-market-data.js";
import type { IbConnection } from "./ib-connection.js";
import { requestErrorAction } from "./ib-errors.js";
import type { LineCap, LineLease } from "./line-cap.js";
import { Priority, type MessagePacer } from "./message-pacer.js";
import { QuoteTicks } from "./quote-ticks.js";

export type SnapshotOutcome =
  | { readonly kind: "done"; readonly ticks: QuoteTicks; readonly at: Date }
  /** Error 200: no such contract (the secdef strikes are a union over expirations). */
  | { readonly kind: "no-definition"; readonly message: string }
  | { readonly kind: "timeout" }
  /** 354 and kin, and switching to delayed data was not allowed or did not help. */
  | { readonly kind: "not-subscribed"; readonly code: number; readonly message: string }
  | { readonly kind: "competing-session"; readonly message: string }
  | { readonly kind: "disconnected" }
  /** Any other error, or too many resends. */
  | { readonly kind: "failed"; readonly code: number; readonly message: string };

export interface SnapshotCounters {
  sent: number;
  done: number;
  timedOut: number;
  noDefinition: number;
  failed: number;
  /** Re-sent after error 100. */
  resent: number;
  /** Re-queued after error 101. */
  requeued: number;
}

export interface SnapshotRequestsOptions {
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  readonly lines: LineCap;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** The market's clock, for the time a snapshot completed. */
  readonly now: () => Date;
  /**
   * Error 354 (not subscribed): resolves true once delayed data has been requested instead
   * (the request is then sent again), false when that is not allowed.
   */
  readonly onNotSubscribed: () => Promise<boolean>;
  /** How often one request may be re-sent or re-queued before it is given up; default 25. */
  readonly maxRetries?: number;
}

export interface SnapshotOptions {
  readonly priority?: number;
  readonly signal?: AbortSignal | undefined;
}

type Attempt =
  | SnapshotOutcome
  | { readonly kind: "resend" }
  | { readonly kind: "requeue" }
  | { readonly kind: "retry-delayed"; readonly code: number; readonly message: string };

const DEFAULT_MAX_RETRIES = 25;

export class SnapshotRequests {
  readonly counters: SnapshotCounters = { sent: 0, done: 0, timedOut: 0, noDefinition: 0, failed: 0, resent: 0, requeued: 0 };
  private readonly options: SnapshotRequestsOptions;

  constructor(options: SnapshotRequestsOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError(`snapshot timeoutMs must be positive, got ${options.timeoutMs}`);
    this.options = options;
  }

  /**
   * One snapshot of `contract`. Resolves with what came of it (skips are outcomes, not
   * errors); rejects only with the signal's reason, or the pacer's refusal (a queue too long).
   */
  async snapshot(contract: Contract, options: SnapshotOptions = {}): Promise<SnapshotOutcome> {
    const { lines, pacer } = this.options;
    const maxRetries = this.options.maxRetries ?? DEFAULT_MAX_RETRIES;
    let notSubscribedRetried = false;
    for (let retries = 0; ; retries++) {
      options.signal?.throwIfAborted();
      const lease = await lines.acquire(options.signal);
      const attempt = await this.attempt(contract, lease, options);
      switch (attempt.kind) {
        case "resend":
          pacer.rateExceeded();
          this.counters.resent++;
          break;
        case "requeue":
          lines.reduce();
          this.counters.requeued++;
          break;
        case "retry-delayed":
          // Once: if delayed data is refused too, TWS answers 354 again and that is final.
          if (notSubscribedRetried || !(await this.options.onNotSubscribed())) {
            return { kind: "not-subscribed", code: attempt.code, message: attempt.message };
          }
          notSubscribedRetried = true;
          break;
        default:
          return attempt;
      }
      if (retries >= maxRetries) {
        this.counters.failed++;
        return { kind: "failed", code: 0, message: `gave up after ${retries + 1} attempts refused by TWS pacing` };
      }
    }
  }

  /** One send of the request and its answer. Always gives the line back (at once, or after a cancel). */
  private attempt(contract: Contract, lease: LineLease, options: SnapshotOptions): Promise<Attempt> {
    const { connection, pacer, lines, timeoutMs } = this.options;
    const signal = options.signal;
    return new Promise<Attempt>((resolve, reject) => {
      const reqId = connection.nextRequestId();
      const ticks = new QuoteTicks();
      let sent = false;
      let settled = false;
      let answered = false;
      let timer: NodeJS.Timeout | undefined;

      const cleanUp = (): void => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        connection.unregister(reqId);
      };
      const finish = (attempt: Attempt): void => {
        if (settled) return;
        cleanUp();
        lease.release();
        resolve(attempt);
      };
      // TWS still holds the line for a request it has not ended: cancel it first, then free ours.
      const cancelThen = (then: () => void): void => {
        if (!sent) {
          lease.release();
          then();
          return;
        }
        void cancelMarketData(connection, pacer, reqId).then(() => {
          lease.release();
          then();
        });
      };
      const onAbort = (): void => {
        if (settled) return;
        cleanUp();
        cancelThen(() => {
          reject(signal?.reason as Error);
        });
      };
      const noteAnswer = (): void => {
        if (answered) return;
        answered = true;
        pacer.answered();
      };

      connection.register(reqId, {
        onTickPrice: (field, value) => {
          noteAnswer();
          ticks.price(field, value);
        },
        onTickSize: (field, value) => {
          noteAnswer();
          ticks.size(field, value);
        },
        onOptionComputation: (field, computation) => {
          noteAnswer();
          ticks.optionComputation(field, computation);
        },
        onMarketDataType: (type) => {
          ticks.marketDataType(type);
        },
        onSnapshotEnd: () => {
          noteAnswer();
          this.counters.done++;
          lines.recordSuccess();
          finish({ kind: "done", ticks, at: this.options.now() });
        },
        onError: (code, message) => {
          const action = requestErrorAction(code);
          switch (action.kind) {
            case "delayed":
              ticks.marketDataType(3);
              return;
            case "ignore":
              return;
            case "resend":
              finish({ kind: "resend" });
              return;
            case "requeue":
              finish({ kind: "requeue" });
              return;
            case "no-definition":
              this.counters.noDefinition++;
              finish({ kind: "no-definition", message });
              return;
            case "not-subscribed":
              finish({ kind: "retry-delayed", code, message });
              return;
            case "competing-session":
              finish({ kind: "competing-session", message });
              return;
            case "fail":
              this.counters.failed++;
              this.options.logger.debug({ code, message, contract: describe(contract) }, "ibkr: snapshot failed; contract skipped");
              finish({ kind: "failed", code, message });
              return;
          }
        },
        onDisconnect: () => {
          finish({ kind: "disconnected" });
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });

      pacer
        .send(
          () => {
            if (settled) return;
            if (!connection.send((api) => api.reqMktData(reqId, contract, "", true, false))) {
              finish({ kind: "disconnected" });
              return;
            }
            sent = true;
            this.counters.sent++;
            timer = setTimeout(() => {
              if (settled) return;
              cleanUp();
              this.counters.timedOut++;
              cancelThen(() => {
                resolve({ kind: "timeout" });
              });
            }, timeoutMs);
            timer.unref();
          },
          { priority: options.priority ?? Priority.SNAPSHOT, signal },
        )
        .catch((error: unknown) => {
          if (settled) return;
          cleanUp();
          lease.release();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  }
}

function describe(contract: Contract): string {
  return [contract.symbol, contract.secType, contract.lastTradeDateOrContractMonth, contract.strike, contract.right]
    .filter((part) => part !== undefined)
    .join(" ");
}
