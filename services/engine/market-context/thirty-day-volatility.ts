// The underlying's 30-day at-the-money implied volatility, from the expirations around 30 days
// (scan_result.proto, MarketContext.atm_implied_volatility_30d).

/** The horizon of the headline volatility: 30 days, in years of 365 days. */
export const THIRTY_DAYS_YEARS = 30 / 365;

/** One expiration's at-the-money σ and its time to expiry. */
export interface ExpiryVolatilityPoint {
  readonly expiryDate: string;
  readonly years: number;
  readonly volatility: number;
}

export interface ThirtyDayVolatility {
  readonly volatility: number;
  /** The expirations it was read from, ascending: two when interpolated, else one. */
  readonly expiries: readonly string[];
}

/**
 * Linear in total variance σ²·T between the latest expiration before 30 days and the earliest
 * at or after it (by time to expiry), read at T = 30/365: total variance grows with the horizon,
 * σ does not, so interpolating σ itself would bend the term structure. With expirations on one
 * side only, the nearest one's σ. `points` ascending by expiry; undefined when there is none.
 */
export function thirtyDayVolatility(points: readonly ExpiryVolatilityPoint[]): ThirtyDayVolatility | undefined {
  let before: ExpiryVolatilityPoint | undefined;
  let after: ExpiryVolatilityPoint | undefined;
  for (const point of points) {
    if (point.years < THIRTY_DAYS_YEARS) before = point;
    else if (after === undefined) after = point;
  }
  if (before === undefined && after === undefined) return undefined;
  if (before === undefined || after === undefined) {
    const only = (before ?? after) as ExpiryVolatilityPoint;
    return { volatility: only.volatility, expiries: [only.expiryDate] };
  }
  const varianceBefore = before.volatility * before.volatility * before.years;
  const varianceAfter = after.volatility * after.volatility * after.years;
  const weight = (THIRTY_DAYS_YEARS - before.years) / (after.years - before.years);
  const variance = varianceBefore + weight * (varianceAfter - varianceBefore);
  return { volatility: Math.sqrt(variance / THIRTY_DAYS_YEARS), expiries: [before.expiryDate, after.expiryDate] };
}
