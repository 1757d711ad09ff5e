// The simulated market's event calendar: seeded per symbol, quarterly, on weekdays, earnings
// only for single stocks and ex-dividend dates only for dividend payers.
import { describe, expect, it } from "vitest";
import { CorporateEventKind, EventTimeOfDay } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { daysBetween, dayOfWeek } from "../../../services/engine/new-york-time.js";
import { SimulatedEventProvider } from "../../../services/coordinator/events/simulated-events.js";

const ASOF = new Date("2026-12-07T15:00:00Z"); // 10:00 New York, Monday 7 December 2026
const EARNINGS = CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS;
const EX_DIVIDEND = CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND;

const datesOf = (symbol: string, kind: CorporateEventKind, seed = 1, asOf = ASOF): string[] =>
  (new SimulatedEventProvider(seed).calendarFor(symbol, asOf)?.events ?? []).filter((event) => event.kind === kind).map((event) => event.date);

describe("the simulated event calendar", () => {
  it("gives a single stock quarterly earnings at one time of day, on weekdays from the as-of date to a year and more ahead", () => {
    const calendar = new SimulatedEventProvider(1).calendarFor("AAPL", ASOF);
    expect(calendar?.source).toBe("simulated");
    const earnings = calendar!.events.filter((event) => event.kind === EARNINGS);
    expect(earnings.length).toBeGreaterThanOrEqual(4);
    expect(earnings[0]!.date >= "2026-12-07").toBe(true);
    expect(daysBetween("2026-12-07", earnings[0]!.date)).toBeLessThan(91 + 2);
    expect(earnings.at(-1)!.date >= "2027-12-07").toBe(true);
    expect(new Set(earnings.map((event) => event.timeOfDay)).size).toBe(1);
    expect([EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN, EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE]).toContain(earnings[0]!.timeOfDay);
    for (const event of calendar!.events) expect([0, 6], event.date).not.toContain(dayOfWeek(event.date));
    // 91 days apart, give or take the two days a weekend date moves.
    for (let index = 1; index < earnings.length; index++) {
      const gap = daysBetween(earnings[index - 1]!.date, earnings[index]!.date);
      expect(gap).toBeGreaterThanOrEqual(89);
      expect(gap).toBeLessThanOrEqual(93);
    }
    // Ascending by date, every kind together.
    const dates = calendar!.events.map((event) => event.date);
    expect(dates).toEqual([...dates].sort());
  });

  it("gives index funds no earnings, and symbols without a dividend no ex-dividend dates", () => {
    expect(datesOf("SPY", EARNINGS)).toEqual([]);
    expect(datesOf("SPY", EX_DIVIDEND).length).toBeGreaterThanOrEqual(4);
    // TSLA and AMZN pay no dividend in their profiles.
    expect(datesOf("TSLA", EX_DIVIDEND)).toEqual([]);
    expect(datesOf("TSLA", EARNINGS).length).toBeGreaterThanOrEqual(4);
  });

  it("is the same for the same seed and symbol, and moves with the seed; a later as-of drops what has passed", () => {
    expect(datesOf("MSFT", EARNINGS, 7)).toEqual(datesOf("MSFT", EARNINGS, 7));
    const seeds = new Set([1, 2, 3, 4, 5].map((seed) => datesOf("MSFT", EARNINGS, seed)[0]));
    expect(seeds.size).toBeGreaterThan(1);
    const later = datesOf("MSFT", EARNINGS, 7, new Date("2027-03-01T15:00:00Z"));
    expect(later.every((date) => date >= "2027-03-01")).toBe(true);
    expect(datesOf("MSFT", EARNINGS, 7).filter((date) => date >= "2027-03-01" && date <= later.at(-1)!)).toEqual(
      later.filter((date) => date <= datesOf("MSFT", EARNINGS, 7).at(-1)!),
    );
  });

  it("does not know a symbol the simulated market does not list", () => {
    expect(new SimulatedEventProvider(1).calendarFor("ZZZZ", ASOF)).toBeUndefined();
  });
});
