// The simulated market's price path: the exact GBM transition, whole steps of its interval,
// and the drift and volatility it walks with, against normals drawn independently of it.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { describe, expect, it } from "vitest";
import { ContractRandom } from "../../../services/market-model/contract-random.js";
import { PricePath, nextSpot, type NormalSource } from "../../../services/coordinator/market/price-path.js";
import { DAY, HOUR, meanAndVariance, START, YEAR_MS } from "../../support/simulated-market-helpers.js";

/** Standard normals by the polar Box–Muller method over pure-rand: independent of the code under test. */
function normalSource(seed: number): NormalSource {
  const generator = xoroshiro128plus(seed);
  let spare: number | undefined;
  return {
    normal(): number {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      for (;;) {
        const u = 2 * uniformFloat64(generator) - 1;
        const v = 2 * uniformFloat64(generator) - 1;
        const s = u * u + v * v;
        if (s === 0 || s >= 1) continue;
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * factor;
        return u * factor;
      }
    },
  };
}

describe("nextSpot", () => {
  it("is the exact GBM transition S·exp((μ − σ²/2)t + σ√t·Z)", () => {
    expect(nextSpot(100, { volatility: 0.3, drift: 0.05, years: 0, normal: 1.7 })).toBe(100);
    expect(nextSpot(100, { volatility: 0, drift: 0.05, years: 2, normal: 1.7 })).toBeCloseTo(100 * Math.exp(0.1), 10);
    // A one-sigma year at 20% volatility and no drift: ln(S'/S) = −0.02 + 0.2.
    expect(Math.log(nextSpot(50, { volatility: 0.2, drift: 0, years: 1, normal: 1 }) / 50)).toBeCloseTo(0.18, 12);
    expect(Math.log(nextSpot(50, { volatility: 0.2, drift: 0, years: 0.25, normal: -2 }) / 50)).toBeCloseTo(-0.005 - 0.2, 12);
  });

  it("rejects impossible inputs instead of producing NaN", () => {
    const step = { volatility: 0.2, drift: 0, years: 1, normal: 0 };
    expect(() => nextSpot(0, step)).toThrow(RangeError);
    expect(() => nextSpot(Number.NaN, step)).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, volatility: -0.1 })).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, years: -1 })).toThrow(RangeError);
    expect(() => nextSpot(100, { ...step, normal: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  // Each case: 20,000 steps; the mean must land within 4 standard errors of (μ − σ²/2)·dt, the
  // variance within 5% (about 7 standard errors) of σ²·dt. The drifts are large enough that
  // leaving out either μ or the −σ²/2 correction misses by far more than the tolerance.
  it.each([
    { volatility: 0.2, drift: 0.8, years: 1 / 12 },
    { volatility: 0.6, drift: 0.1, years: 1 / 12 },
    { volatility: 0.16, drift: 0.032, years: 1 / 252 },
  ])("has log returns of mean (μ − σ²/2)·dt and variance σ²·dt over 20,000 steps: %o", ({ volatility, drift, years }) => {
    const normals = normalSource(20_250_602);
    const steps = 20_000;
    const logReturns: number[] = [];
    let spot = 100;
    for (let step = 0; step < steps; step++) {
      const next = nextSpot(spot, { volatility, drift, years, normal: normals.normal() });
      logReturns.push(Math.log(next / spot));
      // Restart from 100 now and then so the path never leaves floating-point comfort.
      spot = Math.abs(Math.log(next / 100)) > 50 ? 100 : next;
    }
    const { mean, variance } = meanAndVariance(logReturns);
    const expectedVariance = volatility ** 2 * years;
    const standardError = Math.sqrt(expectedVariance / steps);
    expect(Math.abs(mean - (drift - volatility ** 2 / 2) * years)).toBeLessThan(4 * standardError);
    expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.05);
  });
});

describe("PricePath", () => {
  it("moves in whole steps of its interval, one draw per advance", () => {
    const draws: number[] = [];
    const random: NormalSource = {
      normal: () => {
        draws.push(0.5);
        return 0.5;
      },
    };
    const path = new PricePath({ spot: 200, time: START.getTime(), volatility: 0.25, drift: 0.03, stepMs: HOUR, random });
    expect(path.stepsUntil(START.getTime() + HOUR - 1)).toBe(0);
    expect(path.stepsUntil(START.getTime() + 3 * HOUR + 5)).toBe(3);
    path.advance(3);
    expect(path.time).toBe(START.getTime() + 3 * HOUR);
    expect(draws).toHaveLength(1);
    const years = (3 * HOUR) / YEAR_MS;
    expect(Math.log(path.spot / 200)).toBeCloseTo((0.03 - 0.25 ** 2 / 2) * years + 0.25 * Math.sqrt(years) * 0.5, 12);
    expect(() => {
      path.advance(0);
    }).toThrow(RangeError);
  });

  it("walks with the drift and volatility it was given, from the seeded contract random stream", () => {
    // The market seeds its paths with ContractRandom; check those draws give GBM statistics.
    const volatility = 0.48;
    const drift = 0.9;
    const stepMs = 7 * DAY;
    const path = new PricePath({ spot: 140, time: 0, volatility, drift, stepMs, random: new ContractRandom(11, "NVDA|underlying") });
    const logReturns: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      const before = path.spot;
      path.advance();
      logReturns.push(Math.log(path.spot / before));
    }
    const years = stepMs / YEAR_MS;
    const { mean, variance } = meanAndVariance(logReturns);
    expect(Math.abs(mean - (drift - volatility ** 2 / 2) * years)).toBeLessThan(4 * volatility * Math.sqrt(years / 20_000));
    expect(Math.abs(variance / (volatility ** 2 * years) - 1)).toBeLessThan(0.05);
  });
});
