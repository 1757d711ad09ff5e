// A calendar's or diagonal's value at the front expiry T1, as a function of the underlying
// price S1 then (docs/architecture.md, "Calendars and diagonals"): the back leg, still τ =
// T2 − T1 from its own expiry, priced by Black–Scholes at its own implied volatility, less
// what the sold front leg is worth at its expiry:
//
//   V(S1) = BS(right, S1, K2, τ, r, q, σ_back) − intrinsic_front(S1)
//
// On each side of the short strike K1 the front's intrinsic value is linear, so V is smooth
// there with slope Δ_back − 1 above K1 for a call (Δ_back = e^(−qτ)·N(d1) < 1 as q ≥ 0) and
// Δ_back + 1 below K1 for a put (Δ_back > −1): V rises up to K1 and falls after it. Every
// metric of the position leans on that shape.
//
// Hot-loop code: plain numbers in and out, no allocation.
import { normalCdf } from "../normal-distribution.js";

/** Black–Scholes–Merton price per share of the back leg, τ years before its expiry (τ > 0, σ > 0). */
export function backLegPrice(isCall: boolean, price: number, strike: number, years: number, rate: number, dividendYield: number, volatility: number): number {
  const deviation = volatility * Math.sqrt(years);
  const d1 = (Math.log(price / strike) + (rate - dividendYield) * years) / deviation + 0.5 * deviation;
  const d2 = d1 - deviation;
  const discountedPrice = price * Math.exp(-dividendYield * years);
  const discountedStrike = strike * Math.exp(-rate * years);
  return isCall ? discountedPrice * normalCdf(d1) - discountedStrike * normalCdf(d2) : discountedStrike * normalCdf(-d2) - discountedPrice * normalCdf(-d1);
}

/** d(back leg price)/d(price): e^(−qτ)·N(d1) for a call, −e^(−qτ)·N(−d1) for a put. */
export function backLegDelta(isCall: boolean, price: number, strike: number, years: number, rate: number, dividendYield: number, volatility: number): number {
  const deviation = volatility * Math.sqrt(years);
  const d1 = (Math.log(price / strike) + (rate - dividendYield) * years) / deviation + 0.5 * deviation;
  const carry = Math.exp(-dividendYield * years);
  return isCall ? carry * normalCdf(d1) : -carry * normalCdf(-d1);
}

/** V(S1): the back leg's value less the front leg's intrinsic value, per share, at the front expiry. */
export function positionValue(
  isCall: boolean,
  price: number,
  shortStrike: number,
  longStrike: number,
  gapYears: number,
  rate: number,
  dividendYield: number,
  backVolatility: number,
): number {
  const back = backLegPrice(isCall, price, longStrike, gapYears, rate, dividendYield, backVolatility);
  const intrinsic = isCall ? (price > shortStrike ? price - shortStrike : 0) : price < shortStrike ? shortStrike - price : 0;
  return back - intrinsic;
}

/**
 * dV/dS1 on one side of the short strike (`aboveShort`), where the front leg's intrinsic
 * value is linear: at the strike itself the two sides' slopes differ by one.
 */
export function positionSlope(
  isCall: boolean,
  price: number,
  aboveShort: boolean,
  longStrike: number,
  gapYears: number,
  rate: number,
  dividendYield: number,
  backVolatility: number,
): number {
  const delta = backLegDelta(isCall, price, longStrike, gapYears, rate, dividendYield, backVolatility);
  if (isCall) return aboveShort ? delta - 1 : delta;
  return aboveShort ? delta : delta + 1;
}
