// When a wall-clock time on a date happens in New York: hand-worked instants around the DST
// changes, and every day of three years plus dates of two centuries checked by reading the
// answer back with a formatter of the test's own.
import { describe, expect, it } from "vitest";
import { expiryInstant, newYorkInstant } from "../../../services/engine/new-york-time.js";

const reader = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
});

/** The New York wall clock of an instant, as "YYYY-MM-DD HH:MM". */
function wallClock(ms: number): string {
  const part = (type: string): string => reader.formatToParts(new Date(ms)).find((each) => each.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

describe("New York time", () => {
  it("puts 16:00 and the repeated hour of November where the offsets of the day say", () => {
    expect(expiryInstant("2026-12-18").toISOString()).toBe("2026-12-18T21:00:00.000Z");
    expect(expiryInstant("2026-07-17").toISOString()).toBe("2026-07-17T20:00:00.000Z");
    // The days daylight time starts and ends: 16:00 is past the change either way.
    expect(expiryInstant("2026-03-08").toISOString()).toBe("2026-03-08T20:00:00.000Z");
    expect(expiryInstant("2026-03-07").toISOString()).toBe("2026-03-07T21:00:00.000Z");
    expect(expiryInstant("2026-11-01").toISOString()).toBe("2026-11-01T21:00:00.000Z");
    expect(expiryInstant("2026-10-31").toISOString()).toBe("2026-10-31T20:00:00.000Z");
    // 01:00 happens twice on 2026-11-01: the first time, in daylight time.
    expect(newYorkInstant("2026-11-01", 1).toISOString()).toBe("2026-11-01T05:00:00.000Z");
    expect(newYorkInstant("2026-11-01", 0).toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(newYorkInstant("2026-03-08", 0).toISOString()).toBe("2026-03-08T05:00:00.000Z");
  });

  it("gives an instant whose New York wall clock is the time asked, every day of 2026 to 2028 and across two centuries", () => {
    const dates: string[] = [];
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2029, 0, 1); ms += 86_400_000) dates.push(day(ms));
    for (let year = 1890; year <= 2100; year += 7)
      for (const month of [1, 3, 4, 6, 10, 11, 12])
        dates.push(`${year}-${String(month).padStart(2, "0")}-${String(1 + ((year * month) % 27)).padStart(2, "0")}`);
    for (const date of dates) {
      for (const hour of [0, 9, 16, 23]) {
        const instant = newYorkInstant(date, hour).getTime();
        expect(wallClock(instant), `${date} ${hour}:00`).toBe(`${date} ${String(hour).padStart(2, "0")}:00`);
      }
    }
  });
});
