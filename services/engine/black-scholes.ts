// Black–Scholes–Merton for European options on an underlying with a continuous dividend
// yield. Prices are per share; greeks use the units of market data feeds: vega per one
// volatility point (0.01), theta per calendar day (365 a year).
import { normalCdf, normalPdf } from "./normal-distribution.js";

export const CALL = 1;
export const PUT = -1;
/** +1 for a call, -1 for a put: the sign that folds put-call formulas into one. */
export type OptionSign = typeof CALL | typeof PUT;

export interface MarketInputs {
  /** Underlying price, dollars per share. */
  readonly spot: number;
  /** Risk-free rate, continuously compounded, annualised fraction. */
  readonly rate: number;
  /** Dividend yield, continuously compounded, annualised fraction. */
  readonly dividendYield: number;
  /** Time to expiry, years. */
  readonly years: number;
}

/** Price of a European option per share. */
export function optionPrice(sign: OptionSign, strike: number, volatility: number, market: MarketInputs): number {
  const { spot, rate, dividendYield, years } = market;
  const discountedSpot = spot * Math.exp(-dividendYield * years);
  const discountedStrike = strike * Math.exp(-rate * years);
  const deviation = volatility * Math.sqrt(years);
  if (!(deviation > 0)) return Math.max(0, sign * (discountedSpot - discountedStrike));
  const d1 = (Math.log(spot / strike) + (rate - dividendYield + 0.5 * volatility * volatility) * years) / deviation;
  const d2 = d1 - deviation;
  return sign * (discountedSpot * normalCdf(sign * d1) - discountedStrike * normalCdf(sign * d2));
}

export interface OptionGreeks {
  delta: number;
  gamma: number;
  /** Dollars per share per calendar day. */
  theta: number;
  /** Dollars per share per volatility point. */
  vega: number;
}

/** Writes the greeks of one option into `out` (reused by the caller to avoid allocation). */
export function optionGreeks(sign: OptionSign, strike: number, volatility: number, market: MarketInputs, out: OptionGreeks): OptionGreeks {
  const { spot, rate, dividendYield, years } = market;
  const sqrtYears = Math.sqrt(years);
  const deviation = volatility * sqrtYears;
  const dividendDiscount = Math.exp(-dividendYield * years);
  const rateDiscount = Math.exp(-rate * years);
  if (!(deviation > 0)) {
    const inTheMoney = sign * (spot - strike) > 0;
    out.delta = inTheMoney ? sign * dividendDiscount : 0;
    out.gamma = 0;
    out.theta = 0;
    out.vega = 0;
    return out;
  }
  const d1 = (Math.log(spot / strike) + (rate - dividendYield + 0.5 * volatility * volatility) * years) / deviation;
  const d2 = d1 - deviation;
  const density = normalPdf(d1);
  out.delta = sign * dividendDiscount * normalCdf(sign * d1);
  out.gamma = (dividendDiscount * density) / (spot * deviation);
  out.vega = (spot * dividendDiscount * density * sqrtYears) / 100;
  const thetaPerYear =
    (-spot * dividendDiscount * density * volatility) / (2 * sqrtYears) -
    sign * rate * strike * rateDiscount * normalCdf(sign * d2) +
    sign * dividendYield * spot * dividendDiscount * normalCdf(sign * d1);
  out.theta = thetaPerYear / 365;
  return out;
}

const MIN_VOLATILITY = 1e-4;
const MAX_VOLATILITY = 10;

/**
 * The volatility at which the model price equals `price`, to 1e-10 in price; NaN when no
 * volatility can give that price (below intrinsic value, above the no-arbitrage bound).
 * Newton's method, kept inside a bisection bracket so it cannot diverge.
 */
export function impliedVolatility(sign: OptionSign, strike: number, price: number, market: MarketInputs): number {
  if (!(price > 0) || !(market.years > 0)) return Number.NaN;
  const low = optionPrice(sign, strike, MIN_VOLATILITY, market);
  const high = optionPrice(sign, strike, MAX_VOLATILITY, market);
  if (price < low - 1e-12 || price > high) return Number.NaN;
  let lower = MIN_VOLATILITY;
  let upper = MAX_VOLATILITY;
  let volatility = 0.3;
  const greeks: OptionGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };
  for (let iteration = 0; iteration < 100; iteration++) {
    const error = optionPrice(sign, strike, volatility, market) - price;
    if (Math.abs(error) < 1e-10) return volatility;
    if (error > 0) upper = volatility;
    else lower = volatility;
    const vegaPerUnit = optionGreeks(sign, strike, volatility, market, greeks).vega * 100;
    let next = vegaPerUnit > 1e-12 ? volatility - error / vegaPerUnit : Number.NaN;
    if (!(next > lower && next < upper)) next = 0.5 * (lower + upper);
    if (upper - lower < 1e-12) return next;
    volatility = next;
  }
  return volatility;
}
