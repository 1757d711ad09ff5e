// Whether an earnings or ex-dividend date falls before an expiry, from the chain's event
// calendar alone (docs/market-context.md, "Events"). Pure: the chain's as-of instant is the
// only clock.
//
// An earnings event occupies a stretch of its New York date: before the open [00:00, 09:30),
// during the session [09:30, 16:00), after the close [16:00, 24:00), or the whole date when the
// source does not say. It counts before an expiry when that stretch reaches past the as-of
// instant and begins before 16:00 on the expiry date: an announcement that may still be ahead
// and that the option may still live through. Ex-dividend dates are dates: one counts when it is
// after the chain's date and on or before the expiry date.
import { CorporateEventKind, EventTimeOfDay, type EventCalendar } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { PreparedChain } from "../prepared-chain.js";
import { newYorkDate, newYorkInstant } from "../new-york-time.js";

/** What the flags read of a calendar, judged once against the chain's as-of instant. */
export interface EventTimeline {
  /** EventCalendar.source, or "unnamed" for a calendar that does not name one. */
  readonly source: string;
  /** Earnings not yet past at the as-of instant, ascending by date; afterClose: announced after 16:00 on its date. */
  readonly earnings: readonly { readonly date: string; readonly afterClose: boolean }[];
  /** Ex-dividend dates after the chain's date, ascending. */
  readonly exDividendDates: readonly string[];
}

/** The flags of one spread; none set when the symbol's events are unknown. */
export interface SpreadEventFlags {
  earningsBeforeExpiry?: boolean;
  exDividendBeforeExpiry?: boolean;
  earlyAssignmentRisk?: boolean;
}

const OPEN_HOUR = 9;
const OPEN_MINUTE = 30;
const CLOSE_HOUR = 16;

/** The calendar judged against `asOfMs`; undefined when there is none (events unknown). */
export function eventTimeline(calendar: EventCalendar | undefined, asOfMs: number): EventTimeline | undefined {
  if (!calendar) return undefined;
  const asOfDate = newYorkDate(new Date(asOfMs));
  const earnings: { date: string; afterClose: boolean }[] = [];
  const exDividendDates: string[] = [];
  for (const event of calendar.events) {
    if (event.kind === CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS) {
      if (earningsStillAhead(event.date, event.timeOfDay, asOfDate, asOfMs)) {
        earnings.push({ date: event.date, afterClose: event.timeOfDay === EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE });
      }
    } else if (event.kind === CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND && event.date > asOfDate) {
      exDividendDates.push(event.date);
    }
    // Any other kind is ignored, as the contract says.
  }
  earnings.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  exDividendDates.sort();
  return { source: calendar.source === "" ? "unnamed" : calendar.source, earnings, exDividendDates };
}

/** Whether the end of an earnings event's stretch of its date is after the as-of instant. */
function earningsStillAhead(date: string, timeOfDay: EventTimeOfDay, asOfDate: string, asOfMs: number): boolean {
  if (date !== asOfDate) return date > asOfDate;
  // On the as-of date itself only the stretches ending inside the day can be past.
  if (timeOfDay === EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN) return asOfMs < newYorkInstant(date, OPEN_HOUR, OPEN_MINUTE).getTime();
  if (timeOfDay === EventTimeOfDay.EVENT_TIME_OF_DAY_DURING_MARKET) return asOfMs < newYorkInstant(date, CLOSE_HOUR).getTime();
  return true;
}

/** Whether an earnings stretch still ahead begins before 16:00 New York on `expiryDate`. */
export function earningsBeforeExpiry(timeline: EventTimeline, expiryDate: string): boolean {
  for (const { date, afterClose } of timeline.earnings) {
    if (date < expiryDate || (date === expiryDate && !afterClose)) return true;
  }
  return false;
}

/** Whether an ex-dividend date after the chain's date is on or before `expiryDate`. */
export function exDividendBeforeExpiry(timeline: EventTimeline, expiryDate: string): boolean {
  const first = timeline.exDividendDates[0];
  return first !== undefined && first <= expiryDate;
}

/** Each prepared chain's timeline, judged once however many spreads and queries read it. */
const timelines = new WeakMap<PreparedChain, EventTimeline | null>();

/** The prepared chain's timeline; undefined when its events are unknown. */
export function preparedTimeline(prepared: PreparedChain): EventTimeline | undefined {
  let timeline = timelines.get(prepared);
  if (timeline === undefined) {
    timeline = eventTimeline(prepared.events, prepared.asOfMs) ?? null;
    timelines.set(prepared, timeline);
  }
  return timeline ?? undefined;
}

/**
 * The flags of a spread whose last leg expires on `lastExpiryDate` and which sells a call
 * expiring on `shortCallExpiryDate` (undefined when it sells none); none when events are unknown.
 */
export function spreadEventFlags(prepared: PreparedChain, lastExpiryDate: string, shortCallExpiryDate: string | undefined): SpreadEventFlags {
  const timeline = preparedTimeline(prepared);
  if (!timeline) return {};
  return {
    earningsBeforeExpiry: earningsBeforeExpiry(timeline, lastExpiryDate),
    exDividendBeforeExpiry: exDividendBeforeExpiry(timeline, lastExpiryDate),
    earlyAssignmentRisk: shortCallExpiryDate !== undefined && exDividendBeforeExpiry(timeline, shortCallExpiryDate),
  };
}
