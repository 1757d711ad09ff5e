// What each IBKR message code means for us: what to do with the request it names, what it
// says about the connection, and which RpcError a caller finally sees. TWS sends warnings,
// pacing violations and outright failures through the same error channel; @stoqey/ib
// delivers those with a request id on `error` and those without one (connectivity,
// farm status) on `info`, so both paths end here.
import { failedPrecondition, notFound, unavailable, type RpcError } from "../../../common/errors.js";

export const IbCode = {
  /** Max rate of messages per second has been exceeded. */
  MESSAGE_RATE_EXCEEDED: 100,
  /** Max number of tickers has been reached. */
  MAX_TICKERS: 101,
  /** No security definition has been found for the request. */
  NO_SECURITY_DEFINITION: 200,
  /** Can't find EId with ticker id: a cancel for a request TWS has already finished. */
  UNKNOWN_TICKER: 300,
  /** Error processing request, e.g. a duplicate ticker id. */
  REQUEST_PROCESSING: 322,
  /** Requested market data is not subscribed. */
  NOT_SUBSCRIBED: 354,
  /** Client id already in use: the previous session has not gone yet. */
  CLIENT_ID_IN_USE: 326,
  CONNECT_FAIL: 502,
  NOT_CONNECTED: 504,
  CONNECTIVITY_LOST: 1100,
  /** Market data farm connection is broken (requests wait until it is OK again). */
  FARM_BROKEN: 2103,
  /** Market data farm connection is OK. */
  FARM_OK: 2104,
  /** Market data farm connection is inactive but should be available upon demand. */
  FARM_INACTIVE: 2108,
  /** Market data farm is connecting: TWS holds market data requests until it is OK. */
  FARM_CONNECTING: 2119,
  RESTORED_DATA_LOST: 1101,
  RESTORED: 1102,
  /** Requested market data requires an additional subscription for the API. */
  NEEDS_API_SUBSCRIPTION: 10089,
  /** Part of the requested market data is not subscribed; the rest still ticks. */
  PARTLY_SUBSCRIBED: 10090,
  /** Requested market data is not subscribed; displaying delayed market data. */
  DELAYED_DATA: 10167,
  /** Not subscribed, and delayed market data is not enabled. */
  DELAYED_NOT_ENABLED: 10168,
  /** Not subscribed, and delayed market data is not available. */
  DELAYED_NOT_AVAILABLE: 10186,
  /** No market data during a competing live session (the account is logged in elsewhere). */
  COMPETING_SESSION: 10197,
} as const;

/** What to do with a request TWS answered with an error. */
export type RequestErrorAction =
  /** 200: the contract does not exist; skip it and count it. For the underlying: NOT_FOUND. */
  | { readonly kind: "no-definition" }
  /** 354 and kin: no subscription for live data; fall back to delayed data, or fail. */
  | { readonly kind: "not-subscribed" }
  /** 10167: delayed data is coming instead; keep waiting and flag the chain delayed. */
  | { readonly kind: "delayed" }
  /** 100: TWS dropped the message; slow down and send it again. */
  | { readonly kind: "resend" }
  /** 101: too many lines open; give the line back, open fewer, send it again later. */
  | { readonly kind: "requeue" }
  /** 10197: the account's market data is in use by another session. */
  | { readonly kind: "competing-session" }
  /** A warning about a request that still proceeds. */
  | { readonly kind: "ignore" }
  /** The request failed for a reason of its own; the contract is skipped. */
  | { readonly kind: "fail" };

