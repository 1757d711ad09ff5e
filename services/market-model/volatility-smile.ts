// The implied-volatility surface of the synthetic market: a mild term structure at the
// money and a skewed smile across strikes. Strikes are measured by log-moneyness against
// the forward over sqrt(years), so one smile shape fits every expiry: a 10%-OTM put is far
// out for a weekly and near the money for a LEAP.
import type { SymbolProfile } from "./symbol-profiles.js";

const ONE_MONTH_YEARS = 30 / 365;
/** Width of the smile's rounded bottom, in normalised moneyness: below it the smile is a parabola, beyond it the wings are straight. */
const SMILE_ROUNDING = 0.2;
/** Floor and cap relative to ATM volatility, so far wings stay believable at any expiry. */
const MIN_RELATIVE = 0.5;
const MAX_RELATIVE = 2.5;
/** No listed option trades below this volatility. */
const MIN_VOLATILITY = 0.03;

/** ATM implied volatility for an expiry `years` away. */
export function atmVolatility(profile: SymbolProfile, years: number): number {
  const level = 1 + profile.termSlope * (Math.sqrt(Math.max(years, 0)) - Math.sqrt(ONE_MONTH_YEARS));
  return Math.max(MIN_VOLATILITY, profile.atmVolatility * Math.max(MIN_RELATIVE, level));
}

/** The forward price of the underlying `years` ahead. */
export function forwardPrice(profile: SymbolProfile, spot: number, years: number): number {
  return spot * Math.exp((profile.rate - profile.dividendYield) * years);
}

/**
 * Implied volatility of the strike at log-moneyness `ln(strike / forward)`, `years` to
 * expiry: ATM volatility × (1 + skew·x + smile·(√(x² + c²) − c)) with x the log-moneyness
 * over √years. The hyperbola keeps the bottom smooth and the wings linear in x; a negative
 * skew makes the put wing steeper than the call wing, as in every equity market since 1987.
 */
export function smileVolatility(profile: SymbolProfile, logMoneyness: number, years: number): number {
  const atm = atmVolatility(profile, years);
  const x = logMoneyness / Math.sqrt(Math.max(years, 1 / (365 * 24)));
  const wing = Math.sqrt(x * x + SMILE_ROUNDING * SMILE_ROUNDING) - SMILE_ROUNDING;
  const relative = 1 + profile.skew * x + profile.smile * wing;
  return Math.max(MIN_VOLATILITY, atm * Math.min(MAX_RELATIVE, Math.max(MIN_RELATIVE, relative)));
}
