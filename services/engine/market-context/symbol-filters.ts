// The filters on the underlying as a whole: IV rank and IV percentile bounds. A symbol that
// fails one (an unknown rank or percentile fails every bound on it) has no spread to offer:
// the scan then bars every leg, so each candidate is counted as rejected by leg filters
// (scan_result.proto, candidates_rejected_by_leg_filters).
import type { MarketContext } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { ResolvedQuery } from "../resolved-query.js";

export function passesSymbolFilters(context: MarketContext, query: ResolvedQuery): boolean {
  return within(context.ivRank, query.minIvRank, query.maxIvRank) && within(context.ivPercentile, query.minIvPercentile, query.maxIvPercentile);
}

/** True when no bound is set, or the value is known and within both. */
function within(value: number | undefined, min: number, max: number): boolean {
  if (min === -Infinity && max === Infinity) return true;
  return value !== undefined && value >= min && value <= max;
}