export function requestErrorAction(code: number): RequestErrorAction {
  switch (code) {
    case IbCode.NO_SECURITY_DEFINITION:
      return { kind: "no-definition" };
    case IbCode.NOT_SUBSCRIBED:
    case IbCode.NEEDS_API_SUBSCRIPTION:
    case IbCode.DELAYED_NOT_ENABLED:
    case IbCode.DELAYED_NOT_AVAILABLE:
      return { kind: "not-subscribed" };
    case IbCode.DELAYED_DATA:
      return { kind: "delayed" };
    case IbCode.MESSAGE_RATE_EXCEEDED:
      return { kind: "resend" };
    case IbCode.MAX_TICKERS:
      return { kind: "requeue" };
    case IbCode.COMPETING_SESSION:
      return { kind: "competing-session" };
    case IbCode.PARTLY_SUBSCRIBED:
    case IbCode.UNKNOWN_TICKER:
      return { kind: "ignore" };
    default:
      // 2100–2199 are warnings (farm status, "API client has been unsubscribed") even when
      // TWS attaches a request id to them.
      return code >= 2100 && code < 2200 ? { kind: "ignore" } : { kind: "fail" };
  }
}

/** What a message without a request id (the `info` channel) says about the connection. */
export type ConnectionNotice =
  | "connectivity-lost"
  | "restored-data-lost"
  | "restored"
  | "competing-session"
  | "client-id-in-use"
  | "rate-exceeded"
  | "farm-connecting"
  | "farm-broken"
  | "farm-ok"
  | "other";

export function connectionNotice(code: number): ConnectionNotice {
  switch (code) {
    case IbCode.CONNECTIVITY_LOST:
      return "connectivity-lost";
    case IbCode.RESTORED_DATA_LOST:
      return "restored-data-lost";
    case IbCode.RESTORED:
      return "restored";
    case IbCode.COMPETING_SESSION:
      return "competing-session";
    case IbCode.CLIENT_ID_IN_USE:
      return "client-id-in-use";
    case IbCode.MESSAGE_RATE_EXCEEDED:
      return "rate-exceeded";
    case IbCode.FARM_CONNECTING:
      return "farm-connecting";
    case IbCode.FARM_BROKEN:
      return "farm-broken";
    case IbCode.FARM_OK:
    case IbCode.FARM_INACTIVE:
      return "farm-ok";
    default:
      return "other";
  }
}

/** What a caller waits before retrying while IBKR is unreachable (google.rpc.RetryInfo). */
export const RETRY_DELAY_MS = 5000;

export function symbolNotFound(symbol: string, detail?: string): RpcError {
  return notFound(`IBKR has no security definition for ${JSON.stringify(symbol)} (a US stock or ETF on SMART in USD)${detail ? `: ${detail}` : ""}`);
}

export function noOptionsListed(symbol: string): RpcError {
  return notFound(`IBKR lists no options for ${JSON.stringify(symbol)}`);
}

/**
 * 354 with delayed data not allowed. Options need the OPRA subscription; the underlying, a US
 * stock/ETF subscription. The message says which one was missing.
 */
export function subscriptionMissing(symbol: string, what: "option" | "stock", detail: string): RpcError {
  const needed =
    what === "option"
      ? "US options (OPRA Top of Book, 'OPRA (US Option Exchanges)')"
      : "US stocks and ETFs (e.g. 'US Securities Snapshot and Futures Value Bundle' or 'NASDAQ (Network C/UTP) TotalView' / 'NYSE (Network A/CTA)')";
  return failedPrecondition(
    `the IBKR account has no live market data subscription for ${needed}, needed for ${symbol}, and delayed data is not allowed (IB_MARKET_DATA_TYPE=1): ${detail}`,
  );
}

export function competingSession(detail: string): RpcError {
  return unavailable(`IBKR serves no market data while a competing live session is logged in with the same username (error 10197): ${detail}`, RETRY_DELAY_MS);
}

export function connectivityLost(): RpcError {
  return unavailable("IBKR market data is down: TWS/IB Gateway lost its connection to IBKR's servers (code 1100)", RETRY_DELAY_MS);
}

export function notConnected(host: string, port: number): RpcError {
  return unavailable(`not connected to TWS/IB Gateway at ${host}:${port}; reconnecting`, RETRY_DELAY_MS);
}

export function providerClosed(): RpcError {
  return unavailable("the IBKR market data provider is closed");
}
