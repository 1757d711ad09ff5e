// Which calendar dates the US equity and options markets trade: weekdays other than the NYSE's
// full-day holidays, by the exchange's observance rules (a holiday on a Saturday is kept the
// Friday before, on a Sunday the Monday after; New Year's Day on a Saturday is not moved into
// the old year). One-off closures (a national day of mourning, a storm) are not modelled, nor
// are early closes, which are still trading days.
import { addDays, dayOfWeek } from "../engine/new-york-time.js";

const SUNDAY = 0;
const MONDAY = 1;
const THURSDAY = 4;
const SATURDAY = 6;
/** Juneteenth became an exchange holiday in 2022. */
const FIRST_JUNETEENTH_CLOSURE = 2022;

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The `nth` (1-based) `weekday` of a month. */
function nthWeekday(year: number, month: number, weekday: number, nth: number): string {
  const first = isoDate(year, month, 1);
  return addDays(first, ((weekday - dayOfWeek(first) + 7) % 7) + 7 * (nth - 1));
}

function lastWeekday(year: number, month: number, weekday: number): string {
  const nextMonthFirst = month === 12 ? isoDate(year + 1, 1, 1) : isoDate(year, month + 1, 1);
  const last = addDays(nextMonthFirst, -1);
  return addDays(last, -((dayOfWeek(last) - weekday + 7) % 7));
}

/** A fixed-date holiday as observed: Saturday → Friday, Sunday → Monday. */
function observed(date: string): string {
  const weekday = dayOfWeek(date);
  if (weekday === SATURDAY) return addDays(date, -1);
  if (weekday === SUNDAY) return addDays(date, 1);
  return date;
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

const holidayCache = new Map<number, ReadonlySet<string>>();

/** The NYSE's full-day holidays of a year, as observed. */
export function marketHolidays(year: number): ReadonlySet<string> {
  const known = holidayCache.get(year);
  if (known) return known;
  const newYear = isoDate(year, 1, 1);
  const holidays = new Set<string>([
    nthWeekday(year, 1, MONDAY, 3), // Martin Luther King Jr. Day
    nthWeekday(year, 2, MONDAY, 3), // Washington's Birthday
    addDays(easterSunday(year), -2), // Good Friday
    lastWeekday(year, 5, MONDAY), // Memorial Day
    observed(isoDate(year, 7, 4)), // Independence Day
    nthWeekday(year, 9, MONDAY, 1), // Labor Day
    nthWeekday(year, 11, THURSDAY, 4), // Thanksgiving
    observed(isoDate(year, 12, 25)), // Christmas
  ]);
  // New Year's Day on a Saturday closes nothing: the Friday before is the old year's last session.
  if (dayOfWeek(newYear) !== SATURDAY) holidays.add(observed(newYear));
  if (year >= FIRST_JUNETEENTH_CLOSURE) holidays.add(observed(isoDate(year, 6, 19)));
  holidayCache.set(year, holidays);
  return holidays;
}

/** Whether the market trades on `date` (YYYY-MM-DD). */
export function isTradingDay(date: string): boolean {
  const weekday = dayOfWeek(date);
  if (weekday === SATURDAY || weekday === SUNDAY) return false;
  return !marketHolidays(Number(date.slice(0, 4))).has(date);
}

/** The `count` trading days before `date` (not `date` itself), ascending. */
export function tradingDaysBefore(date: string, count: number): string[] {
  const days: string[] = [];
  let day = date;
  while (days.length < count) {
    day = addDays(day, -1);
    if (isTradingDay(day)) days.push(day);
  }
  return days.reverse();
}
