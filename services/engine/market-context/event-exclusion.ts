// The filters exclude_earnings_before_expiry and exclude_ex_dividend_before_expiry, judged per
// expiration: an expiration with such an event before it takes part in no spread as its last
// leg's. Its legs are made to fail the leg filters, so that its candidates are counted as any
// candidate whose legs fail (ScanResult.candidates_rejected_by_leg_filters), and the searches
// stay as they are. Events are later for later expirations too, so an expiration left out
// leaves out every later one: a calendar whose back expiration is left out fails by its back leg.
import type { PreparedChain } from "../prepared-chain.js";
import type { PricedSide } from "../priced-side.js";
import type { ResolvedQuery } from "../resolved-query.js";
import { earningsBeforeExpiry, exDividendBeforeExpiry, preparedTimeline } from "./event-flags.js";

/**
 * Per expiration of the chain (by index): 1 when the query's event filters leave it out,
 * every one when the symbol's events are unknown; undefined when the query sets neither.
 */
export function expiriesLeftOutByEvents(prepared: PreparedChain, query: ResolvedQuery): Uint8Array | undefined {
  const { excludeEarningsBeforeExpiry: earnings, excludeExDividendBeforeExpiry: exDividend } = query;
  if (!earnings && !exDividend) return undefined;
  const timeline = preparedTimeline(prepared);
  return Uint8Array.from(prepared.expiries, ({ expiryDate }) => {
    if (!timeline) return 1;
    const leftOut = (earnings && earningsBeforeExpiry(timeline, expiryDate)) || (exDividend && exDividendBeforeExpiry(timeline, expiryDate));
    return leftOut ? 1 : 0;
  });
}

/** Makes every leg of a priced side fail the leg filters (no flag), as priceSide leaves a side none of whose legs passes. */
export function failEveryLeg(side: PricedSide): void {
  side.flags.fill(0, 0, side.table.count);
  side.firstShort = side.table.count;
  side.endShort = 0;
}
