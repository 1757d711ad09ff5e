// Proof of the closed-form terminal quantities against methods that share none of their
// algebra: quadrature of the lognormal density, high-precision values for one expiration's
// per-strike terms, and the edge cases. Spreads are in spread-expectations.test.ts, touch
// probabilities in touch-probability.test.ts.
import { describe, expect, it } from "vitest";
import {
  below,
  callIntrinsic,
  callPayoff,
  describeMarket,
  forwardOf,
  lognormalExpectation,
  type Market,
  PROBABILITY_TOLERANCE,
  putIntrinsic,
  putPayoff,
  RELATIVE_PAYOFF_TOLERANCE,
  TERMINAL_MARKETS,
  touchAbove,
  touchBelow,
  touchEither,
} from "../../support/lognormal-market.js";

/** Strikes from deep in to deep out of the money, in deviations from the forward and in dollars. */
function strikesFor(m: Market): number[] {
  const deviation = m.volatility * Math.sqrt(m.years);
  return [...[-2.5, -1, 0, 1, 2.5].map((z) => forwardOf(m) * Math.exp(z * deviation)), 0.8 * m.spot, m.spot, 1.2 * m.spot];
}

describe("terminal distribution against quadrature of the lognormal density", () => {
  it("P(S_T < K) and the expected put and call payoffs", () => {
    let worstProbability = 0;
    let worstPayoff = 0;
    for (const m of TERMINAL_MARKETS) {
      for (const strike of strikesFor(m)) {
        const label = `${describeMarket(m)} K=${strike}`;
        const scale = Math.max(m.spot, forwardOf(m), strike);
        const probability = lognormalExpectation(m, (price) => (price < strike ? 1 : 0), [strike]);
        const put = lognormalExpectation(m, (price) => putIntrinsic(strike, price), [strike]);
        const call = lognormalExpectation(m, (price) => callIntrinsic(price, strike), [strike]);
        const probabilityError = Math.abs(below(m, strike) - probability);
        const payoffError = Math.max(Math.abs(putPayoff(m, strike) - put), Math.abs(callPayoff(m, strike) - call)) / scale;
        expect(probabilityError, label).toBeLessThan(PROBABILITY_TOLERANCE);
        expect(payoffError, label).toBeLessThan(RELATIVE_PAYOFF_TOLERANCE);
        worstProbability = Math.max(worstProbability, probabilityError);
        worstPayoff = Math.max(worstPayoff, payoffError);
      }
    }
    expect(worstProbability).toBeGreaterThan(0); // the comparison really ran
    expect(worstPayoff).toBeGreaterThan(0);
  });

  it("the mean of S_T is the forward", () => {
    for (const m of TERMINAL_MARKETS) {
      const mean = lognormalExpectation(m, (price) => price, []);
      expect(Math.abs(mean - forwardOf(m)) / forwardOf(m), describeMarket(m)).toBeLessThan(1e-12);
    }
  });

  it("put-call parity: E[call] − E[put] = F − K", () => {
    for (const m of TERMINAL_MARKETS) {
      for (const strike of strikesFor(m)) {
        const scale = Math.max(forwardOf(m), strike);
        const parityError = callPayoff(m, strike) - putPayoff(m, strike) - (forwardOf(m) - strike);
        expect(Math.abs(parityError) / scale, `${describeMarket(m)} K=${strike}`).toBeLessThan(1e-14);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// One distribution per expiry
// ---------------------------------------------------------------------------------------

/**
 * The skewed chain of hand-worked-spreads.test.ts: S = 100, r = 4%, 28 days and 6 hours to
 * expiry, σ = 0.21 for the whole expiration (the mean of the 100 call's 0.20 and the 100
 * put's 0.22, at the strike nearest the forward). Every spread of the expiration is summed
 * from these per-strike terms. Values from Python, mpmath 1.3 at 50 digits, written from
 * the definitions: N((ln(K/F) + s²/2)/s) with s = σ√T, the undiscounted Black payoffs, the
 * reflection principle for one barrier and the sine-series survival for two.
 */
const EXPIRY_MARKET: Market = { spot: 100, rate: 0.04, dividendYield: 0, volatility: 0.21, years: (28 * 24 + 6) / 24 / 365 };
const PER_STRIKE_TERMS: readonly { strike: number; below: number; put: number; call: number }[] = [
  { strike: 90, below: 0.033835205883446774, put: 0.06864564544079706, call: 10.378714408336148 },
  { strike: 95, below: 0.18359552897633324, put: 0.5408547714045744, call: 5.850923534299925 },
  { strike: 100, below: 0.49051413174328995, put: 2.182253447197173, call: 2.4923222100925235 },
  { strike: 105, below: 0.7914155597539003, put: 5.433463290817496, call: 0.7435320537128466 },
  { strike: 110, below: 0.946039467880727, put: 9.839944288115703, call: 0.1500130510110529 },
];

describe("one distribution per expiry: the per-strike terms at the expiration's σ", () => {
  it("P(S_T < K) and the expected payoffs of every strike", () => {
    for (const { strike, below: probability, put, call } of PER_STRIKE_TERMS) {
      expect(below(EXPIRY_MARKET, strike), `P(S_T < ${strike})`).toBeCloseTo(probability, 14);
      expect(putPayoff(EXPIRY_MARKET, strike), `put ${strike}`).toBeCloseTo(put, 13);
      expect(callPayoff(EXPIRY_MARKET, strike), `call ${strike}`).toBeCloseTo(call, 13);
    }
  });

  it("touching the short strikes of the expiration's spreads", () => {
    expect(touchBelow(EXPIRY_MARKET, 95)).toBeCloseTo(0.37205990444332265, 14);
    expect(touchAbove(EXPIRY_MARKET, 105)).toBeCloseTo(0.41169053041491666, 14);
    expect(touchEither(EXPIRY_MARKET, 95, 105)).toBeCloseTo(0.7634282673032673, 14);
  });
});

// ---------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------

describe("edge cases", () => {
  it("T = 0: everything at spot, touch only if already at or through the barrier", () => {
    const m: Market = { spot: 100, rate: 0.05, dividendYield: 0.01, volatility: 0.3, years: 0 };
    expect(forwardOf(m)).toBe(100);
    expect(below(m, 100)).toBe(0);
    expect(below(m, 100.01)).toBe(1);
    expect(below(m, 99.99)).toBe(0);
    expect(putPayoff(m, 110)).toBe(10);
    expect(putPayoff(m, 90)).toBe(0);
    expect(callPayoff(m, 90)).toBe(10);
    expect(callPayoff(m, 110)).toBe(0);
    expect(touchAbove(m, 101)).toBe(0);
    expect(touchAbove(m, 100)).toBe(1);
    expect(touchBelow(m, 99)).toBe(0);
    expect(touchBelow(m, 100)).toBe(1);
    expect(touchEither(m, 90, 110)).toBe(0);
    expect(touchEither(m, 100, 110)).toBe(1);
  });

  it("σ = 0: S_T = F and the path runs monotonically from S to F", () => {
    const rising: Market = { spot: 100, rate: 0.05, dividendYield: 0, volatility: 0, years: 1 };
    const F = forwardOf(rising); // 105.127
    expect(below(rising, 105)).toBe(0);
    expect(below(rising, 106)).toBe(1);
    expect(putPayoff(rising, 110)).toBeCloseTo(110 - F, 12);
    expect(callPayoff(rising, 100)).toBeCloseTo(F - 100, 12);
    expect(putPayoff(rising, 100)).toBe(0);
    expect(touchAbove(rising, 105)).toBe(1);
    expect(touchAbove(rising, 106)).toBe(0);
    expect(touchBelow(rising, 99)).toBe(0);
    expect(touchEither(rising, 99, 105)).toBe(1);
    expect(touchEither(rising, 99, 106)).toBe(0);
    const falling: Market = { spot: 100, rate: 0, dividendYield: 0.05, volatility: 0, years: 1 }; // F = 95.12
    expect(touchBelow(falling, 96)).toBe(1);
    expect(touchBelow(falling, 95)).toBe(0);
    expect(touchEither(falling, 96, 110)).toBe(1);
    expect(touchEither(falling, 95, 110)).toBe(0);
    // A vanishing σ approaches the same answers away from ties.
    const almost = { ...rising, volatility: 1e-9 };
    expect(below(almost, 105)).toBe(0);
    expect(below(almost, 106)).toBe(1);
    expect(touchAbove(almost, 105)).toBe(1);
    expect(touchAbove(almost, 106)).toBe(0);
    expect(touchEither(almost, 99, 106)).toBe(0);
    expect(Math.abs(callPayoff(almost, 100) - (F - 100))).toBeLessThan(1e-12);
  });

  it("barriers and levels outside the range", () => {
    const m: Market = { spot: 100, rate: 0.05, dividendYield: 0.01, volatility: 0.3, years: 0.5 };
    expect(below(m, 0)).toBe(0);
    expect(below(m, -5)).toBe(0);
    expect(putPayoff(m, 0)).toBe(0);
    expect(callPayoff(m, 0)).toBe(forwardOf(m));
    expect(touchAbove(m, 100)).toBe(1);
    expect(touchAbove(m, 90)).toBe(1);
    expect(touchAbove(m, Number.POSITIVE_INFINITY)).toBe(0);
    expect(touchBelow(m, 100)).toBe(1);
    expect(touchBelow(m, 110)).toBe(1);
    expect(touchBelow(m, 0)).toBe(0);
    expect(touchEither(m, 100, 110)).toBe(1);
    expect(touchEither(m, 90, 100)).toBe(1);
    expect(touchEither(m, 101, 110)).toBe(1);
    expect(touchEither(m, 80, 95)).toBe(1);
    expect(touchEither(m, 0, Number.POSITIVE_INFINITY)).toBe(0);
    // A corridor far narrower than σ√T cannot be survived.
    expect(touchEither(m, 99.9, 100.1)).toBe(1);
  });

  it("large σ√T: the martingale limits", () => {
    // r = q makes S_t a martingale; with σ√T = 40 almost every path has drifted to zero, so
    // P(max S ≥ H) = S/H (optional stopping), the lower barrier is certain, and the
    // expected payoffs are F for the call and K for the put.
    const m: Market = { spot: 100, rate: 0.03, dividendYield: 0.03, volatility: 2, years: 400 };
    expect(Math.abs(touchAbove(m, 200) - 0.5)).toBeLessThan(1e-14);
    expect(Math.abs(touchAbove(m, 1e4) - 0.01)).toBeLessThan(1e-14);
    expect(touchBelow(m, 99)).toBe(1);
    expect(touchEither(m, 50, 200)).toBe(1);
    expect(below(m, 100)).toBe(1);
    expect(Math.abs(callPayoff(m, 150) - 100)).toBeLessThan(1e-12);
    expect(Math.abs(putPayoff(m, 150) - 150)).toBeLessThan(1e-12);
  });

  it("never NaN, probabilities in [0, 1] and payoffs ≥ 0 for finite positive inputs", () => {
    const spots = [1e-3, 100, 1e6];
    const rates = [0, 0.05, 2];
    const dividendYields = [0, 0.5];
    const volatilities = [0, 1e-200, 1e-12, 1e-3, 0.3, 10, 1e3];
    const horizons = [0, 1e-12, 1 / 365, 1, 100];
    const levelRatios = [1e-300, 1e-6, 0.5, 1 - 1e-15, 1, 1 + 1e-15, 2, 1e6, 1e300];
    let checked = 0;
    for (const spot of spots)
      for (const rate of rates)
        for (const dividendYield of dividendYields)
          for (const volatility of volatilities)
            for (const years of horizons) {
              const m: Market = { spot, rate, dividendYield, volatility, years };
              const label = describeMarket(m);
              for (const ratio of levelRatios) {
                const level = spot * ratio;
                for (const probability of [
                  below(m, level),
                  touchAbove(m, level),
                  touchBelow(m, level),
                  touchEither(m, level, spot * 1.05),
                  touchEither(m, spot * 0.95, level),
                  touchEither(m, level, spot / ratio),
                ]) {
                  expect(probability >= 0 && probability <= 1, `${label} level=${level}: ${probability}`).toBe(true);
                }
                for (const payoff of [putPayoff(m, level), callPayoff(m, level)]) {
                  expect(payoff >= 0, `${label} strike=${level}: ${payoff}`).toBe(true);
                }
                checked++;
              }
            }
    expect(checked).toBe(spots.length * rates.length * 2 * volatilities.length * horizons.length * levelRatios.length);
  });
});
