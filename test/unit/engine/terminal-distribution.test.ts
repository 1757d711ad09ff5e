// Proof of the closed-form spread math against methods that share none of its algebra:
// quadrature of the lognormal density for terminal quantities, a seeded Monte Carlo of GBM
// paths and an eigenfunction expansion for the touch probabilities, and high-precision
// values for the regimes where the closed forms need their overflow-safe rearrangements.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { describe, expect, it } from "vitest";
import {
  expectedCallPayoff,
  expectedPutPayoff,
  forward,
  probabilityBelow,
  touchProbabilityAbove,
  touchProbabilityBelow,
  touchProbabilityEither,
} from "../../../services/scanner/engine/terminal-distribution.js";

interface Market {
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  readonly volatility: number;
  readonly years: number;
}

const below = (m: Market, level: number): number =>
  probabilityBelow(m.spot, m.rate, m.dividendYield, m.volatility, m.years, level);
const putPayoff = (m: Market, strike: number): number =>
  expectedPutPayoff(m.spot, m.rate, m.dividendYield, m.volatility, m.years, strike);
const callPayoff = (m: Market, strike: number): number =>
  expectedCallPayoff(m.spot, m.rate, m.dividendYield, m.volatility, m.years, strike);
const forwardOf = (m: Market): number => forward(m.spot, m.rate, m.dividendYield, m.years);
const touchAbove = (m: Market, barrier: number): number =>
  touchProbabilityAbove(m.spot, m.rate, m.dividendYield, m.volatility, m.years, barrier);
const touchBelow = (m: Market, barrier: number): number =>
  touchProbabilityBelow(m.spot, m.rate, m.dividendYield, m.volatility, m.years, barrier);
const touchEither = (m: Market, lowerBarrier: number, upperBarrier: number): number =>
  touchProbabilityEither(m.spot, m.rate, m.dividendYield, m.volatility, m.years, lowerBarrier, upperBarrier);

const describeMarket = (m: Market): string =>
  `S=${m.spot} r=${m.rate} q=${m.dividendYield} σ=${m.volatility} T=${m.years}`;

/** Mean and deviation of ln S_T, straight from the model in docs/architecture.md ("Which σ: the probability model"). */
function logMoments(m: Market): { mean: number; deviation: number } {
  return {
    mean: Math.log(m.spot) + (m.rate - m.dividendYield - 0.5 * m.volatility * m.volatility) * m.years,
    deviation: m.volatility * Math.sqrt(m.years),
  };
}

// ---------------------------------------------------------------------------------------
// Quadrature of the lognormal density
// ---------------------------------------------------------------------------------------

/** Simpson intervals across the whole integration range (panels get their share). */
const SIMPSON_INTERVALS = 24_000;

/**
 * E[f(S_T)] by composite Simpson's rule over x = ln S_T, from 12 deviations below the mean
 * to 12 above plus s² (where S_T times the density peaks, for payoffs growing like S_T). The
 * range is cut at `kinks`, the prices where f has a kink or a jump, so that every panel is
 * smooth and keeps Simpson's h⁴ error: with h = s/1000 that is about 1e-13 of the integrand's
 * scale, and the two 12-deviation tails hold 2e-33 of the mass.
 */
function lognormalExpectation(m: Market, integrand: (price: number) => number, kinks: readonly number[]): number {
  const { mean, deviation } = logMoments(m);
  const lowest = mean - 12 * deviation;
  const highest = mean + 12 * deviation + deviation * deviation;
  const interior = kinks
    .filter((price) => price > 0)
    .map((price) => Math.log(price))
    .filter((x) => x > lowest && x < highest)
    .sort((a, b) => a - b);
  const step = (highest - lowest) / SIMPSON_INTERVALS;
  const normalisation = 1 / (deviation * Math.sqrt(2 * Math.PI));
  const weighted = (x: number): number => {
    const z = (x - mean) / deviation;
    return integrand(Math.exp(x)) * normalisation * Math.exp(-0.5 * z * z);
  };
  let total = 0;
  let from = lowest;
  for (const to of [...interior, highest]) {
    const intervals = Math.max(2, 2 * Math.ceil((to - from) / (2 * step)));
    const h = (to - from) / intervals;
    // A jump sits exactly on a cut, so the panel's end values are its one-sided limits,
    // taken a billionth of a step inside (a change far below the tolerances).
    let sum = weighted(from + 1e-9 * h) + weighted(to - 1e-9 * h);
    for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * weighted(from + i * h);
    total += (sum * h) / 3;
    from = to;
  }
  return total;
}

