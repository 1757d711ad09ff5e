// The dates and instants chain files and the --as-of flag are written in: expiries as option
// screeners write them, and as-of instants with or without a zone.
import { isCalendarDate, newYorkInstant } from "../engine/new-york-time.js";

/**
 * An expiry as YYYY-MM-DD from the ways screeners write dates: 2025-06-20, 20250620 (IBKR),
 * 6/20/2025, or a timestamp whose date part is the expiry. Undefined when it is none of them.
 */
export function parseExpiry(text: string): string | undefined {
  let date: string | undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const american = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const iso = /^(\d{4}-\d{2}-\d{2})([T ].*)?$/.exec(text);
  if (compact) date = `${compact[1] ?? ""}-${compact[2] ?? ""}-${compact[3] ?? ""}`;
  else if (american) date = `${american[3] ?? ""}-${(american[1] ?? "").padStart(2, "0")}-${(american[2] ?? "").padStart(2, "0")}`;
  else if (iso) date = iso[1];
  return date !== undefined && isCalendarDate(date) ? date : undefined;
}

const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/;

/**
 * An as-of instant: RFC 3339 with a zone (2025-06-02T14:30:00Z, ...-04:00); a date and time
 * without a zone is New York time, where US options trade; a bare date is that day's 16:00
 * New York close, as end-of-day files mean it. Undefined when the text is none of these.
 */
export function parseAsOf(text: string): Date | undefined {
  if (ZONED_INSTANT.test(text)) {
    const instant = new Date(text.replace(" ", "T"));
    return Number.isNaN(instant.getTime()) ? undefined : instant;
  }
  const local = LOCAL_TIME.exec(text);
  if (local) {
    const [, date = "", hours = "", minutes = "", seconds = "0"] = local;
    const [hour, minute, second] = [Number(hours), Number(minutes), Number(seconds)];
    if (!isCalendarDate(date) || hour > 23 || minute > 59 || second >= 60) return undefined;
    return new Date(newYorkInstant(date, hour, minute).getTime() + second * 1000);
  }
  if (isCalendarDate(text)) return newYorkInstant(text, 16);
  return undefined;
}
