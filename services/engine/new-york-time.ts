// Calendar arithmetic in New York time. Expiry dates are New York calendar dates, DTE counts
// New York calendar days, and an option stops trading at 16:00 New York on its expiry date,
// whatever the time zone of the machine running us.

const NEW_YORK = "America/New_York";
const MS_PER_DAY = 86_400_000;
/** Years of 365 days, the convention of the spread math (docs/architecture.md, "Spread math"). */
export const MS_PER_YEAR = 365 * MS_PER_DAY;
const CLOSE_HOUR = 16;

function newYorkPartsFormat(): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: NEW_YORK,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

// Made as the module loads: making it costs ICU 10-16 ms in a fresh process, which belongs
// to the process's start, not to the first scan's preparation. A V8 startup snapshot cannot
// hold ICU's state, so the CLI's snapshot releases it before it is taken and makes it again
// as its process starts (services/cli/snapshot-main.ts).
let partsFormat: Intl.DateTimeFormat | undefined = newYorkPartsFormat();

/** Drops the formatter; `loadNewYorkFormat`, or else the next use, makes it again. */
export function releaseNewYorkFormat(): void {
  partsFormat = undefined;
}

/** Makes the formatter now, if it was released. */
export function loadNewYorkFormat(): void {
  partsFormat ??= newYorkPartsFormat();
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function newYorkWallClock(instant: Date): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of (partsFormat ??= newYorkPartsFormat()).formatToParts(instant)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  return clock;
}

/** The New York calendar date of an instant, YYYY-MM-DD. */
export function newYorkDate(instant: Date): string {
  const { year, month, day } = newYorkWallClock(instant);
  return formatDate(year, month, day);
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written YYYY-MM-DD (2025-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Midnight UTC of a calendar date: a time-zone-free handle for date arithmetic. */
function dateIndex(date: string): number {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}

function dateFromIndex(ms: number): string {
  const date = new Date(ms);
  return formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, or NaN when it is not a real calendar date. */
export function epochDay(date: string): number {
  return isCalendarDate(date) ? Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY : Number.NaN;
}

/** `date` moved by a whole number of calendar days. */
export function addDays(date: string, days: number): string {
  return dateFromIndex(dateIndex(date) + days * MS_PER_DAY);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateIndex(to) - dateIndex(from)) / MS_PER_DAY);
}

/** Day of the week of a calendar date, 0 for Sunday through 6 for Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(dateIndex(date)).getUTCDay();
}

/** The instant a wall-clock time on a calendar date occurs in New York (DST included). */
export function newYorkInstant(date: string, hour: number, minute = 0): Date {
  const wanted = dateIndex(date) + (hour * 60 + minute) * 60_000;
  // Guess New York's offset from the month (daylight time from April to November), then read
  // the wall clock at the guess and correct by what it shows until it shows the time wanted:
  // one reading of the time zone (a formatToParts, the dear part) for a guess that holds, as
  // for nearly every date, a second after a DST change or under the rules of the past. In the
  // hour that November repeats, the daylight-time one, the first, as from a guess of UTC.
  const month = Number(date.slice(5, 7));
  let instant = wanted + (month >= 4 && month <= 11 ? 4 : 5) * 3_600_000;
  for (let pass = 0; pass < 3; pass++) {
    const clock = newYorkWallClock(new Date(instant));
    const seen = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
    if (seen === wanted) break;
    instant += wanted - seen;
  }
  return new Date(instant);
}

/** When an option expiring on `expiryDate` stops trading: 16:00 New York that day. */
export function expiryInstant(expiryDate: string): Date {
  return newYorkInstant(expiryDate, CLOSE_HOUR);
}

/** Years of 365 days from `asOf` to 16:00 New York on `expiryDate`; negative once expired. */
export function yearsToExpiry(asOf: Date, expiryDate: string): number {
  return (expiryInstant(expiryDate).getTime() - asOf.getTime()) / MS_PER_YEAR;
}

/** DTE: calendar days from the New York date of `asOf` to `expiryDate`. */
export function daysToExpiry(asOf: Date, expiryDate: string): number {
  return daysBetween(newYorkDate(asOf), expiryDate);
}

/** The New York date of `instant`; undefined for none or an invalid one. */
export function newYorkDateOrUndefined(instant: Date | undefined): string | undefined {
  return instant && !Number.isNaN(instant.getTime()) ? newYorkDate(instant) : undefined;
}

/**
 * Whether a contract expiring on `expiryDate` is still alive on the New York date `date`: it
 * expires at that day's close, so only an expiry before `date` is gone. Without a date, or with
 * an expiry that is no calendar date (judged elsewhere), it is kept.
 */
export function aliveOn(expiryDate: string, date: string | undefined): boolean {
  return date === undefined || !isCalendarDate(expiryDate) || expiryDate >= date;
}
