// The metrics of one calendar or diagonal at its front expiry T1 (docs/architecture.md,
// "Calendars and diagonals"), per share: P/L(S1) = V(S1) + net credit, with V from
// position-value.ts and ln S1 ~ N(ln F1 − σ²T1/2, σ²T1), F1 the forward to T1 and σ the
// front expiration's σ under the query's probability model.
//
// V rises up to the short strike K1 and falls after it (position-value.ts), so over the
// price range [F1·e^(−6σ√T1), F1·e^(+6σ√T1)] the largest P/L is at K1 (or the range's end
// nearer it) and the smallest at one of the range's ends: max profit and max loss are exact,
// three Black–Scholes values. P/L has at most one root on each side of its peak, found by
// Newton's method from the peak, kept inside a bisection bracket; POP is the lognormal mass
// between them.
// EV has a closed form: E[BS_back(S1)] = e^(−rτ)·Black(F2, K2, σ²T1 + σ_back²τ), the back
// leg's payoff at T2 under one lognormal of the total variance, F2 = S·e^((r−q)T2).
//
// Hot-loop code: fields written in place, plain numbers, no allocation.
import { expectedCallFromLog, expectedPutFromLog, probabilityBelowFromLog } from "../lognormal-kernels.js";
import { positionSlope, positionValue } from "./position-value.js";

/** The price range of max profit, max loss and breakevens: this many deviations of ln S1 either side of the forward. */
export const RANGE_DEVIATIONS = 6;
/** Roots for POP are sought this far out: beyond it lies under 1e-32 of the mass. */
const ROOT_WINDOW_DEVIATIONS = 12;
/** Roots are located to this relative precision in price, far below what moves POP by 1e-12. */
const ROOT_TOLERANCE = 1e-13;
const MAX_ROOT_STEPS = 200;

export class PositionAtFrontExpiry {
  // The expirations: fixed for every position of a (front, back) pair.
  private rate = 0;
  private dividendYield = 0;
  private frontYears = 0;
  /** τ = T2 − T1. */
  private gapYears = 0;
  private frontForward = 0;
  private logFrontForward = 0;
  private backForward = 0;
  private logBackForward = 0;
  private rateDiscountOverGap = 1;
  // The front σ: fixed per expiration pair, or per short leg under PROBABILITY_MODEL_SHORT_LEG_IV.
  private frontVariance = 0;
  /** σ√T1. */
  deviation = 0;
  rangeLow = 0;
  rangeHigh = 0;
  private windowLow = 0;
  private windowHigh = 0;
  // The position.
  private isCall = true;
  private shortStrike = 0;
  private longStrike = 0;
  private backVolatility = 0;
  private net = 0;

  // Results, per share.
  maxProfit = 0;
  maxLoss = 0;
  /** Within the price range; NaN when P/L has no root there on that side of its peak. */
  breakevenLow = Number.NaN;
  breakevenHigh = Number.NaN;
  pop = 0;
  expectedValue = 0;

  /** Starts a (front, back) pair of expirations; times in years from the chain's as-of, backYears > frontYears. */
  setExpiries(spot: number, rate: number, dividendYield: number, frontYears: number, backYears: number): void {
    this.rate = rate;
    this.dividendYield = dividendYield;
    this.frontYears = frontYears;
    this.gapYears = backYears - frontYears;
    this.logFrontForward = Math.log(spot) + (rate - dividendYield) * frontYears;
    this.frontForward = Math.exp(this.logFrontForward);
    this.logBackForward = Math.log(spot) + (rate - dividendYield) * backYears;
    this.backForward = Math.exp(this.logBackForward);
    this.rateDiscountOverGap = Math.exp(-rate * this.gapYears);
  }

  /** Sets the front σ, the distribution's: call after setExpiries. */
  setVolatility(volatility: number): void {
    this.frontVariance = volatility * volatility * this.frontYears;
    const deviation = Math.sqrt(this.frontVariance);
    this.deviation = deviation;
    this.rangeLow = this.frontForward * Math.exp(-RANGE_DEVIATIONS * deviation);
    this.rangeHigh = this.frontForward * Math.exp(RANGE_DEVIATIONS * deviation);
    this.windowLow = this.frontForward * Math.exp(-ROOT_WINDOW_DEVIATIONS * deviation);
    this.windowHigh = this.frontForward * Math.exp(ROOT_WINDOW_DEVIATIONS * deviation);
  }

  /** Sets the position: sell the front at shortStrike, buy the back at longStrike (σ_back its implied volatility), for `net` per share. */
  setPosition(isCall: boolean, shortStrike: number, longStrike: number, backVolatility: number, net: number): void {
    this.isCall = isCall;
    this.shortStrike = shortStrike;
    this.longStrike = longStrike;
    this.backVolatility = backVolatility;
    this.net = net;
  }

