// Quotes for fetches, one contract each, as short streaming requests (snapshot=false): TWS's
// snapshots end only when every default field has come or after about 11 s (an option with no
// trade today never sends a last), and refuse generic ticks, so open interest (generic tick
// 101) comes only on a stream. A request ends as soon as it has what the quote needs (see
// QuoteNeeds), or at its own short wait with whatever it had; either way it is cancelled at
// TWS through the pacer before its line is given back.
//
// A farm that breaks mid-session (2103) leaves TWS silent on every request until it is back
// (2104): a request's wait pauses meanwhile and starts again in full once the farm serves, so
// the silence drops no contract (the fetch's own bound is the farm wait, in IbkrMarket).
//
// Within IBKR's limits: a request first takes a line from the cap, then waits for its turn at
// the message pacer. Nothing is lost to pacing: error 100 (TWS dropped the message) slows the
// pacer and sends it again; error 101 (too many lines) lowers the line cap and queues it again.
import type { Contract } from "@stoqey/ib";
import type { Logger } from "../../../common/logger.js";
import { cancelMarketData } from "./cancel-market-data.js";
import type { IbConnection } from "./ib-connection.js";
import { mayPrecedeDelayedData, requestErrorAction } from "./ib-errors.js";
import type { LineCap, LineLease } from "./line-cap.js";
import type { MarketDataFarms } from "./market-data-farms.js";
import { Priority, type MessagePacer } from "./message-pacer.js";
import { QuoteTicks } from "./quote-ticks.js";

/** What a quote needs before its request may end early. */
export type QuoteNeeds =
  /** The underlying: bid and ask, and a price to go by (a sane bid/ask, a last or a close). */
  | { readonly kind: "stock" }
  /** An option: bid and ask (−1 included), the model's computation and one usable record, and open interest when asked. */
  | { readonly kind: "option"; readonly right: "C" | "P"; readonly openInterest: boolean };

export type QuoteOutcome =
  /** `complete` false: the wait ended first, and these are the ticks it had. */
  | { readonly kind: "done"; readonly ticks: QuoteTicks; readonly at: Date; readonly complete: boolean }
  /** Error 200: no such contract (the secdef strikes are a union over expirations). */
  | { readonly kind: "no-definition"; readonly message: string }
  /** Nothing at all came within the wait. */
  | { readonly kind: "timeout" }
  /** 354 and kin with no data following, and switching to delayed data was not allowed or did not help. */
  | { readonly kind: "not-subscribed"; readonly code: number; readonly message: string }
  | { readonly kind: "competing-session"; readonly message: string }
  | { readonly kind: "disconnected" }
  /** A terminal error of the request's own, or too many resends. */
  | { readonly kind: "failed"; readonly code: number; readonly message: string };

export interface QuoteCounters {
  sent: number;
  /** Ended early with everything the quote needs. */
  done: number;
  /** Ended by the wait, keeping what had come. */
  partial: number;
  /** Ended by the wait with nothing at all. */
  timedOut: number;
  noDefinition: number;
  failed: number;
  /** Re-sent after error 100. */
  resent: number;
  /** Re-queued after error 101. */
  requeued: number;
  /** Advisory codes logged while the request carried on. */
  advisories: number;
  /** Requests asking for open interest (generic tick 101). */
  openInterestAsked: number;
  /** Time such requests stayed open for open interest alone, after the rest of the quote had come, ms in all. */
  openInterestWaitMs: number;
  /** Waits paused because a market data farm stopped serving while the request was out. */
  farmPauses: number;
}

export interface QuoteRequestsOptions {
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  readonly lines: LineCap;
  /** How long a request may wait for what its quote needs, from being sent; paused while a farm is not serving. */
  readonly waitMs: number;
  /** TWS's market data farms: while one is not serving, waits pause. Absent: they never do. */
  readonly farms?: MarketDataFarms;
  readonly logger: Logger;
  /** The market's clock, for the time a quote completed. */
  readonly now: () => Date;
  /** Whether the session asks TWS for delayed data (type 3/4): then 354 or 10089 may precede delayed ticks. */
  readonly delayedRequested: () => boolean;
  /**
   * Error 354 (not subscribed) on live data: resolves true once delayed data has been requested
   * instead (the request is then sent again), false when that is not allowed.
   */
  readonly onNotSubscribed: () => Promise<boolean>;
  /** How often one request may be re-sent or re-queued before it is given up; default 25. */
  readonly maxRetries?: number;
}

