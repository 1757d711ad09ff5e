// Planning the iron search by groups of call shorts (services/engine/iron-call-short-groups.ts):
// a group may be dropped only when every member's own first check would drop its pair. On
// random figures (credits of either sign, EV and EV per margin of either sign, any score
// weights and threshold), whenever callGroupLoses says the group loses, each member's bound,
// built as the planning builds a pair's (POP taken as 1), must lose too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { CreditWings } from "../../../services/engine/iron-candidates.js";
import { callGroupLoses, callShortGroups, CALL_SHORT_GROUP } from "../../../services/engine/iron-call-short-groups.js";
import { boundLoses, GroupFigures, sortKeyBound } from "../../../services/engine/iron-bounds.js";
import { creditToWidthBound } from "../../../services/engine/iron-block-pass.js";
import { LEG_SHORT_OTM, type PricedSide } from "../../../services/engine/priced-side.js";
import { resolveQuery } from "../../../services/engine/resolved-query.js";

interface ShortFigures {
  credit: number;
  narrowest: number;
  ratio: number;
  lessWidth: number;
  value: number;
  valuePerMargin: number;
  bidAsk: number;
}

const shortArbitrary: fc.Arbitrary<ShortFigures> = fc.record({
  credit: fc.double({ min: -3, max: 10, noNaN: true }),
  narrowest: fc.double({ min: 0.5, max: 50, noNaN: true }),
  ratio: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
  lessWidth: fc.double({ min: -50, max: 3, noNaN: true }),
  value: fc.double({ min: -5, max: 5, noNaN: true }),
  valuePerMargin: fc.double({ min: -2, max: 2, noNaN: true }),
  bidAsk: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** The figures of a side's shorts as CreditWings holds them (one wing each: the test reads only the per-short columns). */
function wingsOf(shorts: readonly ShortFigures[]): CreditWings {
  const column = (pick: (short: ShortFigures) => number) => Float64Array.from(shorts, pick);
  return {
    shortCount: shorts.length,
    shorts: Int32Array.from(shorts, (_, index) => index),
    firstWing: Int32Array.from({ length: shorts.length + 1 }, (_, index) => index),
    largestCredit: column((short) => short.credit),
    narrowestWidth: column((short) => short.narrowest),
    largestCreditToWidth: column((short) => short.ratio),
    largestCreditLessWidth: column((short) => short.lessWidth),
    largestValue: column((short) => short.value),
    largestValuePerMargin: column((short) => short.valuePerMargin),
  } as unknown as CreditWings;
}

/** A side whose legs are the shorts given, out of the money, at strikes above `from`, with their bid-ask widths. */
function sideOf(shorts: readonly ShortFigures[], from: number): PricedSide {
  return {
    flags: Uint8Array.from(shorts, () => LEG_SHORT_OTM),
    table: {
      strike: Float64Array.from(shorts, (_, index) => from + index),
      bid: new Float64Array(shorts.length),
      ask: Float64Array.from(shorts, (short) => short.bidAsk),
    },
  } as unknown as PricedSide;
}

describe("call shorts bounded in groups while planning the iron search", () => {
  it("drop a group only when each member's own bound (POP 1) loses", () => {
    let groupsDropped = 0;
    fc.assert(
      fc.property(
        shortArbitrary,
        fc.array(shortArbitrary, { minLength: 1, maxLength: CALL_SHORT_GROUP }),
        fc.record({
          expectedValuePerRisk: fc.double({ min: 0.01, max: 1, noNaN: true }),
          pop: fc.double({ min: 0, max: 1, noNaN: true }),
          liquidity: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.double({ min: -0.5, max: 1.2, noNaN: true }),
        (put, callShorts, scoreWeights, threshold) => {
          const query = resolveQuery(ScanQuery.fromPartial({ scoreWeights }));
          const putWings = wingsOf([put]);
          const callWings = wingsOf(callShorts);
          const groups = callShortGroups(sideOf(callShorts, 600), callWings);
          if (!callGroupLoses(query, putWings, 0, put.bidAsk, groups, 0, threshold)) return;
          groupsDropped++;
          const figures = new GroupFigures();
          for (const call of callShorts) {
            // The planning's first check of one pair (iron-search.ts, planPutShort).
            const net = put.credit + call.credit;
            figures.largestNet = net;
            figures.largestCreditToWidth = creditToWidthBound(put.ratio, call.ratio, net, Math.max(put.narrowest, call.narrowest));
            figures.largestNetLessWidth = Math.min(put.credit + call.lessWidth, put.lessWidth + call.credit);
            figures.largestValue = put.value + call.value;
            figures.largestValuePerRisk = 2 * Math.max(put.valuePerMargin, call.valuePerMargin);
            figures.smallestBidAskSum = put.bidAsk + call.bidAsk;
            figures.popCeiling = 1;
            figures.touchFloor = 0;
            expect(boundLoses(sortKeyBound(query, 100, figures), threshold)).toBe(true);
          }
        },
      ),
      { numRuns: 20_000, seed: 17 },
    );
    // The property says something only if groups are dropped.
    expect(groupsDropped).toBeGreaterThan(100);
  });
  it("keep a group whose best EV per margin is negative when a member has no positive EV (its EV-per-risk term is 0, not below)", () => {
    const query = resolveQuery(ScanQuery.fromPartial({}));
    const put: ShortFigures = { credit: 2, narrowest: 5, ratio: 0.4, lessWidth: -3, value: 1, valuePerMargin: -0.5, bidAsk: 0 };
    // EV 1 − 2 < 0 with the put: its score is the POP and liquidity terms alone, 0.3 + 0.2.
    const noValue: ShortFigures = { ...put, value: -2 };
    // EV 1 + 2 > 0 but EV per margin −0.5 a side: its EV-per-risk term is −1, its score 0.
    const negativePerMargin: ShortFigures = { ...put, value: 2 };
    const callShorts = [noValue, negativePerMargin];
    const groups = callShortGroups(sideOf(callShorts, 600), wingsOf(callShorts));
    expect(callGroupLoses(query, wingsOf([put]), 0, put.bidAsk, groups, 0, 0.45)).toBe(false);
  });
});
