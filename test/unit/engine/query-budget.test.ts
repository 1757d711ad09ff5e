// No query is refused for its size: iron condors with $1,000 wings on the full SPY chain (over
// a hundred million candidates) answer, by bounds, with every candidate accounted for. The work
// budget stays as a safety valve: a scan that reaches it says so and counts what it never reached.
import { describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { formatScanTable } from "../../../services/cli/scan-table.js";
import { prepareChain, scanPrepared } from "../../../services/engine/index.js";
import { summedOutcomes } from "../../support/candidate-outcomes.js";

const prepared = prepareChain(generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") }));

const WIDE_CONDORS = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 1000 } });
// Iron condors of one expiration with wings up to $25: small enough to go through under a tiny budget.
const SMALL_CONDORS = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { minDte: 28, maxDte: 28, maxWidth: 25 } });

describe("a query of any breadth", () => {
  it("answers iron condors the caller made $1,000 wide on the full SPY chain, dropping most of them in groups by their bound", () => {
    const result = scanPrepared(prepared, WIDE_CONDORS);
    expect(result.spreads).toHaveLength(20);
    expect(result.workBudgetExhausted).toBe(false);
    expect(result.candidatesUnexplored).toBe(0n);
    // The refusal this replaces stood at 25 M; the whole space is counted, not only what was gone through.
    expect(result.candidatesConsidered).toBeGreaterThan(25_000_000n);
    expect(result.candidatesBoundedOut).toBeGreaterThan(0n);
    expect(summedOutcomes(result)).toBe(result.candidatesConsidered);
  });

  it("answers a bare query, which the defaults bound", () => {
    const result = scanPrepared(prepared, ScanQuery.fromPartial({}));
    expect(result.spreads).toHaveLength(20);
    expect(result.workBudgetExhausted).toBe(false);
    expect(summedOutcomes(result)).toBe(result.candidatesConsidered);
  });
});

describe("the work budget", () => {
  it("stops a scan that reaches it, says so, counts what it never went through, and still returns the best it reached", () => {
    const full = scanPrepared(prepared, SMALL_CONDORS);
    expect(full.workBudgetExhausted).toBe(false);
    const stopped = scanPrepared(prepared, SMALL_CONDORS, { workBudget: 1000 });
    expect(stopped.workBudgetExhausted).toBe(true);
    expect(stopped.candidatesUnexplored).toBeGreaterThan(0n);
    expect(stopped.candidatesConsidered).toBe(full.candidatesConsidered);
    expect(summedOutcomes(stopped)).toBe(stopped.candidatesConsidered);
    // Gone through one by one: at most the budget (ranked out, rejected or fully evaluated).
    expect(stopped.candidatesRejectedBySpreadFilters + stopped.candidatesRankedOut + stopped.candidatesFullyEvaluated).toBeLessThanOrEqual(1000n);
    expect(stopped.spreads.length).toBeGreaterThan(0);
    expect(formatScanTable(stopped)).toMatch(/\nWarning: the scan stopped at its work budget \(SCAN_WORK_BUDGET\) with [\d,]+ candidates unexplored/);
    expect(formatScanTable(full)).not.toMatch(/Warning/);
  });

  it("is not reached by the same scan under a budget just large enough for the work it did", () => {
    const full = scanPrepared(prepared, SMALL_CONDORS);
    const work = full.candidatesRejectedBySpreadFilters + full.candidatesRankedOut + full.candidatesFullyEvaluated;
    const exact = scanPrepared(prepared, SMALL_CONDORS, { workBudget: Number(work) });
    expect(exact.workBudgetExhausted).toBe(false);
    expect(exact.spreads.map((spread) => spread.id)).toEqual(full.spreads.map((spread) => spread.id));
  });
});