export interface QuoteRequestOptions {
  readonly needs: QuoteNeeds;
  readonly priority?: number;
  readonly signal?: AbortSignal | undefined;
}

type Attempt =
  | QuoteOutcome
  | { readonly kind: "resend" }
  | { readonly kind: "requeue" }
  | { readonly kind: "retry-delayed"; readonly code: number; readonly message: string };

const DEFAULT_MAX_RETRIES = 25;
/** Generic tick 101: option open interest (ticks 27 and 28). */
const OPEN_INTEREST_TICKS = "101";

export function zeroQuoteCounters(): QuoteCounters {
  return {
    sent: 0,
    done: 0,
    partial: 0,
    timedOut: 0,
    noDefinition: 0,
    failed: 0,
    resent: 0,
    requeued: 0,
    advisories: 0,
    openInterestAsked: 0,
    openInterestWaitMs: 0,
    farmPauses: 0,
  };
}

export class QuoteRequests {
  readonly counters: QuoteCounters = zeroQuoteCounters();
  private readonly options: QuoteRequestsOptions;

  constructor(options: QuoteRequestsOptions) {
    if (!(options.waitMs > 0)) throw new RangeError(`quote waitMs must be positive, got ${options.waitMs}`);
    this.options = options;
  }

  /**
   * One quote of `contract`. Resolves with what came of it (skips are outcomes, not errors);
   * rejects only with the signal's reason, or the pacer's refusal (a queue too long).
   */
  async quote(contract: Contract, options: QuoteRequestOptions): Promise<QuoteOutcome> {
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
          // Once: with delayed data asked for, a request that still gets no data is final.
          if (notSubscribedRetried || !(await this.options.onNotSubscribed())) {
            this.counters.failed++;
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

  /** One send of the request and its answer. Always gives the line back: at once if TWS never opened it, else after a cancel. */
  private attempt(contract: Contract, lease: LineLease, options: QuoteRequestOptions): Promise<Attempt> {
    const { connection, pacer, lines, waitMs, logger, farms } = this.options;
    const { signal, needs } = options;
    const genericTicks = needs.kind === "option" && needs.openInterest ? OPEN_INTEREST_TICKS : "";
    return new Promise<Attempt>((resolve, reject) => {
      const reqId = connection.nextRequestId();
      const ticks = new QuoteTicks();
      let sent = false;
      let settled = false;
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      let stopWatchingFarms: (() => void) | undefined;
      /** When the quote had all it needs but open interest (performance.now), for the counters. */
      let restCameAt: number | undefined;
      /** A 354/10089 that delayed data may still follow (the session asks for delayed data). */
      let pendingRefusal: { readonly code: number; readonly message: string } | undefined;

      const cleanUp = (): void => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        stopWatchingFarms?.();
        signal?.removeEventListener("abort", onAbort);
        connection.unregister(reqId);
      };
      /** Ends the request: cancelled at TWS (when it was sent and TWS holds it), then the line is freed. */
      const end = (attempt: Attempt, cancel: boolean): void => {
        if (settled) return;
        cleanUp();
        if (!sent || !cancel) {
          lease.release();
          resolve(attempt);
          return;
        }
        void cancelMarketData(connection, pacer, reqId).then(() => {
          lease.release();
          resolve(attempt);
        });
      };
      const onAbort = (): void => {
        if (settled) return;
        cleanUp();
        const release = (): void => {
          lease.release();
          reject(signal?.reason as Error);
        };
        if (!sent) release();
        else void cancelMarketData(connection, pacer, reqId).then(release);
      };
      const noteOpenInterestWait = (): void => {
        if (restCameAt !== undefined) this.counters.openInterestWaitMs += performance.now() - restCameAt;
      };
      const ticked = (): void => {
        if (!answered) {
          answered = true;
          pacer.answered();
        }
        if (settled) return;
        if (needs.kind === "option" && needs.openInterest && restCameAt === undefined && hasWhatItNeeds(ticks, { ...needs, openInterest: false })) {
          restCameAt = performance.now();
        }
        if (!hasWhatItNeeds(ticks, needs)) return;
        noteOpenInterestWait();
        this.counters.done++;
        lines.recordSuccess();
        end({ kind: "done", ticks, at: this.options.now(), complete: true }, true);
      };
      /** The wait runs only while every farm serves: TWS says nothing on any request otherwise. */
      const startWait = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (farms !== undefined && !farms.ready) return;
        timer = setTimeout(waitEnded, waitMs);
        timer.unref();
      };
      const waitEnded = (): void => {
        if (settled) return;
        if (!ticks.empty) {
          noteOpenInterestWait();
          this.counters.partial++;
          end({ kind: "done", ticks, at: this.options.now(), complete: false }, true);
        } else if (pendingRefusal) {
          this.counters.failed++;
          end({ kind: "not-subscribed", ...pendingRefusal }, true);
        } else {
          this.counters.timedOut++;
          end({ kind: "timeout" }, true);
        }
      };

      connection.register(reqId, {
        onTickPrice: (field, value) => {
          ticks.price(field, value);
          ticked();
        },
        onTickSize: (field, value) => {
          ticks.size(field, value);
          ticked();
        },
        onOptionComputation: (field, computation) => {
          ticks.optionComputation(field, computation);
          ticked();
        },
        onMarketDataType: (type) => {
          ticks.marketDataType(type);
        },
        onError: (code, message) => {
          if (settled) return;
          const action = requestErrorAction(code);
          switch (action.kind) {
            case "delayed":
              this.counters.advisories++;
              ticks.delayedNotice();
              return;
            case "ignore":
              this.counters.advisories++;
              logger.info({ code, message, contract: describe(contract) }, "ibkr: advisory on a quote request; carrying on");
              return;
            case "resend":
              // TWS dropped the message: it holds no line for it.
              end({ kind: "resend" }, false);
              return;
            case "requeue":
              end({ kind: "requeue" }, false);
              return;
            case "no-definition":
              this.counters.noDefinition++;
              end({ kind: "no-definition", message }, true);
              return;
            case "not-subscribed":
              if (mayPrecedeDelayedData(code) && this.options.delayedRequested()) {
                // With delayed data asked for, TWS says 354/10089 and then sends delayed ticks: wait for them.
                pendingRefusal = { code, message };
                return;
              }
              end({ kind: "retry-delayed", code, message }, true);
              return;
            case "competing-session":
              end({ kind: "competing-session", message }, true);
              return;
            case "fail":
              this.counters.failed++;
              logger.debug({ code, message, contract: describe(contract) }, "ibkr: quote request failed; contract skipped");
              end({ kind: "failed", code, message }, true);
              return;
          }
        },
        onDisconnect: () => {
          // The session is gone and every line with it: nothing to cancel.
          end({ kind: "disconnected" }, false);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });

      pacer
        .send(
          () => {
            if (settled) return;
            if (!connection.send((api) => api.reqMktData(reqId, contract, genericTicks, false, false))) {
              end({ kind: "disconnected" }, false);
              return;
            }
            sent = true;
            this.counters.sent++;
            if (genericTicks) this.counters.openInterestAsked++;
            stopWatchingFarms = farms?.watch((ready) => {
              if (settled) return;
              if (!ready) this.counters.farmPauses++;
              startWait();
            });
            startWait();
          },
          { priority: options.priority ?? Priority.QUOTE, signal },
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

/** Whether the request has everything its quote needs and may end now. */
export function hasWhatItNeeds(ticks: QuoteTicks, needs: QuoteNeeds): boolean {
  if (!ticks.hasBidAndAsk) return false;
  if (needs.kind === "stock") return ticks.spot !== undefined;
  // The model's record is the best; wait for it even when a quote record came first.
  if (!ticks.hasModelRecord || ticks.computationRecord === undefined) return false;
  return !needs.openInterest || ticks.openInterest(needs.right) !== undefined;
}

function describe(contract: Contract): string {
  return [contract.symbol, contract.secType, contract.lastTradeDateOrContractMonth, contract.strike, contract.right]
    .filter((part) => part !== undefined)
    .join(" ");
}
