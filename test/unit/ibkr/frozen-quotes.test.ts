import { describe, expect, it } from "vitest";
import { frozenQuoteTime, lastRegularClose } from "../../../services/coordinator/market/ibkr/frozen-quotes.js";

// March 2026: DST starts Sunday 8 March, so 16:00 New York is 21:00Z before and 20:00Z after.
describe("lastRegularClose", () => {
  it.each([
    ["Wednesday evening: that day's close", "2026-03-11T23:30:00Z", "2026-03-11T20:00:00Z"],
    ["Wednesday morning: Tuesday's close", "2026-03-11T15:00:00Z", "2026-03-10T20:00:00Z"],
    ["exactly at the close", "2026-03-11T20:00:00Z", "2026-03-11T20:00:00Z"],
    ["Monday morning: Friday's close", "2026-03-16T13:00:00Z", "2026-03-13T20:00:00Z"],
    ["Saturday: Friday's close", "2026-03-14T18:00:00Z", "2026-03-13T20:00:00Z"],
    ["Monday after the DST change: Friday's close in EST", "2026-03-09T13:00:00Z", "2026-03-06T21:00:00Z"],
  ])("%s", (_, at, close) => {
    expect(lastRegularClose(new Date(at))).toEqual(new Date(close));
  });

  it("never stamps a frozen quote later than it arrived", () => {
    for (let hour = 0; hour < 24 * 7; hour += 5) {
      const at = new Date(Date.UTC(2026, 2, 9) + hour * 3_600_000);
      expect(frozenQuoteTime(at).getTime()).toBeLessThanOrEqual(at.getTime());
    }
  });
});
