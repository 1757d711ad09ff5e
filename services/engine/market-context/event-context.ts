// The event part of a scan's MarketContext: where the events came from, the next earnings and
// ex-dividend dates, and per expiration whether one falls before it. The rest of the context
// (volatility, expected moves) is built elsewhere; this only adds to it.
import type { ExpiryContext, MarketContext } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { PreparedChain } from "../prepared-chain.js";
import { earningsBeforeExpiry, exDividendBeforeExpiry, preparedTimeline } from "./event-flags.js";

/** `base` (market-context.ts) with the chain's event fields filled in; unset when its events are unknown. */
export function withEventContext(prepared: PreparedChain, base: MarketContext): MarketContext {
  const timeline = preparedTimeline(prepared);
  if (!timeline) return base;
  const expiries = base.expiries.map((expiry): ExpiryContext => ({
    ...expiry,
    earningsBeforeExpiry: earningsBeforeExpiry(timeline, expiry.expiryDate),
    exDividendBeforeExpiry: exDividendBeforeExpiry(timeline, expiry.expiryDate),
  }));
  return {
    ...base,
    eventsSource: timeline.source,
    nextEarningsDate: timeline.earnings[0]?.date ?? "",
    nextExDividendDate: timeline.exDividendDates[0] ?? "",
    expiries,
  };
}
