// The exact EV-per-risk test of the iron search (services/engine/iron-risk-exact.ts): on
// random pairs of credit wings, EV − r × max loss is at least 0 exactly when the spread's EV
// per dollar at risk (worked here from its four numbers, by the definitions of
// ARCHITECTURE.md: EV summed, max loss = wider wing less the net credit) reaches r.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { valueLessRisk } from "../../../services/engine/iron-risk-exact.js";

interface Wing {
  /** The wing's expected value as a vertical, per share. */
  value: number;
  width: number;
  credit: number;
}

const wingArbitrary: fc.Arbitrary<Wing> = fc
  .record({
    width: fc.double({ min: 0.5, max: 200, noNaN: true }),
    // A credit vertical: credit strictly between 0 and its width (in the money, close to it).
    creditShare: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
    valueShare: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
  })
  .map(({ width, creditShare, valueShare }) => ({ width, credit: width * creditShare, value: width * valueShare * Math.min(creditShare, 1 - creditShare) }));

function valuePerRisk(put: Wing, call: Wing): number {
  const maxLoss = Math.max(put.width, call.width) - put.credit - call.credit;
  return (put.value + call.value) / maxLoss;
}

/** The put wing's two terms at `rate`, as the search computes them once per put wing. */
function tested(put: Wing, call: Wing, rate: number): number {
  return valueLessRisk(put.value - rate * (put.width - put.credit), put.value + rate * put.credit, call.value, call.credit, call.width, rate);
}

describe("the exact EV-per-risk test of an iron spread", () => {
  it("is at least 0 exactly when the spread's EV per risk reaches the rate (away from ties)", () => {
    let below = 0;
    let reached = 0;
    fc.assert(
      fc.property(wingArbitrary, wingArbitrary, fc.double({ min: 0.5, max: 1.5, noNaN: true }), (put, call, factor) => {
        // Only spreads with something at risk pass the spread filters.
        fc.pre(Math.max(put.width, call.width) - put.credit - call.credit > 1e-3);
        const exact = valuePerRisk(put, call);
        // Rates around the spread's own EV per risk, within (0, 1] where the search tests.
        const rate = Math.abs(exact) * factor;
        // Away from a tie by more than the rounding room (which is in dollars: (EV/risk − rate) × risk).
        const maxLoss = Math.max(put.width, call.width) - put.credit - call.credit;
        fc.pre(rate > 0 && rate <= 1 && Math.abs(exact - rate) * maxLoss > 1e-6);
        if (exact >= rate) reached++;
        else below++;
        expect(tested(put, call, rate) >= 0).toBe(exact >= rate);
      }),
      { numRuns: 5000, seed: 17 },
    );
    expect(Math.min(below, reached)).toBeGreaterThan(300);
  });

  it("never drops a spread exactly at the rate (a tie on the score)", () => {
    fc.assert(
      fc.property(wingArbitrary, wingArbitrary, (put, call) => {
        fc.pre(Math.max(put.width, call.width) - put.credit - call.credit > 1e-3);
        const exact = valuePerRisk(put, call);
        fc.pre(exact > 0 && exact <= 1);
        expect(tested(put, call, exact)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it("works an in-the-money case by hand: the wider side sets the max loss", () => {
    // Put wing 10 wide collecting 9.5 (EV +0.05), call wing 20 wide collecting 0.5 (EV −0.02):
    // max loss 20 − 10 = 10, EV 0.03, EV per risk 0.003. The put side alone risks 0.5: taken
    // as the spread's risk, 0.03 / 0.5 = 0.06 would pass.
    const put = { value: 0.05, width: 10, credit: 9.5 };
    const call = { value: -0.02, width: 20, credit: 0.5 };
    expect(valuePerRisk(put, call)).toBeCloseTo(0.003, 12);
    expect(tested(put, call, 0.0029)).toBeGreaterThanOrEqual(0);
    expect(tested(put, call, 0.0031)).toBeLessThan(0);
    expect(tested(put, call, 0.06)).toBeLessThan(0);
    // A call wing 12 wide collecting 1.2 (EV 0.1): max loss 12 − 10.7 = 1.3, EV per risk 0.15 / 1.3.
    const wider = { value: 0.1, width: 12, credit: 1.2 };
    expect(valuePerRisk(put, wider)).toBeCloseTo(0.15 / 1.3, 12);
    expect(tested(put, wider, 0.11)).toBeGreaterThanOrEqual(0);
    expect(tested(put, wider, 0.12)).toBeLessThan(0);
  });
});
