// Where a market data provider's daily implied volatility history comes from: the simulated
// market's model, or IBKR's historical data. Provider-neutral, so the coordinator caches,
// stores and attaches every provider's history in one way (iv-history-cache.ts,
// attach-iv-history.ts).
import type { DailyImpliedVolatility } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { isCalendarDate } from "../../../engine/new-york-time.js";
import { MAX_VOLATILITY } from "../../../engine/resolved-query.js";

export interface IvHistorySource {
  /** What the history's `source` says: "simulated", "ibkr". */
  readonly name: string;
  /**
   * The underlying's daily 30-day ATM implied volatility on the trading days before `before`
   * (a New York date, YYYY-MM-DD), ascending; undefined when the source has none for it (a
   * symbol without options, no data): the history is then unknown, which is no failure.
   * Rejects only when the source could not answer now (disconnected, refused, timed out).
   */
  fetchHistory(symbol: string, before: string, signal?: AbortSignal): Promise<DailyImpliedVolatility[] | undefined>;
}

/** The most days a history keeps: a year of trading days is what IV rank and percentile read. */
export const MAX_HISTORY_DAYS = 252;

/**
 * What a source answered, cleaned: calendar dates strictly before `before`, volatilities the
 * engine accepts (above 0, at most MAX_VOLATILITY: a broker's stray bar must not make the
 * scanner refuse the whole chain), one per date (the last wins), ascending, the last
 * MAX_HISTORY_DAYS of them.
 */
export function cleanHistory(days: readonly DailyImpliedVolatility[], before: string): DailyImpliedVolatility[] {
  const byDate = new Map<string, number>();
  for (const day of days) {
    const usable = Number.isFinite(day.impliedVolatility) && day.impliedVolatility > 0 && day.impliedVolatility <= MAX_VOLATILITY;
    if (isCalendarDate(day.date) && day.date < before && usable) byDate.set(day.date, day.impliedVolatility);
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(-MAX_HISTORY_DAYS)
    .map(([date, impliedVolatility]) => ({ date, impliedVolatility }));
}
