// The metrics of one calendar or diagonal at its front expiry T1 (docs/architecture.md,
// "Calendars and diagonals"), per share: P/L(S1) = V(S1) + net credit, where the back leg,
// still τ = T2 − T1 from its own expiry, is priced by Black–Scholes at its own implied
// volatility, less what the sold front leg is worth at its expiry,
//
//   V(S1) = BS(right, S1, K2, τ, r, q, σ_back) − intrinsic_front(S1),
//
// and ln S1 ~ N(ln F1 − σ²T1/2, σ²T1), F1 the forward to T1 and σ the front expiration's σ
// under the query's probability model.
//
// On each side of the short strike K1 the front's intrinsic value is linear, so V is smooth
// and convex there (the back leg's gamma), with slope Δ_back − 1 above K1 for a call
// (Δ_back = e^(−qτ)·N(d1) < 1 as q ≥ 0) and Δ_back + 1 below K1 for a put (Δ_back > −1): V
// rises up to K1 and falls after it. So over the price range [F1·e^(−6σ√T1), F1·e^(+6σ√T1)]
// the largest P/L is at K1 (or the range's end nearer it) and the smallest at one of the
// range's ends: max profit and max loss are exact, three Black–Scholes values. P/L has at
// most one root on each side of its peak, found by Newton's method from the peak, kept
// inside a bisection bracket; POP is the lognormal mass between them. EV has a closed form:
// E[BS_back(S1)] = e^(−rτ)·Black(F2, K2, σ²T1 + σ_back²τ), the back leg's payoff at T2 under
// one lognormal of the total variance, F2 = S·e^((r−q)T2).
//
// Hot-loop code: fields written in place, plain numbers, no allocation. The Black–Scholes
// value is a method reading the position's fields, not a function of eight numbers: V8 boxes
// each number passed to a call it does not inline.
import { expectedCallFromLog, expectedPutFromLog, probabilityBelowFromLog } from "../lognormal-kernels.js";
import { normalCdf } from "../normal-distribution.js";

/** The price range of max profit, max loss and breakevens: this many deviations of ln S1 either side of the forward. */
export const RANGE_DEVIATIONS = 6;
/** Roots for POP are sought this far out: beyond it lies under 1e-32 of the mass. */
const ROOT_WINDOW_DEVIATIONS = 12;
/** Roots are located to this relative precision in price, far below what moves POP by 1e-12. */
const ROOT_TOLERANCE = 1e-13;
const MAX_ROOT_STEPS = 200;
/** The farthest the price range or the root window reaches from the forward, in log: e^±600. */
const MAX_LOG_DISTANCE = 600;
/** Added to the POP ceiling against rounding in the chords' roots (about 1e-16 of a price). */
const POP_CEILING_MARGIN = 1e-12;
/** Regula falsi steps that tighten each chord of the POP ceiling, one Black–Scholes value each. */
const CHORD_STEPS = 3;

