// The hot loop's rearranged formulas must agree with the terminal distribution's.
import { describe, expect, it } from "vitest";
import { expectedCallFromLog, expectedPutFromLog, expectedPutGivenBelow, probabilityBelowFromLog } from "../../../services/engine/lognormal-kernels.js";
import { expectedCallPayoff, expectedPutPayoff, forward, probabilityBelow } from "../../../services/engine/terminal-distribution.js";

const MARKETS = [
  { spot: 600, rate: 0.045, dividendYield: 0.013, volatility: 0.16, years: 2 / 365 },
  { spot: 600, rate: 0.045, dividendYield: 0.013, volatility: 0.12, years: 45 / 365 },
  { spot: 140, rate: 0.045, dividendYield: 0.0003, volatility: 0.48, years: 0.9 },
  { spot: 30, rate: 0.01, dividendYield: 0.05, volatility: 1.1, years: 3 },
];

describe("lognormal kernels", () => {
  for (const market of MARKETS) {
    const { spot, rate, dividendYield, volatility, years } = market;
    const deviation = volatility * Math.sqrt(years);
    const forwardPrice = forward(spot, rate, dividendYield, years);
    const logForward = Math.log(spot) + (rate - dividendYield) * years;
    it(`agree with terminal-distribution.ts at S=${spot}, σ=${volatility}, T=${years.toFixed(4)}`, () => {
      for (let step = -40; step <= 40; step++) {
        const strike = spot * Math.exp((step / 10) * deviation);
        const logForwardOverStrike = logForward - Math.log(strike);
        expect(probabilityBelowFromLog(-logForwardOverStrike, deviation)).toBeCloseTo(
          probabilityBelow(spot, rate, dividendYield, volatility, years, strike),
          13,
        );
        const scale = Math.max(spot, strike);
        expect(expectedPutFromLog(strike, forwardPrice, logForwardOverStrike, deviation) / scale).toBeCloseTo(
          expectedPutPayoff(spot, rate, dividendYield, volatility, years, strike) / scale,
          12,
        );
        const belowStrike = probabilityBelowFromLog(-logForwardOverStrike, deviation);
        expect(expectedPutGivenBelow(strike, forwardPrice, -logForwardOverStrike, deviation, belowStrike) / scale).toBeCloseTo(
          expectedPutPayoff(spot, rate, dividendYield, volatility, years, strike) / scale,
          12,
        );
        expect(expectedCallFromLog(strike, forwardPrice, logForwardOverStrike, deviation) / scale).toBeCloseTo(
          expectedCallPayoff(spot, rate, dividendYield, volatility, years, strike) / scale,
          12,
        );
      }
    });
  }
});
