// One key per meaning of a (valid) query: two queries that select and rank the same spreads
// get the same key, so a scan result, and an evaluation for watchers, can be shared.
import { PricingMode, ProbabilityModel, ScanQuery, SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ALL_STRATEGIES, DEFAULT_LIMIT, DEFAULT_PROBABILITY_MODEL } from "./resolved-query.js";

export function normalizedQueryKey(query: ScanQuery | undefined): string {
  const given = query ?? ScanQuery.fromPartial({});
  const strategies = given.strategies.length === 0 ? [...ALL_STRATEGIES] : [...new Set(given.strategies)].sort((a, b) => a - b);
  const normalized = ScanQuery.fromPartial({
    ...given,
    strategies,
    sort: given.sort === SortKey.SORT_KEY_UNSPECIFIED ? SortKey.SORT_KEY_SCORE : given.sort,
    pricing: given.pricing === PricingMode.PRICING_MODE_UNSPECIFIED ? PricingMode.PRICING_MODE_MID : given.pricing,
    limit: given.limit ?? DEFAULT_LIMIT,
    probabilityModel: given.probabilityModel === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? DEFAULT_PROBABILITY_MODEL : given.probabilityModel,
  });
  return Buffer.from(ScanQuery.encode(normalized).finish()).toString("base64");
}
