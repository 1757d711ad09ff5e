// The EV-per-risk envelopes of the iron search (services/engine/iron-risk-envelope.ts):
// on random groups of put and call wings, no group is said to fall short of an EV per risk
// that one of its spreads reaches (the spread's EV and max loss worked here from its four
// numbers, by the definitions of ARCHITECTURE.md), and a single spread is judged exactly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addWingLines, ENVELOPE_POINTS, envelopeAt, envelopeFallsShort } from "../../../services/engine/iron-risk-envelope.js";

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

/** EV per dollar at risk of the iron spread of two wings: EV summed, max loss = wider wing less the net credit. */
function valuePerRisk(put: Wing, call: Wing): number {
  const maxLoss = Math.max(put.width, call.width) - put.credit - call.credit;
  return (put.value + call.value) / maxLoss;
}

function envelopeOf(wings: readonly Wing[]): { loss: Float64Array; credit: Float64Array } {
  const loss = new Float64Array(ENVELOPE_POINTS);
  const credit = new Float64Array(ENVELOPE_POINTS);
  wings.forEach((wing, index) => addWingLines(loss, credit, 0, index === 0, wing.value, wing.width, wing.credit));
  return { loss, credit };
}

function fallsShort(puts: readonly Wing[], calls: readonly Wing[], rate: number): boolean {
  const put = envelopeOf(puts);
  const call = envelopeOf(calls);
  return envelopeFallsShort(envelopeAt(put.loss, 0, rate), envelopeAt(put.credit, 0, rate), call.loss, call.credit, 0, rate);
}

/** Spreads with a positive max loss (the others never pass the spread filters). */
const groupsArbitrary = fc
  .record({ puts: fc.array(wingArbitrary, { minLength: 1, maxLength: 12 }), calls: fc.array(wingArbitrary, { minLength: 1, maxLength: 12 }) })
  .filter(({ puts, calls }) => puts.every((put) => calls.every((call) => Math.max(put.width, call.width) - put.credit - call.credit > 1e-6)));

describe("the EV-per-risk envelopes of groups of iron spreads", () => {
  it("never say a group falls short of an EV per risk one of its spreads reaches", () => {
    let reached = 0;
    fc.assert(
      fc.property(groupsArbitrary, fc.double({ min: 0.001, max: 1, noNaN: true }), ({ puts, calls }, rate) => {
        const best = Math.max(...puts.flatMap((put) => calls.map((call) => valuePerRisk(put, call))));
        // Every rate up to the best spread's EV per risk must be let through.
        const probe = Math.min(rate, best);
        if (probe > 0) {
          reached++;
          expect(fallsShort(puts, calls, probe), `best ${best}, probe ${probe}`).toBe(false);
        }
      }),
      { numRuns: 3000, seed: 17 },
    );
    expect(reached).toBeGreaterThan(1000);
  });

  it("judges a single spread exactly: short of any rate above its EV per risk, not of one at or below it", () => {
    fc.assert(
      fc.property(wingArbitrary, wingArbitrary, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (put, call, rate) => {
        fc.pre(Math.max(put.width, call.width) - put.credit - call.credit > 1e-3);
        const exact = valuePerRisk(put, call);
        fc.pre(Math.abs(exact - rate) > 1e-6);
        expect(fallsShort([put], [call], rate)).toBe(exact < rate);
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it("works an in-the-money case by hand: a put side with little at risk and a call side with much", () => {
    // Put wing 10 wide collecting 9.5 (EV +0.05), call wing 10 wide collecting 0.5 (EV −0.02):
    // max loss 10 − 10 = 0 is not a spread; with a 20-wide call wing collecting 0.5, max
    // loss is 20 − 10 = 10 and EV per risk 0.03 / 10 = 0.003.
    const put = { value: 0.05, width: 10, credit: 9.5 };
    const call = { value: -0.02, width: 20, credit: 0.5 };
    expect(valuePerRisk(put, call)).toBeCloseTo(0.003, 12);
    expect(fallsShort([put], [call], 0.0029)).toBe(false);
    expect(fallsShort([put], [call], 0.0031)).toBe(true);
    // The old bound paired the put side's tiny risk (10 − 9.5 − 0.5 = 0) with the largest EV:
    // a call wing of another width with more EV but more at risk does not lift the group to 0.1.
    const richer = { value: 0.4, width: 60, credit: 2 };
    expect(valuePerRisk(put, richer)).toBeCloseTo(0.45 / 48.5, 12);
    expect(fallsShort([put], [call, richer], 0.1)).toBe(true);
    expect(fallsShort([put], [call, richer], 0.009)).toBe(false);
  });
});
