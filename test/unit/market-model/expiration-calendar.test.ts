// Expirations and New York calendar arithmetic: weekly and monthly Fridays, none expired,
// none past a year, whatever the as-of instant and the machine's time zone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listExpirations } from "../../../services/market-model/expiration-calendar.js";
import { addDays, dayOfWeek, daysToExpiry, expiryInstant, newYorkDate, yearsToExpiry } from "../../../services/engine/new-york-time.js";

const FRIDAY = 5;

function isThirdFriday(date: string): boolean {
  const day = Number(date.slice(8, 10));
  return dayOfWeek(date) === FRIDAY && day >= 15 && day <= 21;
}

describe("listExpirations", () => {
  it("lists eight weekly Fridays, then the monthly third Fridays to a year out", () => {
    const asOf = new Date("2025-06-02T14:30:00Z"); // Monday 10:30 New York
    expect(listExpirations(asOf)).toEqual([
      "2025-06-06",
      "2025-06-13",
      "2025-06-20",
      "2025-06-27",
      "2025-07-04",
      "2025-07-11",
      "2025-07-18",
      "2025-07-25",
      "2025-08-15",
      "2025-09-19",
      "2025-10-17",
      "2025-11-21",
      "2025-12-19",
      "2026-01-16",
      "2026-02-20",
      "2026-03-20",
      "2026-04-17",
      "2026-05-15",
    ]);
  });

  it("lists a Friday's own expiry until the 16:00 New York close, and not after", () => {
    expect(listExpirations(new Date("2025-06-06T19:59:00Z"))[0]).toBe("2025-06-06"); // 15:59 EDT
    expect(listExpirations(new Date("2025-06-06T20:00:00Z"))[0]).toBe("2025-06-13"); // 16:00 EDT
    expect(listExpirations(new Date("2025-01-10T20:59:00Z"))[0]).toBe("2025-01-10"); // 15:59 EST
    expect(listExpirations(new Date("2025-01-10T21:00:00Z"))[0]).toBe("2025-01-17");
  });

  it("counts from the New York date, not the UTC one", () => {
    // Saturday 01:00 UTC is still Friday evening in New York, after that Friday's close.
    const asOf = new Date("2025-06-07T01:00:00Z");
    expect(newYorkDate(asOf)).toBe("2025-06-06");
    expect(listExpirations(asOf)[0]).toBe("2025-06-13");
    expect(daysToExpiry(asOf, "2025-06-13")).toBe(7);
  });

  it("holds for any as-of instant: sorted distinct Fridays, live, within a year, eight weeklies, every monthly", () => {
    const instants = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2040-12-31T23:59:59Z"), noInvalidDate: true });
    fc.assert(
      fc.property(instants, (asOf) => {
        const expirations = listExpirations(asOf);
        const today = newYorkDate(asOf);
        const yearOut = `${String(Number(today.slice(0, 4)) + 1)}${today.slice(4)}`;
        expect([...new Set(expirations)].sort()).toEqual(expirations);
        for (const expiry of expirations) {
          expect(dayOfWeek(expiry)).toBe(FRIDAY);
          expect(expiryInstant(expiry).getTime()).toBeGreaterThan(asOf.getTime());
          expect(yearsToExpiry(asOf, expiry)).toBeGreaterThan(0);
          expect(daysToExpiry(asOf, expiry)).toBeGreaterThanOrEqual(0);
          expect(expiry <= yearOut).toBe(true);
        }
        const weeklies = expirations.slice(0, 8);
        weeklies.forEach((expiry, index) => expect(expiry).toBe(addDays(weeklies[0] ?? "", 7 * index)));
        expect(daysToExpiry(asOf, weeklies[0] ?? "")).toBeLessThanOrEqual(7);
        const monthlies = expirations.filter(isThirdFriday);
        // Eleven or twelve months ahead, plus this month's when it is still to come.
        expect(monthlies.length).toBeGreaterThanOrEqual(11);
        expect(monthlies.length).toBeLessThanOrEqual(13);
        expect(expirations.slice(8).every(isThirdFriday)).toBe(true);
        for (let month = 0; month <= 12; month++) {
          const first = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1 + month, 1));
          const monthStart = first.toISOString().slice(0, 10);
          const third = [14, 15, 16, 17, 18, 19, 20].map((days) => addDays(monthStart, days)).find(isThirdFriday) ?? "";
          const live = expiryInstant(third).getTime() > asOf.getTime() && third <= yearOut;
          expect(expirations.includes(third)).toBe(live);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("New York time", () => {
  it("closes expiries at 16:00 New York, in summer and in winter time", () => {
    expect(expiryInstant("2025-06-20").toISOString()).toBe("2025-06-20T20:00:00.000Z");
    expect(expiryInstant("2025-12-19").toISOString()).toBe("2025-12-19T21:00:00.000Z");
    // The Friday before and after the March change to summer time.
    expect(expiryInstant("2025-03-07").toISOString()).toBe("2025-03-07T21:00:00.000Z");
    expect(expiryInstant("2025-03-14").toISOString()).toBe("2025-03-14T20:00:00.000Z");
  });

  it("measures time to expiry in years of 365 days and DTE in New York calendar days", () => {
    const asOf = new Date("2025-06-20T16:00:00Z"); // 12:00 EDT on expiry day
    expect(yearsToExpiry(asOf, "2025-06-20")).toBeCloseTo(4 / 24 / 365, 12);
    expect(daysToExpiry(asOf, "2025-06-20")).toBe(0);
    expect(daysToExpiry(new Date("2025-06-21T03:59:00Z"), "2025-06-27")).toBe(7); // 23:59 EDT on the 20th
    expect(daysToExpiry(new Date("2025-06-21T04:00:00Z"), "2025-06-27")).toBe(6); // 00:00 EDT on the 21st
  });

  it("does date arithmetic across month, year and leap-day boundaries", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-12-27", 7)).toBe("2025-01-03");
    expect(dayOfWeek("2025-06-06")).toBe(FRIDAY);
    expect(() => addDays("2025-02-30", 1)).toThrow(/calendar date/);
  });
});
