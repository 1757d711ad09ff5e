// The filters on the underlying as a whole: IV rank and IV percentile bounds. A symbol that
// fails one (an unknown rank or percentile fails every bound on it) has no spread to offer:
// the scan then bars every leg, so each candidate is counted as rejected by leg filters
// (scan_result.proto, candidates_rejected_by_leg_filters).
import type { MarketContext } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { MAX_IV_PERCENTILE, MAX_IV_RANK, MIN_IV_PERCENTILE, MIN_IV_RANK, PASSES } from "../filter-rejections.js";
import type { ResolvedQuery } from "../resolved-query.js";

export function passesSymbolFilters(context: MarketContext, query: ResolvedQuery): boolean {
  return within(context.ivRank, query.minIvRank, query.maxIvRank) && within(context.ivPercentile, query.minIvPercentile, query.maxIvPercentile);
}

/** True when no bound is set, or the value is known and within both. */
function within(value: number | undefined, min: number, max: number): boolean {
  if (min === -Infinity && max === Infinity) return true;
  return value !== undefined && value >= min && value <= max;
}

/** The first symbol filter the context fails (filter-rejections.ts number: min_iv_rank, max_iv_rank, min_iv_percentile, max_iv_percentile), PASSES when none. */
export function firstSymbolFilterFailed(context: MarketContext, query: ResolvedQuery): number {
  const { ivRank, ivPercentile } = context;
  if (query.minIvRank !== -Infinity && !(ivRank !== undefined && ivRank >= query.minIvRank)) return MIN_IV_RANK;
  if (query.maxIvRank !== Infinity && !(ivRank !== undefined && ivRank <= query.maxIvRank)) return MAX_IV_RANK;
  if (query.minIvPercentile !== -Infinity && !(ivPercentile !== undefined && ivPercentile >= query.minIvPercentile)) return MIN_IV_PERCENTILE;
  if (query.maxIvPercentile !== Infinity && !(ivPercentile !== undefined && ivPercentile <= query.maxIvPercentile)) return MAX_IV_PERCENTILE;
  return PASSES;
}
