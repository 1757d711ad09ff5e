// What makes a chain's event calendar unusable, field by field (relative to the chain): a date
// that is no calendar date cannot be placed before or after an expiry, and a calendar without
// bound would cost every scan. Kinds and times of day the engine does not know are not errors:
// an unknown kind is ignored and an unknown time of day is "any time of its date", as the
// contract says.
import type { EventCalendar } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { InputViolation } from "../input-errors.js";
import { isCalendarDate } from "../new-york-time.js";

/** Events a calendar may hold: years of quarterly earnings and dividends, with room to spare. */
export const MAX_CALENDAR_EVENTS = 1000;
const MAX_SOURCE_LENGTH = 64;
const MAX_DATE_VIOLATIONS = 20;

export function eventCalendarViolations(calendar: EventCalendar | undefined): InputViolation[] {
  if (!calendar) return [];
  const violations: InputViolation[] = [];
  if (calendar.source.length > MAX_SOURCE_LENGTH || !/^[\x20-\x7e]*$/.test(calendar.source)) {
    violations.push({ field: "events.source", description: `must be at most ${MAX_SOURCE_LENGTH} printable ASCII characters, like "file" or "simulated"` });
  }
  if (calendar.events.length > MAX_CALENDAR_EVENTS) {
    violations.push({ field: "events.events", description: `must hold at most ${MAX_CALENDAR_EVENTS} events; got ${calendar.events.length}` });
    return violations;
  }
  let found = 0;
  calendar.events.forEach((event, index) => {
    if (found < MAX_DATE_VIOLATIONS && !isCalendarDate(event.date)) {
      violations.push({ field: `events.events[${index}].date`, description: `must be a calendar date YYYY-MM-DD; got ${JSON.stringify(event.date)}` });
      found++;
    }
  });
  return violations;
}
