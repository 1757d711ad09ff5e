// The CLI's names for the contracts' enums: STRATEGY_BULL_PUT is "bull-put", SORT_KEY_POP is "pop".
import { SortKey, Strategy } from "../../gen/es/spreadscan/scanner/v1/query_pb.js";

const label = (name: string): string => name.toLowerCase().replaceAll("_", "-");

function labelled(values: Readonly<Record<string, string | number>>): [number, string][] {
  return Object.entries(values)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] !== 0)
    .map(([name, value]) => [value, label(name)]);
}

export const STRATEGY_LABELS: ReadonlyMap<number, string> = new Map(labelled(Strategy));
export const SORT_LABELS: ReadonlyMap<number, string> = new Map(labelled(SortKey));
/** Calendars and diagonals are scanned only when named; the rest is the default. */
export const DEFAULT_STRATEGIES: ReadonlySet<number> = new Set([
  Strategy.BULL_PUT,
  Strategy.BEAR_CALL,
  Strategy.BULL_CALL,
  Strategy.BEAR_PUT,
  Strategy.IRON_CONDOR,
  Strategy.IRON_BUTTERFLY,
]);
