// Why candidates were rejected: each rejected candidate is counted under the first filter it
// failed (ScanResult.rejections_by_filter). Filters are numbered here; the number is what a
// leg's failure column (PricedSide.shortFailure, longFailure) and the evaluator's counts hold,
// so that counting costs an increment. The order in which filters are judged is in
// docs/architecture.md, "Rejections by filter".
import type { FilterRejections } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

/** Not rejected: the leg passes its role's filters. */
export const PASSES = 0;
// The symbol filters (the market context), then the expiry filters (events).
export const MIN_IV_RANK = 1;
export const MAX_IV_RANK = 2;
export const MIN_IV_PERCENTILE = 3;
export const MAX_IV_PERCENTILE = 4;
export const EXCLUDE_EARNINGS = 5;
export const EXCLUDE_EX_DIVIDEND = 6;
// A leg's filters, in ScanFilters field order.
export const MIN_SHORT_DELTA = 7;
export const MAX_SHORT_DELTA = 8;
export const MAX_LONG_DELTA = 9;
export const MIN_OPEN_INTEREST = 10;
export const MIN_VOLUME = 11;
export const MAX_LEG_BID_ASK_WIDTH = 12;
export const MAX_LEG_BID_ASK_WIDTH_FRACTION = 13;
export const MIN_SHORT_IMPLIED_VOLATILITY = 14;
export const MAX_SHORT_IMPLIED_VOLATILITY = 15;
export const SHORT_STRIKES_OUT_OF_THE_MONEY = 16;
export const MAX_QUOTE_AGE = 17;
export const MIN_SHORT_SIGMA_DISTANCE = 18;
// The spread's own filters (judged in the evaluator's order, see the docs).
export const NO_SPREAD = 19;
export const MIN_CREDIT = 20;
export const MAX_DEBIT = 21;
export const MIN_CREDIT_TO_WIDTH = 22;
export const MAX_MAX_LOSS = 23;
export const MIN_POP = 24;
export const MIN_EXPECTED_VALUE = 25;
export const MAX_PROBABILITY_OF_TOUCH = 26;
export const MIN_RETURN_ON_RISK = 27;
export const MAX_WING_WIDTH_DIFFERENCE = 28;

/** The ScanFilters field name of each filter number ("no_spread" is none: a candidate with nothing to gain or nothing at risk). */
export const FILTER_NAMES: readonly string[] = [
  "",
  "min_iv_rank",
  "max_iv_rank",
  "min_iv_percentile",
  "max_iv_percentile",
  "exclude_earnings_before_expiry",
  "exclude_ex_dividend_before_expiry",
  "min_short_delta",
  "max_short_delta",
  "max_long_delta",
  "min_open_interest",
  "min_volume",
  "max_leg_bid_ask_width",
  "max_leg_bid_ask_width_fraction",
  "min_short_implied_volatility",
  "max_short_implied_volatility",
  "short_strikes_out_of_the_money",
  "max_quote_age",
  "min_short_sigma_distance",
  "no_spread",
  "min_credit",
  "max_debit",
  "min_credit_to_width",
  "max_max_loss",
  "min_pop",
  "min_expected_value",
  "max_probability_of_touch",
  "min_return_on_risk",
  "max_wing_width_difference",
];

export const FILTER_COUNT = FILTER_NAMES.length;

/** True for the expiry filters (events), which fail every leg of an expiration. */
export function isEventFilter(filter: number): boolean {
  return filter === EXCLUDE_EARNINGS || filter === EXCLUDE_EX_DIVIDEND;
}

/** A count per filter number. */
export function newRejectionCounts(): Float64Array {
  return new Float64Array(FILTER_COUNT);
}

/** Adds `from`'s counts into `into`. */
export function addRejections(into: Float64Array, from: Float64Array): void {
  for (let filter = 1; filter < FILTER_COUNT; filter++) into[filter] = (into[filter] as number) + (from[filter] as number);
}

/** The result's rejections_by_filter: the filters that rejected any candidate, in filter number order. */
export function rejectionsByFilter(...counts: Float64Array[]): FilterRejections[] {
  const rejections: FilterRejections[] = [];
  for (let filter = 1; filter < FILTER_COUNT; filter++) {
    let candidates = 0;
    for (const count of counts) candidates += count[filter] as number;
    if (candidates > 0) rejections.push({ filter: FILTER_NAMES[filter] as string, candidates: BigInt(candidates) });
  }
  return rejections;
}