/**
 * P(payoff(S_T) > 0) by quadrature of the indicator, with no knowledge of the breakevens:
 * the payoff is linear between strikes, so each piece has at most one sign change, located
 * by bisection on the payoff itself and used as a panel cut, so the indicator is constant on
 * every panel and only the smooth density is integrated.
 */
function probabilityPositive(m: Market, payoff: (price: number) => number, strikes: readonly number[]): number {
  const { mean, deviation } = logMoments(m);
  const edges = [Math.exp(mean - 12 * deviation), ...strikes, Math.exp(mean + 12 * deviation)].sort((a, b) => a - b);
  const signChanges: number[] = [];
  let left = edges[0] ?? 0;
  for (const right of edges.slice(1)) {
    if (payoff(left) > 0 !== payoff(right) > 0) {
      let low = left;
      let high = right;
      for (let iteration = 0; iteration < 200 && high - low > 1e-15 * high; iteration++) {
        const middle = 0.5 * (low + high);
        if (payoff(middle) > 0 === payoff(low) > 0) low = middle;
        else high = middle;
      }
      signChanges.push(0.5 * (low + high));
    }
    left = right;
  }
  return lognormalExpectation(m, (price) => (payoff(price) > 0 ? 1 : 0), [...strikes, ...signChanges]);
}

const putIntrinsic = (strike: number, price: number): number => Math.max(strike - price, 0);
const callIntrinsic = (price: number, strike: number): number => Math.max(price - strike, 0);

/** Markets for the terminal tests: short and long T, low to high σ, r and q nonzero. */
const TERMINAL_MARKETS: readonly Market[] = [2 / 365, 30 / 365, 1, 5].flatMap((years) =>
  [0.08, 0.3, 1.2].flatMap((volatility) =>
    [
      { rate: 0.05, dividendYield: 0.02 },
      { rate: 0.01, dividendYield: 0.06 },
    ].map(({ rate, dividendYield }) => ({ spot: 100, rate, dividendYield, volatility, years })),
  ),
);

/** Strikes from deep in to deep out of the money, in deviations from the forward and in dollars. */
function strikesFor(m: Market): number[] {
  const deviation = m.volatility * Math.sqrt(m.years);
  return [
    ...[-2.5, -1, 0, 1, 2.5].map((z) => forwardOf(m) * Math.exp(z * deviation)),
    0.8 * m.spot,
    m.spot,
    1.2 * m.spot,
  ];
}

/**
 * Tolerances against quadrature. Simpson's error at h ≈ s/1000 is near 1e-13 of scale and
 * normalCdf's absolute error is below 1e-14 (the worst differences observed are 5e-14 for
 * probabilities and 1.1e-14 of scale for payoffs), so 1e-12 leaves a margin of 20. Dollar
 * amounts are compared relative to max(S, F, K), since deep in-the-money payoffs are that large.
 */
const PROBABILITY_TOLERANCE = 1e-12;
const RELATIVE_PAYOFF_TOLERANCE = 1e-12;

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
// Spreads: expected value and POP from the closed forms, against quadrature of the payoff
// ---------------------------------------------------------------------------------------