  /** P/L per share at the front expiry if the price is then `price`. */
  profit(price: number): number {
    return positionValue(this.isCall, price, this.shortStrike, this.longStrike, this.gapYears, this.rate, this.dividendYield, this.backVolatility) + this.net;
  }

  /** Max profit and max loss over the price range: P/L at the short strike (clamped to the range) and at the range's ends. */
  computeExtremes(): void {
    const strike = this.shortStrike;
    const peak = strike < this.rangeLow ? this.rangeLow : strike > this.rangeHigh ? this.rangeHigh : strike;
    this.maxProfit = this.profit(peak);
    const atLow = this.profit(this.rangeLow);
    const atHigh = this.profit(this.rangeHigh);
    this.maxLoss = -(atLow < atHigh ? atLow : atHigh);
  }

  /**
   * E[P/L] per share, undiscounted, given E[intrinsic_front(S1)] (the front leg's expected
   * payoff under the front σ, frontIntrinsicExpectation below).
   */
  computeExpectedValue(frontPayoff: number): void {
    const totalDeviation = Math.sqrt(this.frontVariance + this.backVolatility * this.backVolatility * this.gapYears);
    const strike = this.longStrike;
    const logForwardOverStrike = this.logBackForward - Math.log(strike);
    const backPayoff = this.isCall
      ? expectedCallFromLog(strike, this.backForward, logForwardOverStrike, totalDeviation)
      : expectedPutFromLog(strike, this.backForward, logForwardOverStrike, totalDeviation);
    this.expectedValue = this.rateDiscountOverGap * backPayoff - frontPayoff + this.net;
  }

  /** E[intrinsic_front(S1)] of the short leg under the front σ (set it first). */
  frontIntrinsicExpectation(isCall: boolean, shortStrike: number): number {
    const logForwardOverStrike = this.logFrontForward - Math.log(shortStrike);
    return isCall
      ? expectedCallFromLog(shortStrike, this.frontForward, logForwardOverStrike, this.deviation)
      : expectedPutFromLog(shortStrike, this.frontForward, logForwardOverStrike, this.deviation);
  }

  /**
   * POP and the breakevens. P/L(S1) > 0 exactly between its root below the peak (none when
   * it is positive at the window's low end: then from 0) and its root above (none: to ∞);
   * POP is the lognormal mass of that interval. Breakevens are the roots inside the price range.
   */
  computeProbability(): void {
    const strike = this.shortStrike;
    const peak = strike < this.windowLow ? this.windowLow : strike > this.windowHigh ? this.windowHigh : strike;
    this.breakevenLow = Number.NaN;
    this.breakevenHigh = Number.NaN;
    if (!(this.profit(peak) > 0)) {
      this.pop = 0;
      return;
    }
    let below = 0;
    if (!(this.profit(this.windowLow) > 0)) {
      const root = this.root(this.windowLow, peak, false);
      below = probabilityBelowFromLog(Math.log(root) - this.logFrontForward, this.deviation);
      if (root >= this.rangeLow) this.breakevenLow = root;
    }
    let above = 1;
    if (!(this.profit(this.windowHigh) > 0)) {
      const root = this.root(peak, this.windowHigh, true);
      above = probabilityBelowFromLog(Math.log(root) - this.logFrontForward, this.deviation);
      if (root <= this.rangeHigh) this.breakevenHigh = root;
    }
    this.pop = above - below;
  }

  /**
   * The root of P/L on one side of its peak (`aboveShort`), between `low` and `high`, where it
   * changes sign once. On either side of the short strike P/L is convex (the back leg's
   * gamma), rising below the peak and falling above it, so Newton's method started at the
   * peak, where P/L is positive, steps monotonically to the root in a few iterations; the
   * bisection bracket only guards against rounding (rtsafe).
   */
  private root(low: number, high: number, aboveShort: boolean): number {
    const rising = !aboveShort;
    let x = aboveShort ? low : high;
    for (let step = 0; step < MAX_ROOT_STEPS; step++) {
      const value = this.profit(x);
      if (value === 0) return x;
      // Keep the bracket around the root: P/L is ≤ 0 at its low end when rising, at its high end when falling.
      if (value > 0 === rising) high = x;
      else low = x;
      const slope = positionSlope(this.isCall, x, aboveShort, this.longStrike, this.gapYears, this.rate, this.dividendYield, this.backVolatility);
      let next = x - value / slope;
      if (!(next > low && next < high)) next = 0.5 * (low + high);
      if (Math.abs(next - x) <= ROOT_TOLERANCE * x || high - low <= ROOT_TOLERANCE * high) return next;
      x = next;
    }
    return x;
  }
}
