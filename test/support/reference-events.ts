// The reference's reading of a chain's event calendar, from the proto's words and nothing of the
// engine's: each earnings event is the stretch of instants its time of day allows on its New
// York date (before the open 00:00–09:30, during 09:30–16:00, after the close 16:00–24:00,
// unknown the whole date), and it falls before an expiry when that stretch overlaps the open
// interval from the as-of instant to 16:00 New York on the expiry date. Ex-dividend dates are
// compared as dates: after the chain's date, on or before the expiry date.
import { CorporateEventKind, EventTimeOfDay, OptionRight, type OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanFilters } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { addDays, expiryInstant, newYorkDate, newYorkInstant } from "../../services/engine/new-york-time.js";

/** [from, to) of the instants an earnings event of this time of day may be at, epoch milliseconds. */
function earningsStretch(date: string, timeOfDay: EventTimeOfDay): [number, number] {
  const at = (hour: number, minute = 0): number => newYorkInstant(date, hour, minute).getTime();
  const endOfDate = newYorkInstant(addDays(date, 1), 0).getTime();
  switch (timeOfDay) {
    case EventTimeOfDay.EVENT_TIME_OF_DAY_BEFORE_MARKET_OPEN:
      return [at(0), at(9, 30)];
    case EventTimeOfDay.EVENT_TIME_OF_DAY_DURING_MARKET:
      return [at(9, 30), at(16)];
    case EventTimeOfDay.EVENT_TIME_OF_DAY_AFTER_MARKET_CLOSE:
      return [at(16), endOfDate];
    default:
      return [at(0), endOfDate];
  }
}

/** Whether an earnings date falls before `expiryDate`; undefined when the chain's events are unknown. */
export function referenceEarningsBefore(chain: OptionChain, expiryDate: string): boolean | undefined {
  if (!chain.events) return undefined;
  const asOfMs = (chain.asOf as Date).getTime();
  const closeMs = expiryInstant(expiryDate).getTime();
  return chain.events.events.some((event) => {
    if (event.kind !== CorporateEventKind.CORPORATE_EVENT_KIND_EARNINGS) return false;
    const [from, to] = earningsStretch(event.date, event.timeOfDay);
    return to > asOfMs && from < closeMs;
  });
}

/** Whether an ex-dividend date falls after the chain's date and on or before `expiryDate`; undefined when unknown. */
export function referenceExDividendBefore(chain: OptionChain, expiryDate: string): boolean | undefined {
  if (!chain.events) return undefined;
  const chainDate = newYorkDate(chain.asOf as Date);
  return chain.events.events.some(
    (event) => event.kind === CorporateEventKind.CORPORATE_EVENT_KIND_EX_DIVIDEND && event.date > chainDate && event.date <= expiryDate,
  );
}

/** Whether the query's exclude filters leave out spreads whose last leg expires on `expiryDate` (every one when events are unknown). */
export function referenceLeftOutByEvents(chain: OptionChain, filters: Partial<ScanFilters>, expiryDate: string): boolean {
  if (filters.excludeEarningsBeforeExpiry === true && (referenceEarningsBefore(chain, expiryDate) ?? true)) return true;
  return filters.excludeExDividendBeforeExpiry === true && (referenceExDividendBefore(chain, expiryDate) ?? true);
}

/** Which event filter leaves an expiration out (the earnings one first), for an expiration referenceLeftOutByEvents leaves out. */
export function referenceEventFilter(chain: OptionChain, filters: Partial<ScanFilters>, expiryDate: string): string {
  return filters.excludeEarningsBeforeExpiry === true && (referenceEarningsBefore(chain, expiryDate) ?? true)
    ? "exclude_earnings_before_expiry"
    : "exclude_ex_dividend_before_expiry";
}

export interface ReferenceSpreadEventFlags {
  earningsBeforeExpiry?: boolean;
  exDividendBeforeExpiry?: boolean;
  earlyAssignmentRisk?: boolean;
}

/** A described spread's three flags, from its legs: the last expiry of any leg, and the expiry of a sold call. */
export function referenceSpreadEventFlags(chain: OptionChain, spread: Spread): ReferenceSpreadEventFlags {
  if (!chain.events) return {};
  const last = spread.legs.map((leg) => leg.expiryDate).reduce((a, b) => (a > b ? a : b));
  const soldCalls = spread.legs.filter((leg) => leg.action === LegAction.LEG_ACTION_SELL && leg.right === OptionRight.OPTION_RIGHT_CALL);
  return {
    earningsBeforeExpiry: referenceEarningsBefore(chain, last),
    exDividendBeforeExpiry: referenceExDividendBefore(chain, last),
    earlyAssignmentRisk: soldCalls.some((leg) => referenceExDividendBefore(chain, leg.expiryDate) === true),
  };
}