interface SpreadCase {
  readonly name: string;
  readonly strikes: readonly number[];
  /** P/L per share at expiry, written from the legs. */
  readonly payoff: (price: number) => number;
  /** E[P/L] from expectedPutPayoff / expectedCallPayoff. */
  readonly expectedValue: (m: Market) => number;
  /** POP from probabilityBelow at the breakevens (docs/architecture.md, "Spread math"). */
  readonly probabilityOfProfit: (m: Market) => number;
}

function bullPut(shortStrike: number, longStrike: number, credit: number): SpreadCase {
  return {
    name: `bull put ${shortStrike}/${longStrike} credit ${credit}`,
    strikes: [longStrike, shortStrike],
    payoff: (price) => credit - putIntrinsic(shortStrike, price) + putIntrinsic(longStrike, price),
    expectedValue: (m) => credit - putPayoff(m, shortStrike) + putPayoff(m, longStrike),
    probabilityOfProfit: (m) => 1 - below(m, shortStrike - credit),
  };
}

function bearCall(shortStrike: number, longStrike: number, credit: number): SpreadCase {
  return {
    name: `bear call ${shortStrike}/${longStrike} credit ${credit}`,
    strikes: [shortStrike, longStrike],
    payoff: (price) => credit - callIntrinsic(price, shortStrike) + callIntrinsic(price, longStrike),
    expectedValue: (m) => credit - callPayoff(m, shortStrike) + callPayoff(m, longStrike),
    probabilityOfProfit: (m) => below(m, shortStrike + credit),
  };
}

function bullCall(longStrike: number, shortStrike: number, debit: number): SpreadCase {
  return {
    name: `bull call ${longStrike}/${shortStrike} debit ${debit}`,
    strikes: [longStrike, shortStrike],
    payoff: (price) => -debit + callIntrinsic(price, longStrike) - callIntrinsic(price, shortStrike),
    expectedValue: (m) => -debit + callPayoff(m, longStrike) - callPayoff(m, shortStrike),
    probabilityOfProfit: (m) => 1 - below(m, longStrike + debit),
  };
}

function bearPut(longStrike: number, shortStrike: number, debit: number): SpreadCase {
  return {
    name: `bear put ${longStrike}/${shortStrike} debit ${debit}`,
    strikes: [shortStrike, longStrike],
    payoff: (price) => -debit + putIntrinsic(longStrike, price) - putIntrinsic(shortStrike, price),
    expectedValue: (m) => -debit + putPayoff(m, longStrike) - putPayoff(m, shortStrike),
    probabilityOfProfit: (m) => below(m, longStrike - debit),
  };
}

/** Iron condor, or an iron butterfly when the short strikes coincide: two breakevens. */
function ironCondor(
  longPut: number,
  shortPut: number,
  shortCall: number,
  longCall: number,
  credit: number,
  name = "iron condor",
): SpreadCase {
  return {
    name: `${name} ${longPut}/${shortPut}/${shortCall}/${longCall} credit ${credit}`,
    strikes: [longPut, shortPut, shortCall, longCall],
    payoff: (price) =>
      credit -
      putIntrinsic(shortPut, price) +
      putIntrinsic(longPut, price) -
      callIntrinsic(price, shortCall) +
      callIntrinsic(price, longCall),
    expectedValue: (m) =>
      credit - putPayoff(m, shortPut) + putPayoff(m, longPut) - callPayoff(m, shortCall) + callPayoff(m, longCall),
    probabilityOfProfit: (m) => below(m, shortCall + credit) - below(m, shortPut - credit),
  };
}

const SPREADS: readonly SpreadCase[] = [
  bullPut(95, 90, 1.8),
  bearCall(105, 110, 1.5),
  bullCall(100, 105, 2.6),
  bearPut(100, 95, 2.3),
  ironCondor(90, 95, 105, 110, 3.1),
  ironCondor(90, 100, 100, 110, 7.2, "iron butterfly"),
];

