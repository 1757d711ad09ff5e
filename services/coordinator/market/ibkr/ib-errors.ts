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
  /** Error validating request, e.g. a generic tick list on a snapshot. */
  REQUEST_VALIDATION: 321,
  /** Error processing request, e.g. a duplicate ticker id. */
  REQUEST_PROCESSING: 322,
  /** Requested market data is not subscribed. */
  NOT_SUBSCRIBED: 354,
  /** Client id already in use: the previous session has not gone yet. */
  CLIENT_ID_IN_USE: 326,
  CONNECT_FAIL: 502,
  NOT_CONNECTED: 504,
  CONNECTIVITY_LOST: 1100,
  RESTORED_DATA_LOST: 1101,
  RESTORED: 1102,
  /** Requested market data requires an additional subscription for the API. */
  NEEDS_API_SUBSCRIPTION: 10089,
  /** Part of the requested market data is not subscribed; the rest still ticks. */
  PARTLY_SUBSCRIBED: 10090,
  /** Part of the requested market data needs an additional API subscription (OPRA for options). */
  PART_NEEDS_API_SUBSCRIPTION: 10091,
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
  /** 10167: delayed data is coming instead; keep waiting and flag the data delayed. */
  | { readonly kind: "delayed" }
  /** 100: TWS dropped the message; slow down and send it again. */
  | { readonly kind: "resend" }
  /** 101: too many lines open; give the line back, open fewer, send it again later. */
  | { readonly kind: "requeue" }
  /** 10197: the account's market data is in use by another session. */
  | { readonly kind: "competing-session" }
  /** Advisory: TWS tells us something and the request carries on (data follows). Logged. */
  | { readonly kind: "ignore" }
  /** The request failed for a reason of its own; the contract is skipped. */
  | { readonly kind: "fail" };

/**
 * The codes that end a market data request, and how. Every code not listed is advisory: TWS
 * follows 10090, 10276, 2119 and the like with data, so failing on them would throw good
 * quotes away. 354/10089/10091/10168/10186 end a request only when no data follows it; the
 * request code decides that (with delayed data asked for, 354 and 10089 precede delayed ticks).
 */
const TERMINAL_REQUEST_ERRORS: ReadonlyMap<number, RequestErrorAction> = new Map<number, RequestErrorAction>([
  [IbCode.MESSAGE_RATE_EXCEEDED, { kind: "resend" }],
  [IbCode.MAX_TICKERS, { kind: "requeue" }],
  [IbCode.NO_SECURITY_DEFINITION, { kind: "no-definition" }],
  [IbCode.REQUEST_VALIDATION, { kind: "fail" }],
  [IbCode.REQUEST_PROCESSING, { kind: "fail" }],
  [IbCode.NOT_CONNECTED, { kind: "fail" }],
  [IbCode.NOT_SUBSCRIBED, { kind: "not-subscribed" }],
  [IbCode.NEEDS_API_SUBSCRIPTION, { kind: "not-subscribed" }],
  [IbCode.PART_NEEDS_API_SUBSCRIPTION, { kind: "not-subscribed" }],
  [IbCode.DELAYED_NOT_ENABLED, { kind: "not-subscribed" }],
  [IbCode.DELAYED_NOT_AVAILABLE, { kind: "not-subscribed" }],
  [IbCode.COMPETING_SESSION, { kind: "competing-session" }],
]);

/** Codes followed by delayed data when delayed data was asked for (IB_MARKET_DATA_TYPE 3/4, or after falling back). */
const DELAYED_DATA_NOTICES: ReadonlySet<number> = new Set([IbCode.NOT_SUBSCRIBED, IbCode.NEEDS_API_SUBSCRIPTION]);

const ADVISORY: RequestErrorAction = { kind: "ignore" };

export function requestErrorAction(code: number): RequestErrorAction {
  if (code === IbCode.DELAYED_DATA) return { kind: "delayed" };
  return TERMINAL_REQUEST_ERRORS.get(code) ?? ADVISORY;
}

/** Whether `code` may be followed by delayed data on a request made with delayed data allowed. */
export function mayPrecedeDelayedData(code: number): boolean {
  return DELAYED_DATA_NOTICES.has(code);
}

/** What a message without a request id (the `info` channel) says about the connection. */
export type ConnectionNotice = "connectivity-lost" | "restored-data-lost" | "restored" | "competing-session" | "client-id-in-use" | "rate-exceeded" | "other";

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
 * 354 and kin with no data following: delayed data was not allowed, or was asked for and did not
 * come either. Options need the OPRA subscription; the underlying, a US stock/ETF subscription.
 * The message says which one was missing.
 */
export function subscriptionMissing(symbol: string, what: "option" | "stock", detail: string): RpcError {
  const needed =
    what === "option"
      ? "US options (OPRA Top of Book, 'OPRA (US Option Exchanges)')"
      : "US stocks and ETFs (e.g. 'US Securities Snapshot and Futures Value Bundle' or 'NASDAQ (Network C/UTP) TotalView' / 'NYSE (Network A/CTA)')";
  return failedPrecondition(
    `the IBKR account has no live market data subscription for ${needed}, needed for ${symbol}, and no delayed data came in its place (not allowed, or not available either): ${detail}`,
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
