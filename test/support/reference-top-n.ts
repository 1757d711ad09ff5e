// The engine's top N against the brute-force reference's, as every engine property test
// compares them: the same sort value rank by rank, and the same spreads except among those
// tied (to rounding) with the last one kept, where either side may keep a different one.
import { expect } from "vitest";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { sortValueOf } from "./sort-value.js";

/** Two sort values equal to rounding. */
export type Closeness = (a: number, b: number) => boolean;

/** The single-expiry closed forms agree with the reference to 1e-9, relative. */
export const closeToNine: Closeness = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** The query as the engine applied it: the reference reads a query literally (absent means unbounded). */
export function appliedQuery(result: ScanResult): ScanQuery {
  if (!result.effectiveQuery) throw new Error("the result carries no effective query");
  return result.effectiveQuery;
}

/** Asserts the ranking and returns the engine's sort values, rank by rank. */
export function expectSameRanking(
  spreads: readonly Spread[],
  query: ScanQuery,
  reference: readonly { readonly id: string; readonly sortValue: number }[],
  close: Closeness,
): number[] {
  expect(spreads.length).toBe(reference.length);
  const keys = spreads.map((spread) => sortValueOf(spread, query.sort));
  reference.forEach((expected, index) => {
    expect(close(keys[index] as number, expected.sortValue), `rank ${index}: ${keys[index]} vs ${expected.sortValue}`).toBe(true);
  });
  const cutoff = reference.at(-1)?.sortValue ?? 0;
  const clearlyIn = (entries: { id: string; key: number }[]): string[] =>
    entries
      .filter(({ key }) => !close(key, cutoff))
      .map(({ id }) => id)
      .sort();
  expect(clearlyIn(spreads.map((spread, index) => ({ id: spread.id, key: keys[index] as number })))).toEqual(
    clearlyIn(reference.map((spread) => ({ id: spread.id, key: spread.sortValue }))),
  );
  return keys;
}