const SPREAD_MARKETS: readonly Market[] = [
  { spot: 100, rate: 0.045, dividendYield: 0.013, volatility: 0.6, years: 7 / 365 },
  { spot: 100, rate: 0.045, dividendYield: 0.013, volatility: 0.3, years: 45 / 365 },
  { spot: 100, rate: 0.01, dividendYield: 0.07, volatility: 0.55, years: 0.5 },
  { spot: 103, rate: 0.05, dividendYield: 0.02, volatility: 0.9, years: 2 },
  { spot: 96, rate: 0.03, dividendYield: 0, volatility: 0.22, years: 1 },
];

describe("spread expected value and POP against quadrature of the payoff", () => {
  for (const spread of SPREADS) {
    it(spread.name, () => {
      for (const m of SPREAD_MARKETS) {
        const label = `${spread.name}, ${describeMarket(m)}`;
        const expectedValue = lognormalExpectation(m, spread.payoff, spread.strikes);
        const probabilityOfProfit = probabilityPositive(m, spread.payoff, spread.strikes);
        expect(Math.abs(spread.expectedValue(m) - expectedValue) / m.spot, label).toBeLessThan(
          RELATIVE_PAYOFF_TOLERANCE,
        );
        expect(Math.abs(spread.probabilityOfProfit(m) - probabilityOfProfit), label).toBeLessThan(
          PROBABILITY_TOLERANCE,
        );
        expect(probabilityOfProfit, label).toBeGreaterThan(0.01); // a real, non-degenerate case
        expect(probabilityOfProfit, label).toBeLessThan(0.99);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
// Touch probabilities against a Monte Carlo of GBM paths
// ---------------------------------------------------------------------------------------

const MONTE_CARLO_PATHS = 100_000;
const MONTE_CARLO_STEPS = 32;
/** Agreement required between closed form and simulation, in standard errors. */
const MONTE_CARLO_Z_LIMIT = 4;

/**
 * Touch probability by simulation of ln S_t on a grid of MONTE_CARLO_STEPS steps, exact in
 * distribution at the grid points. Between two grid points the path is a Brownian bridge
 * (whatever the drift), which crosses a level at distance a and b from its ends with
 * probability exp(−2ab/(σ²Δt)); each path contributes the conditional probability that it
 * touched, 1 − Π(1 − p_step), an unbiased estimator with less variance than a 0/1 outcome.
 * For two barriers the per-step product treats the two crossings as independent; the error
 * is the chance of a bridge reaching both within one step, below exp(−w²/(σ²Δt)) < 1e-40
 * for the corridors here.
 */
function simulateTouch(
  m: Market,
  lowerBarrier: number,
  upperBarrier: number,
  seed: number,
): { probability: number; standardError: number } {
  const random = xoroshiro128plus(seed);
  const stepYears = m.years / MONTE_CARLO_STEPS;
  const stepDrift = (m.rate - m.dividendYield - 0.5 * m.volatility * m.volatility) * stepYears;
  const stepVariance = m.volatility * m.volatility * stepYears;
  const stepDeviation = Math.sqrt(stepVariance);
  const lower = lowerBarrier > 0 ? Math.log(lowerBarrier / m.spot) : Number.NEGATIVE_INFINITY;
  const upper = Number.isFinite(upperBarrier) ? Math.log(upperBarrier / m.spot) : Number.POSITIVE_INFINITY;
  // Box–Muller yields normals in pairs; the second of each pair waits here.
  let spareNormal = Number.NaN;
  const standardNormal = (): number => {
    if (!Number.isNaN(spareNormal)) {
      const normal = spareNormal;
      spareNormal = Number.NaN;
      return normal;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniformFloat64(random)));
    const angle = 2 * Math.PI * uniformFloat64(random);
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  let sum = 0;
  let sumOfSquares = 0;
  for (let path = 0; path < MONTE_CARLO_PATHS; path++) {
    let x = 0;
    let survival = 1;
    for (let step = 0; step < MONTE_CARLO_STEPS; step++) {
      const next = x + stepDrift + stepDeviation * standardNormal();
      if (next >= upper || next <= lower) {
        survival = 0;
        break;
      }
      survival *=
        (1 - Math.exp((-2 * (upper - x) * (upper - next)) / stepVariance)) *
        (1 - Math.exp((-2 * (x - lower) * (next - lower)) / stepVariance));
      x = next;
    }
    const touched = 1 - survival;
    sum += touched;
    sumOfSquares += touched * touched;
  }
  const probability = sum / MONTE_CARLO_PATHS;
  const variance = (sumOfSquares / MONTE_CARLO_PATHS - probability * probability) * (MONTE_CARLO_PATHS / (MONTE_CARLO_PATHS - 1));
  return { probability, standardError: Math.sqrt(variance / MONTE_CARLO_PATHS) };
}

interface TouchCase {
  readonly name: string;
  readonly market: Market;
  readonly lowerBarrier: number;
  readonly upperBarrier: number;
}

const TOUCH_CASES: readonly TouchCase[] = [
  {
    name: "up barrier (short call of a 45-day bear call)",
    market: { spot: 100, rate: 0.04, dividendYield: 0.01, volatility: 0.25, years: 45 / 365 },
    lowerBarrier: 0,
    upperBarrier: 105,
  },
  {
    name: "down barrier (short put, half a year)",
    market: { spot: 100, rate: 0.03, dividendYield: 0, volatility: 0.35, years: 0.5 },
    lowerBarrier: 88,
    upperBarrier: Number.POSITIVE_INFINITY,
  },
  {
    name: "double barrier (condor-like corridor, 30 days)",
    market: { spot: 100, rate: 0.045, dividendYield: 0.013, volatility: 0.3, years: 30 / 365 },
    lowerBarrier: 92,
    upperBarrier: 107,
  },
  {
    name: "up barrier with strong positive drift (ν = 0.239)",
    market: { spot: 100, rate: 0.25, dividendYield: 0, volatility: 0.15, years: 1 },
    lowerBarrier: 0,
    upperBarrier: 125,
  },
  {
    name: "double barrier with strong negative drift (ν = −0.15)",
    market: { spot: 100, rate: 0.02, dividendYield: 0.15, volatility: 0.2, years: 0.25 },
    lowerBarrier: 85,
    upperBarrier: 108,
  },
];

describe("touch probabilities against Monte Carlo with a Brownian-bridge crossing correction", () => {
  TOUCH_CASES.forEach((touchCase, index) => {
    it(`${touchCase.name}: within ${MONTE_CARLO_Z_LIMIT} standard errors of ${MONTE_CARLO_PATHS} paths`, () => {
      const { market, lowerBarrier, upperBarrier } = touchCase;
      const exact = touchEither(market, lowerBarrier, upperBarrier);
      const { probability, standardError } = simulateTouch(market, lowerBarrier, upperBarrier, 20_240_601 + index);
      const zScore = (probability - exact) / standardError;
      expect(exact).toBeGreaterThan(0.05);
      expect(exact).toBeLessThan(0.95);
      expect(Math.abs(zScore), `closed form ${exact}, simulated ${probability} ± ${standardError}`).toBeLessThan(
        MONTE_CARLO_Z_LIMIT,
      );
    });
  });
});

// ---------------------------------------------------------------------------------------
// Double barrier against an independent formula, and against the single barriers
// ---------------------------------------------------------------------------------------

/**
 * P(no touch before T) from the eigenfunction expansion of the strip instead of images: in
 * units of s, with y the distance above the lower barrier, the killed driftless density is
 * (2/w)·Σ sin(nπy₀/w)·sin(nπy/w)·e^{−n²π²/(2w²)}, and the Girsanov weight e^{μx − μ²/2}
 * integrates against sin(kₙy) in closed form. It converges fastest exactly where the image
 * series is slowest (narrow corridors), so the two check each other across the range.
 */
function spectralSurvival(m: Market, lowerBarrier: number, upperBarrier: number): number {
  const deviation = m.volatility * Math.sqrt(m.years);
  const lower = Math.log(lowerBarrier / m.spot) / deviation;
  const upper = Math.log(upperBarrier / m.spot) / deviation;
  const width = upper - lower;
  const drift = ((m.rate - m.dividendYield - 0.5 * m.volatility * m.volatility) * m.years) / deviation;
  let survival = 0;
  for (let n = 1; n <= 400; n++) {
    const frequency = (n * Math.PI) / width;
    const decay = 0.5 * frequency * frequency;
    if (decay > 100) break;
    const minusAlternating = n % 2 === 0 ? -1 : 1; // −(−1)ⁿ
    const weightIntegral =
      (frequency *
        (Math.exp(drift * lower - 0.5 * drift * drift) +
          minusAlternating * Math.exp(drift * upper - 0.5 * drift * drift))) /
      (drift * drift + frequency * frequency);
    survival += (2 / width) * Math.sin(frequency * -lower) * Math.exp(-decay) * weightIntegral;
  }
  return survival;
}

describe("double-barrier touch probability", () => {
  it("agrees with the eigenfunction expansion from narrow to wide corridors", () => {
    const market = { spot: 100, rate: 0.03, dividendYield: 0.01, volatility: 0.3, years: 0.25 };
    for (const widthInDeviations of [0.36, 0.5, 0.8, 1.2, 2, 3]) {
      for (const lowerShare of [0.1, 0.5, 0.85]) {
        for (const driftedMarket of [
          market,
          { ...market, rate: 0.4 },
          { ...market, dividendYield: 0.5 },
          { ...market, volatility: 0.05, years: 2 },
        ]) {
          const s = driftedMarket.volatility * Math.sqrt(driftedMarket.years);
          const lowerBarrier = market.spot * Math.exp(-lowerShare * widthInDeviations * s);
          const upperBarrier = market.spot * Math.exp((1 - lowerShare) * widthInDeviations * s);
          const label = `w/s=${widthInDeviations} share=${lowerShare} ${describeMarket(driftedMarket)}`;
          const spectralTouch = 1 - spectralSurvival(driftedMarket, lowerBarrier, upperBarrier);
          expect(Math.abs(touchEither(driftedMarket, lowerBarrier, upperBarrier) - spectralTouch), label).toBeLessThan(
            1e-14,
          );
        }
      }
    }
    // Below w/s = 0.351 the closed form answers 1 without a series: the expansion agrees.
    const narrowLower = market.spot * Math.exp(-0.15 * 0.3 * Math.sqrt(market.years));
    const narrowUpper = market.spot * Math.exp(0.2 * 0.3 * Math.sqrt(market.years));
    expect(touchEither(market, narrowLower, narrowUpper)).toBe(1);
    expect(spectralSurvival(market, narrowLower, narrowUpper)).toBeLessThan(1e-17);
  });

  it("reduces to the single-barrier formulas as the other barrier goes far away", () => {
    for (const m of TERMINAL_MARKETS) {
      const s = m.volatility * Math.sqrt(m.years);
      const near = (z: number): number => m.spot * Math.exp(z * s);
      for (const z of [0.1, 0.7, 2]) {
        // 40 deviations away, touching the far barrier has probability below 1e-300.
        const aboveOnly = touchAbove(m, near(z));
        const belowOnly = touchBelow(m, near(-z));
        expect(Math.abs(touchEither(m, near(-40), near(z)) - aboveOnly), describeMarket(m)).toBeLessThan(1e-15);
        expect(Math.abs(touchEither(m, near(-z), near(40)) - belowOnly), describeMarket(m)).toBeLessThan(1e-15);
        // Barriers that cannot be reached at all give the single-barrier answers exactly.
        expect(touchEither(m, 0, near(z))).toBe(aboveOnly);
        expect(touchEither(m, near(-z), Number.POSITIVE_INFINITY)).toBe(belowOnly);
      }
    }
  });

  it("lies between the larger single-barrier probability and their sum", () => {
    for (const m of TERMINAL_MARKETS) {
      for (const [lowerBarrier, upperBarrier] of [
        [95, 105],
        [80, 103],
        [99, 140],
        [60, 160],
      ] as const) {
        const either = touchEither(m, lowerBarrier, upperBarrier);
        const up = touchAbove(m, upperBarrier);
        const down = touchBelow(m, lowerBarrier);
        expect(either, describeMarket(m)).toBeGreaterThanOrEqual(Math.max(up, down) - 1e-15);
        expect(either, describeMarket(m)).toBeLessThanOrEqual(Math.min(1, up + down) + 1e-15);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// High-precision references where the closed forms need their overflow-safe rearrangement
// ---------------------------------------------------------------------------------------

/**
 * Values of the formulas in their textbook form (single barrier: N((−b+νT)/s) +
 * e^{2νb/σ²}·N((−b−νT)/s); double barrier: 1 − the image series for |k| ≤ 200), evaluated
 * naively with mpmath 1.3 at 80 significant digits from the same double inputs, where
 * e^{2νb/σ²} reaching e^{23700} is harmless. Several cases overflow a naive double-precision
 * evaluation (small σ with drift, large σ√T, narrow corridors).
 */
const HIGH_PRECISION_REFERENCES: readonly {
  kind: "above" | "below" | "either";
  args: readonly [number, number, number, number, number, number, number?];
  value: number;
}[] = [
  { kind: "above", args: [100, 0.05, 0, 0.005, 1, 104.9], value: 0.6849561722395275 },
  { kind: "above", args: [100, 0.08, 0, 0.001, 2, 116], value: 0.9999999999999999 },
  { kind: "above", args: [100, 0.05, 0.02, 2, 10, 1000], value: 0.10345822041586172 },
  { kind: "above", args: [100, 0.045, 0.013, 0.25, 40 / 365, 108], value: 0.3527360658714166 },
  { kind: "below", args: [100, 0, 0.1, 0.002, 1, 91], value: 0.9978556387838567 },
  { kind: "below", args: [100, 0.045, 0.013, 0.25, 40 / 365, 93], value: 0.3802231752558061 },
  { kind: "either", args: [100, 0.06, 0, 0.002, 1, 97, 106.1], value: 0.6590599546256974 },
  { kind: "either", args: [100, 0, 0.06, 0.003, 1, 94.1, 103], value: 0.40343054940815737 },
  { kind: "either", args: [100, 0.02, 0.01, 0.5, 0.16, 90, 109.9], value: 0.9909976815723103 },
  { kind: "either", args: [100, 0.02, 0.01, 0.5, 0.5, 90, 109.9], value: 0.9999997571467099 },
  { kind: "either", args: [100, 0.02, 0.01, 0.5, 1, 90, 109.9], value: 0.9999999999999536 },
  { kind: "either", args: [100, 0.03, 0.01, 1.5, 3, 40, 250], value: 0.999971677190125 },
  { kind: "either", args: [100, 0.045, 0.013, 0.25, 40 / 365, 93, 108], value: 0.7194832871873751 },
  { kind: "either", args: [100, 0.3, 0, 0.05, 1, 80, 125], value: 0.9468244114265053 },
];

describe("touch probabilities against high-precision evaluation of the textbook formulas", () => {
  it("match to 1e-14", () => {
    for (const { kind, args, value } of HIGH_PRECISION_REFERENCES) {
      const [spot, rate, dividendYield, volatility, years, first, second] = args;
      const m: Market = { spot, rate, dividendYield, volatility, years };
      const computed =
        kind === "above"
          ? touchAbove(m, first)
          : kind === "below"
            ? touchBelow(m, first)
            : touchEither(m, first, second ?? Number.NaN);
      expect(Math.abs(computed - value), `${kind} ${args.join(", ")}`).toBeLessThan(1e-14);
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
