// The universe scan's merge against a brute force (test/support/universe-merge-reference.ts):
// every symbol's spreads concatenated, sorted by the test's own sort value and the documented
// tie rule, then capped per symbol and at the limit. The inputs are the real engine's results
// on the fixed synthetic chains of the eight simulated symbols, under every sort key; and
// spreads copied to another symbol, so that whole lists tie and only the symbol decides.
import { describe, expect, it } from "vitest";
import { ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { mergeRanked } from "../../../services/coordinator/universe/universe-merge.js";
import { scanChain } from "../../../services/engine/index.js";
import { fixedChain } from "../../fixtures/fixed-market.js";
import { SYMBOLS } from "../../support/simulated-market-helpers.js";
import { sortValueOf } from "../../support/sort-value.js";
import { documentedOrder, mergedByBruteForce } from "../../support/universe-merge-reference.js";

const SORT_KEYS = [
  SortKey.SORT_KEY_SCORE,
  SortKey.SORT_KEY_POP,
  SortKey.SORT_KEY_EXPECTED_VALUE,
  SortKey.SORT_KEY_RETURN_ON_RISK,
  SortKey.SORT_KEY_CREDIT,
  SortKey.SORT_KEY_CREDIT_TO_WIDTH,
  SortKey.SORT_KEY_MAX_LOSS,
  SortKey.SORT_KEY_PROBABILITY_OF_TOUCH,
];

const SINGLE_EXPIRY = { filters: { maxDte: 30, maxWidth: 5 }, limit: 25 };
const TWO_EXPIRY = {
  strategies: [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_DIAGONAL, Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 40, minBackDte: 45, maxBackDte: 90, maxWidth: 10 },
  limit: 25,
};

const rankedOf = (spreads: readonly Spread[], symbols: readonly string[]): number[] =>
  symbols.map((symbol) => spreads.filter((spread) => spread.symbol === symbol).length);

describe.each([
  ["single-expiry strategies", SINGLE_EXPIRY],
  ["calendars, diagonals and a vertical", TWO_EXPIRY],
])("mergeRanked, %s", (_name, partial) => {
  it.each(SORT_KEYS.map((sort) => [SortKey[sort], sort] as const))("by %s: equals the brute force, capped or not", (_key, sort) => {
    const query = ScanQuery.fromPartial({ ...partial, sort });
    const lists = SYMBOLS.map((symbol) => scanChain(fixedChain(symbol), query).spreads);
    expect(lists.every((list) => list.length > 0)).toBe(true);
    // The engine's own lists are in the documented order, the premise of a k-way merge: to
    // the bit by the message's figures, except return on risk (to rounding, see the reference).
    for (const list of lists) {
      if (sort !== SortKey.SORT_KEY_RETURN_ON_RISK)
        expect([...list].sort(documentedOrder(sort)).map((spread) => spread.id)).toEqual(list.map((spread) => spread.id));
      list.slice(1).forEach((spread, index) => {
        const [before, after] = [sortValueOf(list[index]!, sort), sortValueOf(spread, sort)];
        expect(before >= after || Math.abs(before - after) <= 1e-12 * Math.abs(before), `${list[index]!.id} before ${spread.id}`).toBe(true);
      });
    }
    for (const [limit, perSymbolLimit] of [
      [25, 0],
      [25, 3],
      [60, 1],
      [1000, 0],
      [7, 2],
    ] as const) {
      const merged = mergeRanked(lists, { sort, limit, perSymbolLimit });
      const expected = mergedByBruteForce(lists, sort, limit, perSymbolLimit);
      expect(merged.spreads.map((spread) => spread.id)).toEqual(expected.map((spread) => spread.id));
      expect(merged.ranked).toEqual(rankedOf(expected, SYMBOLS));
    }
  });
});

describe("mergeRanked, ties between symbols", () => {
  it("orders spreads whose every figure ties by symbol, ascending, whatever the lists' order", () => {
    const query = ScanQuery.fromPartial({ ...SINGLE_EXPIRY, sort: SortKey.SORT_KEY_CREDIT });
    const spy = scanChain(fixedChain("SPY"), query).spreads;
    const copy = (symbol: string): Spread[] => spy.map((spread) => ({ ...spread, symbol, id: spread.id.replace(/^SPY:/, `${symbol}:`) }));
    const lists = [copy("ZZZ"), spy, copy("AAA")];
    const merged = mergeRanked(lists, { sort: SortKey.SORT_KEY_CREDIT, limit: 9, perSymbolLimit: 0 });
    expect(merged.spreads.map((spread) => spread.symbol)).toEqual(["AAA", "SPY", "ZZZ", "AAA", "SPY", "ZZZ", "AAA", "SPY", "ZZZ"]);
    expect(merged.spreads.map((spread) => spread.id)).toEqual(mergedByBruteForce(lists, SortKey.SORT_KEY_CREDIT, 9, 0).map((spread) => spread.id));
    expect(merged.ranked).toEqual([3, 3, 3]);
  });

  it("takes nothing from empty lists and stops when every list is spent", () => {
    const query = ScanQuery.fromPartial({ ...SINGLE_EXPIRY, limit: 3 });
    const qqq = scanChain(fixedChain("QQQ"), query).spreads;
    const merged = mergeRanked([[], qqq, []], { sort: SortKey.SORT_KEY_SCORE, limit: 50, perSymbolLimit: 0 });
    expect(merged.spreads.map((spread) => spread.id)).toEqual(qqq.map((spread) => spread.id));
    expect(merged.ranked).toEqual([0, 3, 0]);
  });
});
