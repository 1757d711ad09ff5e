// Calendars and diagonals in a query: named, they are accepted; an empty list still means the
// six single-expiry strategies; their back-expiry bounds are checked field by field and given
// defaults worked out by hand from query.proto ("the day after the front", "front DTE + 60").
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { backDteRange, effectiveQuery, EngineInputError, resolveQuery, scanChain, type ChainOutline } from "../../../services/engine/index.js";

const OUTLINE: ChainOutline = { spot: 100, expirations: [9, 30, 58, 90].map((dte) => ({ dte, strikes: [95, 100, 105] })) };

function violationsOf(run: () => unknown): { field: string; description: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineInputError) return [...error.violations];
    throw error;
  }
  throw new Error("expected an EngineInputError");
}

const chain = OptionChain.fromPartial({
  symbol: "CAL",
  underlyingPrice: 100,
  asOf: new Date("2026-11-20T15:00:00Z"),
  quotes: [OptionQuote.fromPartial({ expiryDate: "2026-12-18", strike: 100, right: OptionRight.OPTION_RIGHT_CALL, bid: 2, ask: 2.1 })],
});

describe("a query naming calendars and diagonals", () => {
  it("is accepted, and an empty list still means only the six single-expiry strategies", () => {
    const named = resolveQuery(ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_DIAGONAL] }));
    expect([...named.strategies]).toEqual([Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_DIAGONAL]);
    const bare = resolveQuery(ScanQuery.fromPartial({}));
    expect([...bare.strategies].some((strategy) => strategy >= Strategy.STRATEGY_CALL_CALENDAR)).toBe(false);
    expect(bare.strategies.size).toBe(6);
  });

  it("refuses a min_back_dte above max_back_dte on the min's field path, and out-of-range values on their own", () => {
    const query = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR], filters: { minBackDte: 40, maxBackDte: 30 } });
    expect(violationsOf(() => scanChain(chain, query))).toEqual([
      { field: "query.filters.min_back_dte", description: "must not be above max_back_dte (40 > 30)" },
    ]);
    const tooFar = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_PUT_CALENDAR], filters: { maxBackDte: 40_000 } });
    expect(violationsOf(() => scanChain(chain, tooFar)).map((violation) => violation.field)).toEqual(["query.filters.max_back_dte"]);
  });
});

describe("the back-expiry defaults", () => {
  it("fill min_back_dte with the day after the earliest front, and leave max_back_dte to its per-front rule", () => {
    // Front range by default 7 to 60 days: a back strictly after its front is at least 8 days out.
    const filters = effectiveQuery(ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_DIAGONAL] }), OUTLINE).filters;
    expect(filters?.minBackDte).toBe(8);
    expect(filters?.maxBackDte).toBeUndefined();
    const resolved = resolveQuery(effectiveQuery(ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_DIAGONAL] }), OUTLINE));
    expect([resolved.minBackDte, resolved.maxBackDte, resolved.maxBackDaysAfterFront]).toEqual([8, Infinity, 60]);
  });

  it("are not filled for a query without calendars or diagonals, and yield to the caller's values", () => {
    expect(effectiveQuery(ScanQuery.fromPartial({}), OUTLINE).filters?.minBackDte).toBeUndefined();
    const given = effectiveQuery(
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_PUT_CALENDAR], filters: { minDte: 20, maxDte: 35, minBackDte: 50, maxBackDte: 70 } }),
      OUTLINE,
    ).filters;
    expect([given?.minBackDte, given?.maxBackDte]).toEqual([50, 70]);
    // A max below the default min: the min comes down to it (no backs either way: none is after a 20-day front and within 15 days).
    const capped = effectiveQuery(ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_PUT_CALENDAR], filters: { minDte: 20, maxBackDte: 15 } }), OUTLINE);
    expect(capped.filters?.minBackDte).toBe(15);
    expect(() => resolveQuery(capped)).not.toThrow();
  });

  it("tell a chain source which back expirations to fetch", () => {
    const calendar = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR] });
    // Fronts 7 to 60 days: backs from 8 days to 60 + 60 = 120.
    expect(backDteRange(calendar, { minDte: 7, maxDte: 60 })).toEqual({ minDte: 8, maxDte: 120 });
    const bounded = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_CALL_CALENDAR], filters: { minBackDte: 45, maxBackDte: 200 } });
    expect(backDteRange(bounded, { minDte: 20, maxDte: 40 })).toEqual({ minDte: 45, maxDte: 100 });
    expect(backDteRange(ScanQuery.fromPartial({}), { minDte: 7, maxDte: 60 })).toBeUndefined();
  });
});
