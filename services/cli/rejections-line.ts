// "Why nothing qualified": when a scan's top N is empty, one line naming the filters that
// rejected its candidates, most first, as the flags that set them, so a user sees which to
// loosen. The counts are the scan's rejections_by_filter: each candidate under the first
// filter it failed (docs/architecture.md, "Rejections by filter").
import type { FilterRejections } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { flagForQueryField } from "./query-violation-lines.js";
import { LazyNumberFormat } from "./lazy-number-format.js";

const COUNT = new LazyNumberFormat("en-US");

/**
 * How a filter is named on the line: the flag that sets it, as a refusal names it (so the
 * out-of-the-money rule is --no-short-strikes-out-of-the-money, the flag that loosens it), or what
 * a candidate with nothing to gain or at risk is.
 */
function filterLabel(filter: string): string {
  if (filter === "no_spread") return "no spread (nothing to gain or nothing at risk)";
  return flagForQueryField(`filters.${filter}`) ?? `--${filter.replaceAll("_", "-")}`;
}

/**
 * The line for one or more results' rejections (several for a universe: summed per filter),
 * e.g. "nothing qualified: --min-pop rejected 12,345, --max-short-delta 6,789"; undefined
 * when no filter rejected anything (no candidates, or a scanner that does not count them).
 */
export function formatRejectionsLine(...results: readonly (readonly FilterRejections[])[]): string | undefined {
  const byFilter = new Map<string, bigint>();
  for (const rejections of results) {
    for (const { filter, candidates } of rejections) byFilter.set(filter, (byFilter.get(filter) ?? 0n) + candidates);
  }
  const ranked = [...byFilter].filter(([, candidates]) => candidates > 0n);
  if (ranked.length === 0) return undefined;
  // Most first; on a tie, the scan's order (the order the filters are judged in).
  ranked.sort(([, a], [, b]) => (a === b ? 0 : a > b ? -1 : 1));
  const [first, ...rest] = ranked.map(([filter, candidates]) => [filterLabel(filter), COUNT.format(candidates)] as const);
  const head = first ? `${first[0]} rejected ${first[1]}` : "";
  return `nothing qualified: ${[head, ...rest.map(([label, count]) => `${label} ${count}`)].join(", ")}`;
}
