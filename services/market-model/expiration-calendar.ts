// Which expirations a US equity option chain lists: weekly Fridays for the next eight weeks
// and the monthly third Fridays out to a year. Exchange holidays (a Good Friday expiry moving
// to Thursday) are not modelled: every synthetic expiry is a Friday.
import { addDays, dayOfWeek, expiryInstant, newYorkDate } from "../engine/new-york-time.js";

const FRIDAY = 5;
const WEEKLY_EXPIRATIONS = 8;

/** The first Friday on or after `date`. */
function fridayOnOrAfter(date: string): string {
  return addDays(date, (FRIDAY - dayOfWeek(date) + 7) % 7);
}

/** The third Friday of a month (1-12): the standard monthly expiry. */
function thirdFriday(year: number, month: number): string {
  const first = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-01`;
  return addDays(fridayOnOrAfter(first), 14);
}

/** One year after `date`; 29 February maps to 28 February. */
function oneYearAfter(date: string): string {
  const year = Number(date.slice(0, 4)) + 1;
  const monthDay = date.slice(5) === "02-29" ? "02-28" : date.slice(5);
  return `${String(year).padStart(4, "0")}-${monthDay}`;
}

/**
 * Expiry dates (YYYY-MM-DD, ascending, distinct) live at `asOf`: an expiry still trades on its
 * own day until 16:00 New York, so a Friday as-of before the close lists that Friday.
 */
export function listExpirations(asOf: Date): string[] {
  const today = newYorkDate(asOf);
  const live = (date: string): boolean => expiryInstant(date).getTime() > asOf.getTime();
  let firstWeekly = fridayOnOrAfter(today);
  if (!live(firstWeekly)) firstWeekly = addDays(firstWeekly, 7);

  const dates = new Set<string>();
  for (let week = 0; week < WEEKLY_EXPIRATIONS; week++) dates.add(addDays(firstWeekly, 7 * week));

  const lastDate = oneYearAfter(today);
  let year = Number(today.slice(0, 4));
  let month = Number(today.slice(5, 7));
  for (;;) {
    const monthly = thirdFriday(year, month);
    if (monthly > lastDate) break;
    if (live(monthly)) dates.add(monthly);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return [...dates].sort();
}
