// Checks a scan's rejections_by_filter against the brute-force reference's count of the
// candidates rejected by leg filters, per first filter failed. The spread filters' share
// is checked by its sum: a group dropped by its bound holds candidates that would have
// failed a spread filter, which no one counts one by one.
import { expect } from "vitest";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { ReferenceCounts } from "./reference-scanner.js";

/** The filters judged on a spread's own figures (min_short_sigma_distance is one too, under the short legs' own σ). */
const SPREAD_FILTERS = new Set([
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
]);
const EITHER = "min_short_sigma_distance";

export function expectRejectionsByFilter(result: ScanResult, counts: ReferenceCounts): void {
  const byFilter = new Map(result.rejectionsByFilter.map(({ filter, candidates }) => [filter, Number(candidates)]));
  expect(byFilter.size).toBe(result.rejectionsByFilter.length);
  for (const candidates of byFilter.values()) expect(candidates).toBeGreaterThan(0);
  const total = [...byFilter.values()].reduce((sum, candidates) => sum + candidates, 0);
  expect(total).toBe(Number(result.candidatesRejectedByLegFilters) + Number(result.candidatesRejectedBySpreadFilters));
  const engineLegs = new Map([...byFilter].filter(([filter]) => !SPREAD_FILTERS.has(filter) && filter !== EITHER));
  const referenceLegs = new Map([...counts.legRejections].filter(([filter]) => filter !== EITHER));
  expect(Object.fromEntries(engineLegs)).toEqual(Object.fromEntries(referenceLegs));
  const sigmaByLegs = counts.legRejections.get(EITHER) ?? 0;
  expect(byFilter.get(EITHER) ?? 0).toBeGreaterThanOrEqual(sigmaByLegs);
  const bySpreads = [...byFilter].filter(([filter]) => SPREAD_FILTERS.has(filter)).reduce((sum, [, candidates]) => sum + candidates, 0);
  expect(bySpreads + (byFilter.get(EITHER) ?? 0) - sigmaByLegs).toBe(Number(result.candidatesRejectedBySpreadFilters));
}
