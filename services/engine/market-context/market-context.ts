// The underlying's volatility context for a scan result (scan_result.proto, MarketContext):
// each expiration's at-the-money σ and expected moves, the 30-day at-the-money σ, and where it
// stands against the daily history the chain carries. Pure: read from the prepared chain alone,
// so the scanner, the coordinator and a one-shot --chain scan all say the same.
import type { MarketContext } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { newYorkDate } from "../new-york-time.js";
import type { PreparedChain } from "../prepared-chain.js";
import { expiryContext } from "./expiry-context.js";
import { thirtyDayVolatility, type ExpiryVolatilityPoint } from "./thirty-day-volatility.js";
import { volatilityStanding } from "./volatility-standing.js";

export function marketContext(prepared: PreparedChain): MarketContext {
  const expiries = prepared.expiries.map((expiry) => expiryContext(prepared, expiry));
  const points: ExpiryVolatilityPoint[] = [];
  for (const context of expiries) {
    const volatility = context.atmImpliedVolatility;
    // An expiration at or past its close has no horizon left to read a volatility over.
    if (volatility !== undefined && context.timeToExpiryYears > 0) {
      points.push({ expiryDate: context.expiryDate, years: context.timeToExpiryYears, volatility });
    }
  }
  const thirtyDay = thirtyDayVolatility(points);
  const history = prepared.impliedVolatilityHistory;
  const standing = volatilityStanding(history ? historyBefore(history.days, newYorkDate(new Date(prepared.asOfMs))) : [], thirtyDay?.volatility);
  return {
    atmImpliedVolatility30d: thirtyDay?.volatility,
    atmImpliedVolatility30dExpiries: [...(thirtyDay?.expiries ?? [])],
    ivRank: standing.ivRank,
    ivPercentile: standing.ivPercentile,
    ivHistoryDays: standing.days,
    ivHistoryLow: standing.low,
    ivHistoryHigh: standing.high,
    ivHistorySource: history?.source ?? "",
    // The events helper fills these from the chain's calendar; unknown until then.
    eventsSource: "",
    nextEarningsDate: "",
    nextExDividendDate: "",
    expiries,
  };
}

/** The history's values dated before the chain's own date (a day's close is not history on that day), oldest first. */
function historyBefore(days: readonly { date: string; impliedVolatility: number }[], chainDate: string): number[] {
  const values: number[] = [];
  for (const day of days) if (day.date < chainDate) values.push(day.impliedVolatility);
  return values;
}
