// What an IbkrMarket is configured with (from the IB_* variables), checked once when it is
// made, and what it reports of itself.
import type { Logger } from "../../../common/logger.js";
import type { FetchCounts } from "./chain-fetch.js";
import type { HistoricalPacingLimits } from "./historical-pacer.js";
import type { ConnectionState } from "./ib-connection.js";
import { IBKR_MAX_MESSAGES_PER_SECOND } from "./message-pacer.js";
import type { QuoteCounters } from "./quote-requests.js";

/** TWS's market data types: 1 live, 2 frozen, 3 delayed, 4 delayed-frozen. */
export type IbMarketDataType = 1 | 2 | 3 | 4;

export interface IbkrMarketOptions {
  /** IB_HOST: where TWS or IB Gateway listens. */
  readonly host: string;
  /** IB_PORT: 7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live. */
  readonly port: number;
  /** IB_CLIENT_ID: unique among the API clients of that TWS/Gateway. */
  readonly clientId: number;
  /** IB_MARKET_DATA_TYPE: 1 (the default) or 2, live and frozen after the close; 3 or 4, delayed and delayed-frozen (market-data-type.ts). */
  readonly marketDataType: IbMarketDataType;
  /** IB_MAX_LINES (default 90): open market data requests at once, below the account's 100. */
  readonly maxLines: number;
  /** IB_MAX_MSG_PER_SEC (default 45): messages per second to TWS; at most 50. */
  readonly maxMessagesPerSecond: number;
  /** IB_LOOKUP_TIMEOUT: how long a contract lookup (conId, option parameters), or the wait for the first session, may take, ms. */
  readonly lookupTimeoutMs: number;
  /**
   * IB_QUOTE_WAIT: how long one quote request may wait for what its quote needs (bid, ask, a
   * computation, open interest) before it ends with what it has, ms; default 4000.
   */
  readonly quoteWaitMs?: number;
  readonly logger: Logger;
  /** The market clock: chains' as-of and DTE. Defaults to the system clock. */
  readonly now?: () => Date;
  /**
   * IB_FROZEN_DATA (default true): ask TWS for frozen (or delayed-frozen) data, so that outside
   * trading hours chains carry the close's quotes, flagged frozen. False: live (or delayed) only,
   * and a fetch outside trading hours fails FAILED_PRECONDITION naming the closed market.
   */
  readonly frozenData?: boolean;
  /** On error 354 with live data configured, switch to delayed data (default true) instead of failing FAILED_PRECONDITION. */
  readonly allowDelayedFallback?: boolean;
  /** A feed delivers at most one chain per this many ms; default 1000. */
  readonly feedIntervalMs?: number;
  /** The most contracts one fetch requests (nearest the money kept); default 400. */
  readonly maxContracts?: number;
  /** Risk-free rate put on the chains (TWS gives none); default 0.045. */
  readonly riskFreeRate?: number;
  /** Volatility assumed for an expiration whose at-the-money options gave none; default 0.3. */
  readonly defaultVolatility?: number;
  /** Half-width of the strike window in standard deviations; default 2.5. */
  readonly strikeWindowDeviations?: number;
  /** Reconnect backoff: first delay (default 250 ms), doubling up to the max (default 10 s). */
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** How long fetches fail fast after error 10197 before trying again; default 30 s. */
  readonly competingSessionBackoffMs?: number;
  /** How long a fetch waits for TWS's market data farms to report OK (2119 → 2104) before failing UNAVAILABLE; default 30 s. */
  readonly farmWaitMs?: number;
  /**
   * A live feed's first wait before trying again (a start that failed, lines TWS stopped with
   * 10197), doubling up to 30 s; default 1 s.
   */
  readonly feedRetryDelayMs?: number;
  /**
   * Historical data pacing (IV history requests): IBKR's limits by default (60 per 10 minutes,
   * no identical request within 15 s, a second to spare); tests reach them sooner with smaller
   * ones, and "off" sends unpaced, only to show that TWS then refuses (error 162).
   */
  readonly historicalPacing?: HistoricalPacingLimits | "off";
  /** How long a historical data request may wait for its answer once sent, ms; default 30 s. */
  readonly historicalTimeoutMs?: number;
}

export interface IbkrMarketStats {
  readonly connection: ConnectionState;
  readonly marketDataDown: boolean;
  /** What IB_MARKET_DATA_TYPE (or the fallback to delayed data) made it: 1 to 4. */
  readonly marketDataType: IbMarketDataType;
  /** What was asked of TWS with reqMarketDataType: always the frozen variant, 2 or 4. */
  readonly requestedMarketDataType: number;
  readonly messagesSent: number;
  readonly messageRate: number;
  readonly openLines: number;
  readonly lineLimit: number;
  readonly maxOpenLines: number;
  readonly feeds: number;
  readonly quotes: Readonly<QuoteCounters>;
  readonly lastFetch: Readonly<FetchCounts> | undefined;
}

/** Throws a RangeError naming every option out of range. */
export function validateIbkrMarketOptions(options: IbkrMarketOptions): void {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  check(typeof options.host === "string" && options.host.length > 0, "host must be a non-empty string");
  check(Number.isInteger(options.port) && options.port > 0 && options.port < 65536, "port must be an integer from 1 to 65535");
  check(Number.isInteger(options.clientId) && options.clientId >= 0, "clientId must be a non-negative integer");
  check([1, 2, 3, 4].includes(options.marketDataType), "marketDataType must be 1 (live), 2 (frozen), 3 (delayed) or 4 (delayed-frozen)");
  check(Number.isInteger(options.maxLines) && options.maxLines >= 2, "maxLines must be an integer of at least 2");
  check(
    Number.isFinite(options.maxMessagesPerSecond) && options.maxMessagesPerSecond > 0 && options.maxMessagesPerSecond <= IBKR_MAX_MESSAGES_PER_SECOND,
    `maxMessagesPerSecond must be above 0 and at most ${IBKR_MAX_MESSAGES_PER_SECOND} (IBKR disconnects above that)`,
  );
  check(Number.isFinite(options.lookupTimeoutMs) && options.lookupTimeoutMs > 0, "lookupTimeoutMs must be a positive number");
  check(options.quoteWaitMs === undefined || (Number.isFinite(options.quoteWaitMs) && options.quoteWaitMs > 0), "quoteWaitMs must be a positive number");
  check(
    options.feedIntervalMs === undefined || (Number.isFinite(options.feedIntervalMs) && options.feedIntervalMs >= 0),
    "feedIntervalMs must be a non-negative number",
  );
  check(options.maxContracts === undefined || (Number.isInteger(options.maxContracts) && options.maxContracts >= 1), "maxContracts must be a positive integer");
  if (problems.length > 0) throw new RangeError(`invalid IBKR market options: ${problems.join("; ")}`);
}
