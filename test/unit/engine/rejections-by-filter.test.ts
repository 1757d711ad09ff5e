// The spread filters' share of rejections_by_filter, on the generated SPY chain: each rejected
// candidate is counted under the first filter it failed in the documented order
// (docs/architecture.md, "Rejections by filter"), so a filter judged later rejects nothing that
// an earlier one already rejected. Nothing passes these queries, so nothing is ranked or
// bounded out and every candidate whose legs pass is rejected by a spread filter.
import { describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { prepareChain, scanPrepared } from "../../../services/engine/index.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";

const prepared = prepareChain(generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") }));
const CREDIT = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL];
const DEBIT = [Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];

function scan(strategies: Strategy[], filters: ScanQuery["filters"]): { result: ScanResult; byFilter: Map<string, number> } {
  const result = scanPrepared(prepared, ScanQuery.fromPartial({ strategies, filters: { minDte: 0, maxDte: 30, maxWidth: 5, ...filters } }));
  expect(result.spreads).toHaveLength(0);
  expect(result.candidatesBoundedOut + result.candidatesRankedOut + result.candidatesFullyEvaluated).toBe(0n);
  const byFilter = new Map(result.rejectionsByFilter.map(({ filter, candidates }) => [filter, Number(candidates)]));
  const total = [...byFilter.values()].reduce((sum, candidates) => sum + candidates, 0);
  expect(total).toBe(Number(result.candidatesRejectedByLegFilters + result.candidatesRejectedBySpreadFilters));
  return { result, byFilter };
}

const spreadShare = (byFilter: Map<string, number>, names: string[]): number => names.reduce((sum, name) => sum + (byFilter.get(name) ?? 0), 0);

describe("rejections by the spread filters", () => {
  it("count a credit spread failing both min_credit and min_pop under min_credit, judged first", () => {
    const { result, byFilter } = scan(CREDIT, { minCredit: 1_000, minPop: 0.999 });
    expect(byFilter.get("min_credit")).toBeGreaterThan(0);
    expect(byFilter.has("min_pop")).toBe(false);
    expect(spreadShare(byFilter, ["no_spread", "min_credit"])).toBe(Number(result.candidatesRejectedBySpreadFilters));
  });

  it("count them under min_pop when it is the only filter they fail, and under min_credit_to_width or max_max_loss as judged", () => {
    const pop = scan(CREDIT, { minPop: 0.999 });
    expect(pop.byFilter.get("min_pop")).toBeGreaterThan(0);
    expect(spreadShare(pop.byFilter, ["no_spread", "min_pop"])).toBe(Number(pop.result.candidatesRejectedBySpreadFilters));
    const toWidth = scan(CREDIT, { minCreditToWidth: 1, maxMaxLoss: 0 });
    expect(toWidth.byFilter.get("min_credit_to_width")).toBeGreaterThan(0);
    expect(toWidth.byFilter.has("max_max_loss")).toBe(false);
    const maxLoss = scan(CREDIT, { maxMaxLoss: 0, minReturnOnRisk: 1_000 });
    expect(maxLoss.byFilter.get("max_max_loss")).toBeGreaterThan(0);
    expect(maxLoss.byFilter.has("min_return_on_risk")).toBe(false);
  });

  it("count a debit spread over max_debit there, before max_max_loss", () => {
    const { result, byFilter } = scan(DEBIT, { maxDebit: 0, maxMaxLoss: 0 });
    expect(byFilter.get("max_debit")).toBeGreaterThan(0);
    expect(byFilter.has("max_max_loss")).toBe(false);
    expect(spreadShare(byFilter, ["no_spread", "max_debit"])).toBe(Number(result.candidatesRejectedBySpreadFilters));
  });
});
