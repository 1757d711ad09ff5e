// The underlying's daily implied volatility from IBKR's historical data: one reqHistoricalData
// on the stock with whatToShow OPTION_IMPLIED_VOLATILITY and daily bars (each bar's close is
// that day's 30-day implied volatility of its options), over two years so that at least 252
// trading days come back. Each request waits for the historical data pacing (historical-pacer.ts)
// and then, like every message, for the message pacer.
//
// What TWS answers and what it becomes: the bars → the history; 162 "HMDS query returned no
// data" (an underlying without options, or without IV data), 200 (no such stock) or a missing
// market data permission → undefined, the history unknown, never a failed scan; 162 "pacing
// violation" (another client of the account used the allowance), a timeout, a dropped
// connection or any other error → UNAVAILABLE, so the history cache tries again later.
import { status } from "@grpc/grpc-js";
import { BarSizeSetting, type IBApi } from "@stoqey/ib";
import type { DailyImpliedVolatility } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { RpcError, unavailable } from "../../../common/errors.js";
import type { Logger } from "../../../common/logger.js";
import type { IvHistorySource } from "../iv-history/iv-history-source.js";
import { IBKR_SOURCE } from "./chain-assembly.js";
import { ContractLookup } from "./contract-lookup.js";
import type { IbConnection } from "./ib-connection.js";
import { IbCode, RETRY_DELAY_MS } from "./ib-errors.js";
import type { HistoricalPacer } from "./historical-pacer.js";
import { Priority, type MessagePacer } from "./message-pacer.js";

/** Historical Market Data Service error: no data, a pacing violation, and other HMDS failures. */
export const HMDS_ERROR = 162;
/** Two years of daily bars: about 500 trading days, comfortably over the 252 wanted. */
export const HISTORY_DURATION = "2 Y";
const WHAT_TO_SHOW = "OPTION_IMPLIED_VOLATILITY";
/** No permission for the data: the history is unknown rather than the provider failing. */
const NO_PERMISSION_CODES: ReadonlySet<number> = new Set([354, 10089, 10090, 10091, 10168, 10186]);
/** How often one request may be re-sent after error 100 before it is given up. */
const MAX_RESENDS = 10;

export interface IbkrIvHistoryOptions {
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  /** Undefined: no historical pacing (only to show in a test that TWS then refuses). */
  readonly historicalPacer: HistoricalPacer | undefined;
  readonly lookup: ContractLookup;
  /** How long TWS may take to answer once the request is sent, ms. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly notConnected: () => RpcError;
}

type Outcome =
  { readonly kind: "bars"; readonly days: DailyImpliedVolatility[] } | { readonly kind: "none"; readonly why: string } | { readonly kind: "resend" };

export class IbkrIvHistory implements IvHistorySource {
  readonly name = IBKR_SOURCE;

  constructor(private readonly options: IbkrIvHistoryOptions) {}

  async fetchHistory(symbol: string, before: string, signal?: AbortSignal): Promise<DailyImpliedVolatility[] | undefined> {
    const { connection, lookup, historicalPacer, logger } = this.options;
    if (!connection.isReady) throw this.options.notConnected();
    let underlying;
    try {
      underlying = await lookup.underlying(symbol, signal);
    } catch (error) {
      // No such stock: nothing to know, which is not the provider failing.
      if (error instanceof RpcError && error.code === status.NOT_FOUND) return undefined;
      throw error;
    }
    const contract = ContractLookup.stock(underlying);
    for (let resends = 0; ; resends++) {
      // Identical requests are what the pacing's 15 s rule compares: the contract, the period, the data.
      await historicalPacer?.acquire(`${underlying.conId}|${WHAT_TO_SHOW}|${HISTORY_DURATION}|1 day`, signal);
      const outcome = await this.request(
        symbol,
        (reqId, api) => {
          api.reqHistoricalData(reqId, contract, "", HISTORY_DURATION, BarSizeSetting.DAYS_ONE, WHAT_TO_SHOW, 1, 1, false);
        },
        signal,
      );
      if (outcome.kind === "bars") return outcome.days.filter((day) => day.date < before);
      if (outcome.kind === "none") {
        logger.info({ symbol, why: outcome.why }, "ibkr: no implied volatility history for the symbol");
        return undefined;
      }
      this.options.pacer.rateExceeded();
      if (resends >= MAX_RESENDS)
        throw unavailable(`TWS kept refusing the IV history request for ${symbol} with error ${IbCode.MESSAGE_RATE_EXCEEDED}`, RETRY_DELAY_MS);
    }
  }

  /** One historical request: its bars, "none", or "resend" after error 100. */
  private request(symbol: string, send: (reqId: number, api: IBApi) => void, signal: AbortSignal | undefined): Promise<Outcome> {
    const { connection, pacer, timeoutMs } = this.options;
    return new Promise<Outcome>((resolve, reject) => {
      const reqId = connection.nextRequestId();
      const days: DailyImpliedVolatility[] = [];
      let settled = false;
      let sent = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (cancel: boolean): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        connection.unregister(reqId);
        signal?.removeEventListener("abort", onAbort);
        // A request TWS is still working on is cancelled, so it stops counting as open.
        if (cancel && sent) connection.send((api) => api.cancelHistoricalData(reqId));
        return true;
      };
      const fail = (error: unknown, cancel = false): void => {
        if (settle(cancel)) reject(error instanceof Error ? error : new Error(String(error)));
      };
      const onAbort = (): void => {
        fail(signal?.reason, true);
      };
      connection.register(reqId, {
        onHistoricalBar: (date, close) => {
          const day = isoDate(date);
          if (day && Number.isFinite(close) && close > 0) days.push({ date: day, impliedVolatility: close });
        },
        onHistoricalDataEnd: () => {
          if (settle(false)) {
            pacer.answered();
            resolve(days.length > 0 ? { kind: "bars", days } : { kind: "none", why: "no bars" });
          }
        },
        onError: (code, message) => {
          if (code === IbCode.MESSAGE_RATE_EXCEEDED) {
            if (settle(false)) resolve({ kind: "resend" });
            return;
          }
          if (code === HMDS_ERROR && !/pacing violation/i.test(message)) {
            if (settle(false)) resolve({ kind: "none", why: `error ${code}: ${message}` });
            return;
          }
          if (code === IbCode.NO_SECURITY_DEFINITION || NO_PERMISSION_CODES.has(code)) {
            if (settle(false)) resolve({ kind: "none", why: `error ${code}: ${message}` });
            return;
          }
          // Notices (farm status and the like) come with codes from 2000 on; the request carries on.
          if (code >= 2000 && code < 3000) return;
          fail(unavailable(`TWS refused the IV history request for ${symbol} (error ${code}): ${message}`, RETRY_DELAY_MS));
        },
        onDisconnect: () => {
          fail(unavailable(`the connection to TWS/IB Gateway dropped while asking for the IV history of ${symbol}`, RETRY_DELAY_MS));
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      pacer
        .send(
          () => {
            if (settled) return;
            if (!connection.send((api) => send(reqId, api))) {
              fail(this.options.notConnected());
              return;
            }
            sent = true;
            timer = setTimeout(() => {
              fail(unavailable(`TWS did not answer the IV history request for ${symbol} within ${timeoutMs} ms`, RETRY_DELAY_MS), true);
            }, timeoutMs);
            timer.unref();
          },
          { priority: Priority.LOOKUP, signal },
        )
        .catch(fail);
    });
  }
}

/** "20250602" (or "20250602 16:00:00 US/Eastern") → "2025-06-02"; undefined for anything else. */
function isoDate(text: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})/.exec(text.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}
