// Calendar arithmetic in New York, where US listed options expire: DTE counts New York
// calendar days, and an option's life ends at 16:00 New York time on its expiry date.

const NEW_YORK = "America/New_York";
const DAY_MS = 86_400_000;

const dateParts = new Intl.DateTimeFormat("en-US", {
  timeZone: NEW_YORK,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function newYorkWallClock(instantMs: number): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of dateParts.formatToParts(instantMs)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  return clock;
}

/** The New York calendar date of an instant, as YYYY-MM-DD. */
export function newYorkDate(instantMs: number): string {
  const { year, month, day } = newYorkWallClock(instantMs);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date, or NaN when it is not a real calendar date. */
export function epochDay(isoDate: string): number {
  const match = ISO_DATE.exec(isoDate);
  if (!match) return Number.NaN;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return Number.NaN;
  return ms / DAY_MS;
}

/** The instant of 16:00 New York time on a YYYY-MM-DD date (daylight saving included). */
export function newYorkCloseMs(isoDate: string): number {
  const day = epochDay(isoDate);
  if (Number.isNaN(day)) return Number.NaN;
  const wallClockAsUtc = day * DAY_MS + 16 * 3_600_000;
  // New York is 4 or 5 hours behind UTC; find the offset in force at that wall-clock time.
  let guess = wallClockAsUtc + 5 * 3_600_000;
  for (let attempt = 0; attempt < 2; attempt++) {
    const clock = newYorkWallClock(guess);
    const seenAsUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
    guess += wallClockAsUtc - seenAsUtc;
  }
  return guess;
}

export const YEAR_MS = 365 * DAY_MS;