export class PositionAtFrontExpiry {
  // The expirations: fixed for every position of a (front, back) pair.
  private frontYears = 0;
  /** τ = T2 − T1. */
  private gapYears = 0;
  private frontForward = 0;
  private logFrontForward = 0;
  private backForward = 0;
  private logBackForward = 0;
  private rateDiscountOverGap = 1;
  /** e^(−qτ) and (r − q)·τ, for the back leg's Black–Scholes value. */
  private carryOverGap = 1;
  private driftOverGap = 0;
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
  /** σ_back·√τ, ln K2 and K2·e^(−rτ). */
  private backDeviation = 0;
  private logLongStrike = 0;
  private discountedLongStrike = 0;

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
    this.frontYears = frontYears;
    this.gapYears = backYears - frontYears;
    this.logFrontForward = Math.log(spot) + (rate - dividendYield) * frontYears;
    this.frontForward = Math.exp(this.logFrontForward);
    this.logBackForward = Math.log(spot) + (rate - dividendYield) * backYears;
    this.backForward = Math.exp(this.logBackForward);
    this.rateDiscountOverGap = Math.exp(-rate * this.gapYears);
    this.carryOverGap = Math.exp(-dividendYield * this.gapYears);
    this.driftOverGap = (rate - dividendYield) * this.gapYears;
  }

  /** Sets the front σ, the distribution's: call after setExpiries. */
  setVolatility(volatility: number): void {
    this.frontVariance = volatility * volatility * this.frontYears;
    const deviation = Math.sqrt(this.frontVariance);
    this.deviation = deviation;
    // Capped in log so that no price overflows to ∞ or underflows to 0, which only a σ√T1
    // above 50 (1000% a year for 25 years) would reach.
    const range = Math.min(RANGE_DEVIATIONS * deviation, MAX_LOG_DISTANCE);
    const window = Math.min(ROOT_WINDOW_DEVIATIONS * deviation, MAX_LOG_DISTANCE);
    this.rangeLow = this.frontForward * Math.exp(-range);
    this.rangeHigh = this.frontForward * Math.exp(range);
    this.windowLow = this.frontForward * Math.exp(-window);
    this.windowHigh = this.frontForward * Math.exp(window);
  }

  /** Sets the position: sell the front at shortStrike, buy the back at longStrike (σ_back its implied volatility), for `net` per share. */
  setPosition(isCall: boolean, shortStrike: number, longStrike: number, backVolatility: number, net: number): void {
    this.isCall = isCall;
    this.shortStrike = shortStrike;
    this.longStrike = longStrike;
    this.backVolatility = backVolatility;
    this.net = net;
    this.backDeviation = backVolatility * Math.sqrt(this.gapYears);
    this.logLongStrike = Math.log(longStrike);
    this.discountedLongStrike = longStrike * this.rateDiscountOverGap;
  }

  /** P/L per share at the front expiry if the price is then `price`. */
  profit(price: number): number {
    return this.backPriceAt(price) - this.intrinsicAt(price) + this.net;
  }

  /** d1 of the back leg's Black–Scholes formula with the underlying at `price` at the front expiry. */
  private backD1(price: number): number {
    const deviation = this.backDeviation;
    return (Math.log(price) - this.logLongStrike + this.driftOverGap) / deviation + 0.5 * deviation;
  }

  /**
   * dP/L/dS1 on one side of the short strike (`aboveShort`), where the front leg's intrinsic
   * value is linear: at the strike itself the two sides' slopes differ by one.
   */
  private slopeAt(price: number, aboveShort: boolean): number {
    const d1 = this.backD1(price);
    if (this.isCall) return this.carryOverGap * normalCdf(d1) - (aboveShort ? 1 : 0);
    return -this.carryOverGap * normalCdf(-d1) + (aboveShort ? 0 : 1);
  }

  /** The back leg's price at the front expiry if the underlying is then `price` (Black–Scholes–Merton, τ before its expiry). */
  backPriceAt(price: number): number {
    const d1 = this.backD1(price);
    const d2 = d1 - this.backDeviation;
    const carried = price * this.carryOverGap;
    return this.isCall
      ? carried * normalCdf(d1) - this.discountedLongStrike * normalCdf(d2)
      : this.discountedLongStrike * normalCdf(-d2) - carried * normalCdf(-d1);
  }

  /** The front leg's intrinsic value at its expiry if the underlying is then `price`. */
  private intrinsicAt(price: number): number {
    const strike = this.shortStrike;
    return this.isCall ? (price > strike ? price - strike : 0) : price < strike ? strike - price : 0;
  }

  /**
   * Max profit and max loss over the price range: P/L at the short strike (clamped to the
   * range) and at the range's ends, given the back leg's prices there (backPriceAt of
   * rangeLow and rangeHigh: a caller holding them for this σ and back leg saves two
   * Black–Scholes values).
   */
  computeExtremes(backAtRangeLow: number, backAtRangeHigh: number): void {
    const strike = this.shortStrike;
    const peak = strike < this.rangeLow ? this.rangeLow : strike > this.rangeHigh ? this.rangeHigh : strike;
    this.maxProfit = this.profit(peak);
    const atLow = backAtRangeLow - this.intrinsicAt(this.rangeLow) + this.net;
    const atHigh = backAtRangeHigh - this.intrinsicAt(this.rangeHigh) + this.net;
    this.profitAtRangeLow = atLow;
    this.profitAtRangeHigh = atHigh;
    this.maxLoss = -(atLow < atHigh ? atLow : atHigh);
  }

  private profitAtRangeLow = 0;
  private profitAtRangeHigh = 0;

  /**
   * An upper bound on POP without a root: on each side of the short strike P/L is convex, so
   * the chord from a point where it is ≤ 0 (a range end, then up to CHORD_STEPS chord roots
   * in turn) to the peak lies above it and crosses zero no nearer the peak than P/L does.
   * POP is at most the mass between the two last chords' roots (from 0, or to ∞, where a range end is profitable, as P/L
   * is monotone beyond). 1 when the short strike lies outside the range. A hair is added for
   * rounding, so that the bound never falls below the POP it bounds.
   */
  popCeiling(): number {
    const strike = this.shortStrike;
    if (!(strike >= this.rangeLow && strike <= this.rangeHigh)) return 1;
    const atPeak = this.maxProfit;
    if (!(atPeak > 0)) return 0;
    let below = 0;
    const atLow = this.profitAtRangeLow;
    if (!(atLow > 0)) {
      // Regula falsi from the range end: each chord's root is still at or below P/L's root
      // (convexity), so the next chord, from it to the peak, is a tighter bound.
      let from = this.rangeLow;
      let value = atLow;
      for (let step = 0; step < CHORD_STEPS; step++) {
        const chordRoot = from + ((strike - from) * -value) / (atPeak - value);
        const next = this.profit(chordRoot);
        if (next > 0) break;
        from = chordRoot;
        value = next;
      }
      below = probabilityBelowFromLog(Math.log(from + ((strike - from) * -value) / (atPeak - value)) - this.logFrontForward, this.deviation);
    }
    let above = 1;
    const atHigh = this.profitAtRangeHigh;
    if (!(atHigh > 0)) {
      let to = this.rangeHigh;
      let value = atHigh;
      for (let step = 0; step < CHORD_STEPS; step++) {
        const chordRoot = strike + ((to - strike) * atPeak) / (atPeak - value);
        const next = this.profit(chordRoot);
        if (next > 0) break;
        to = chordRoot;
        value = next;
      }
      above = probabilityBelowFromLog(Math.log(strike + ((to - strike) * atPeak) / (atPeak - value)) - this.logFrontForward, this.deviation);
    }
    return above - below + POP_CEILING_MARGIN;
  }

  /**
   * E[P/L] per share, undiscounted, given E[intrinsic_front(S1)] (the front leg's expected
   * payoff under the front σ, frontIntrinsicExpectation below).
   */
  computeExpectedValue(frontPayoff: number): void {
    const totalDeviation = Math.sqrt(this.frontVariance + this.backVolatility * this.backVolatility * this.gapYears);
    const strike = this.longStrike;
    const logForwardOverStrike = this.logBackForward - this.logLongStrike;
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
      const slope = this.slopeAt(x, aboveShort);
      let next = x - value / slope;
      if (!(next > low && next < high)) next = 0.5 * (low + high);
      if (Math.abs(next - x) <= ROOT_TOLERANCE * x || high - low <= ROOT_TOLERANCE * high) return next;
      x = next;
    }
    return x;
  }
}
