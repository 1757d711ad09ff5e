// Touch probabilities from the closed forms, against methods that share none of their
// algebra: a seeded Monte Carlo of GBM paths, an eigenfunction expansion for the double
// barrier, and high-precision values for the regimes where the closed forms need their
// overflow-safe rearrangements.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { describe, expect, it } from "vitest";
import { describeMarket, type Market, TERMINAL_MARKETS, touchAbove, touchBelow, touchEither } from "../../support/lognormal-market.js";

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
function simulateTouch(m: Market, lowerBarrier: number, upperBarrier: number, seed: number): { probability: number; standardError: number } {
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
      survival *= (1 - Math.exp((-2 * (upper - x) * (upper - next)) / stepVariance)) * (1 - Math.exp((-2 * (x - lower) * (next - lower)) / stepVariance));
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
      expect(Math.abs(zScore), `closed form ${exact}, simulated ${probability} ± ${standardError}`).toBeLessThan(MONTE_CARLO_Z_LIMIT);
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
      (frequency * (Math.exp(drift * lower - 0.5 * drift * drift) + minusAlternating * Math.exp(drift * upper - 0.5 * drift * drift))) /
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
        for (const driftedMarket of [market, { ...market, rate: 0.4 }, { ...market, dividendYield: 0.5 }, { ...market, volatility: 0.05, years: 2 }]) {
          const s = driftedMarket.volatility * Math.sqrt(driftedMarket.years);
          const lowerBarrier = market.spot * Math.exp(-lowerShare * widthInDeviations * s);
          const upperBarrier = market.spot * Math.exp((1 - lowerShare) * widthInDeviations * s);
          const label = `w/s=${widthInDeviations} share=${lowerShare} ${describeMarket(driftedMarket)}`;
          const spectralTouch = 1 - spectralSurvival(driftedMarket, lowerBarrier, upperBarrier);
          expect(Math.abs(touchEither(driftedMarket, lowerBarrier, upperBarrier) - spectralTouch), label).toBeLessThan(1e-14);
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
      const computed = kind === "above" ? touchAbove(m, first) : kind === "below" ? touchBelow(m, first) : touchEither(m, first, second ?? Number.NaN);
      expect(Math.abs(computed - value), `${kind} ${args.join(", ")}`).toBeLessThan(1e-14);
    }
  });
});
