// Where today's implied volatility stands against the underlying's own past year: IV rank and
// IV percentile (scan_result.proto, MarketContext), from the daily history the chain carries.

/** The trading days a year of history holds: IV rank and percentile look back this far. */
export const STANDING_WINDOW_DAYS = 252;
/** Fewer days of history than this leave IV rank and percentile unknown: never 0. */
export const STANDING_MIN_DAYS = 200;

export interface VolatilityStanding {
  /** (now − low) / (high − low) over the window and now; undefined when unknown. */
  readonly ivRank: number | undefined;
  /** The share of the window's days below now; undefined when unknown. */
  readonly ivPercentile: number | undefined;
  /** Days of history in the window (at most STANDING_WINDOW_DAYS). */
  readonly days: number;
  /** Lowest and highest of the window's days; undefined with no history. */
  readonly low: number | undefined;
  readonly high: number | undefined;
}

/**
 * IV rank and percentile of `now` (the 30-day at-the-money σ; undefined when unknown) against
 * `history`, the daily values before now, oldest first: the last STANDING_WINDOW_DAYS of them
 * are the window. Now counts in the rank's low and high, so that the rank stays in [0, 1]; a
 * flat window (high equals low) ranks 0.5.
 */
export function volatilityStanding(history: readonly number[], now: number | undefined): VolatilityStanding {
  const window = history.slice(Math.max(0, history.length - STANDING_WINDOW_DAYS));
  const days = window.length;
  if (days === 0) return { ivRank: undefined, ivPercentile: undefined, days, low: undefined, high: undefined };
  let low = Infinity;
  let high = -Infinity;
  for (const value of window) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (now === undefined || days < STANDING_MIN_DAYS) return { ivRank: undefined, ivPercentile: undefined, days, low, high };
  const rankLow = Math.min(low, now);
  const rankHigh = Math.max(high, now);
  const ivRank = rankHigh === rankLow ? 0.5 : (now - rankLow) / (rankHigh - rankLow);
  let below = 0;
  for (const value of window) if (value < now) below++;
  return { ivRank, ivPercentile: below / days, days, low, high };
}
