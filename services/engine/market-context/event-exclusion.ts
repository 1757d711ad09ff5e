// The filters exclude_earnings_before_expiry and exclude_ex_dividend_before_expiry, judged per
// expiration: an expiration with such an event before it takes part in no spread as its last
// leg's. Its legs are made to fail the leg filters, so that its candidates are counted as any
// candidate whose legs fail (ScanResult.candidates_rejected_by_leg_filters), and the searches
// stay as they are. Events are later for later expirations too, so an expiration left out
// leaves out every later one: a calendar whose back expiration is left out fails by its back leg.
import { EXCLUDE_EARNINGS, EXCLUDE_EX_DIVIDEND } from "../filter-rejections.js";
import type { PreparedChain } from "../prepared-chain.js";
import type { PricedSide } from "../priced-side.js";
import type { ResolvedQuery } from "../resolved-query.js";
import { earningsBeforeExpiry, exDividendBeforeExpiry, preparedTimeline } from "./event-flags.js";

/**
 * Per expiration of the chain (by index): the filter that leaves it out (filter-rejections.ts
 * number: EXCLUDE_EARNINGS, else EXCLUDE_EX_DIVIDEND), 0 when none does; every one left out when
 * the symbol's events are unknown (by the first of the two the query sets); undefined when the
 * query sets neither.
 */
export function expiriesLeftOutByEvents(prepared: PreparedChain, query: ResolvedQuery): Uint8Array | undefined {
  const { excludeEarningsBeforeExpiry: earnings, excludeExDividendBeforeExpiry: exDividend } = query;
  // A symbol barred by its own filters fails every leg first (filter-rejections.ts order).
  if ((!earnings && !exDividend) || query.everyLegBarred === true) return undefined;
  const timeline = preparedTimeline(prepared);
  return Uint8Array.from(prepared.expiries, ({ expiryDate }) => {
    if (!timeline) return earnings ? EXCLUDE_EARNINGS : EXCLUDE_EX_DIVIDEND;
    if (earnings && earningsBeforeExpiry(timeline, expiryDate)) return EXCLUDE_EARNINGS;
    return exDividend && exDividendBeforeExpiry(timeline, expiryDate) ? EXCLUDE_EX_DIVIDEND : 0;
  });
}

/** Makes every leg of a priced side fail the leg filters (no flag), as priceSide leaves a side none of whose legs passes, by `filter`. */
export function failEveryLeg(side: PricedSide, filter: number): void {
  side.flags.fill(0, 0, side.table.count);
  side.shortFailure.fill(filter, 0, side.table.count);
  side.longFailure.fill(filter, 0, side.table.count);
  side.firstShort = side.table.count;
  side.endShort = 0;
}
