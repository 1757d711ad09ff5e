// The top-N heap keeps a calendar's or diagonal's back expiration with it, and orders
// otherwise equal candidates by it (the tie rule in top-candidates.ts: after the strategy,
// the earlier back expiration, then the legs).
import { describe, expect, it } from "vitest";
import { Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { NO_EXPIRY, NO_LEG, TopCandidates } from "../../../services/engine/top-candidates.js";

const CALENDAR = Strategy.STRATEGY_CALL_CALENDAR;

describe("the heap with calendars and diagonals", () => {
  it("prefers the earlier back expiration between otherwise equal candidates, whatever the order offered", () => {
    for (const backs of [
      [4, 2, 3],
      [2, 3, 4],
      [3, 4, 2],
    ]) {
      const heap = new TopCandidates(2);
      for (const back of backs) heap.offer(0.5, 0.5, 1, CALENDAR, NO_LEG, NO_LEG, 7, 7, back);
      expect(heap.rankedSlots().map((slot) => heap.backExpiry[slot])).toEqual([2, 3]);
    }
  });

  it("orders by back expiration before the legs, and carries it through drainInto", () => {
    const perExpiry = new TopCandidates(3);
    perExpiry.offer(0.5, 0.5, 1, CALENDAR, NO_LEG, NO_LEG, 9, 9, 3);
    perExpiry.offer(0.5, 0.5, 1, CALENDAR, NO_LEG, NO_LEG, 5, 5, 4);
    perExpiry.offer(0.5, 0.5, 1, Strategy.STRATEGY_BULL_CALL, NO_LEG, NO_LEG, 5, 6);
    const final = new TopCandidates(3);
    perExpiry.drainInto(final);
    const ranked = final.rankedSlots();
    // Bull call (strategy 3) before the calendars (7); then back 3 before back 4 though its strikes are higher.
    expect(ranked.map((slot) => [final.strategy[slot], final.backExpiry[slot], final.legs[slot * 4 + 2]])).toEqual([
      [Strategy.STRATEGY_BULL_CALL, NO_EXPIRY, 5],
      [CALENDAR, 3, 9],
      [CALENDAR, 4, 5],
    ]);
  });
});
