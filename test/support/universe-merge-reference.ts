// The merged top N of a universe scan worked out the slow, obvious way, for tests to hold the
// coordinator's k-way merge against: every symbol's spreads concatenated, sorted by the tests'
// own sort value (sort-value.ts) and the documented tie rule (docs/architecture.md,
// "Ranking"), then capped per symbol and at the limit. Two spreads of one symbol keep their
// order in that symbol's result ("ties as within one symbol's result"): the engine ranks return
// on risk on per-share figures and the message carries it per lot, so spreads whose return on
// risk ties in exact arithmetic (a $0.25 debit on a $1 width and $0.75 on $3) can differ in the
// last bit the other way round in the message.
import { OptionRight } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { sortValueOf } from "./sort-value.js";

/** The legs' strikes leg by leg in the documented order: put long, put short, call short, call long. */
function strikesInOrder(spread: Spread): number[] {
  const slot = (right: OptionRight, action: LegAction): number =>
    spread.legs.find((leg) => leg.right === right && leg.action === action)?.strike ?? Number.NEGATIVE_INFINITY;
  return [
    slot(OptionRight.OPTION_RIGHT_PUT, LegAction.LEG_ACTION_BUY),
    slot(OptionRight.OPTION_RIGHT_PUT, LegAction.LEG_ACTION_SELL),
    slot(OptionRight.OPTION_RIGHT_CALL, LegAction.LEG_ACTION_SELL),
    slot(OptionRight.OPTION_RIGHT_CALL, LegAction.LEG_ACTION_BUY),
  ];
}

/**
 * The documented order (docs/architecture.md, "Ranking"), then the symbol, as a sort
 * comparator; `rankInList`, when given, orders two spreads of one symbol as its result does.
 */
export function documentedOrder(sort: SortKey, rankInList?: ReadonlyMap<Spread, number>) {
  return (a: Spread, b: Spread): number => {
    if (rankInList && a.symbol === b.symbol) return rankInList.get(a)! - rankInList.get(b)!;
    const keys = (spread: Spread): (number | string)[] => [
      -sortValueOf(spread, sort),
      -spread.score,
      spread.expiryDate,
      spread.strategy,
      spread.backExpiryDate,
      ...strikesInOrder(spread),
      spread.symbol,
    ];
    const [left, right] = [keys(a), keys(b)];
    for (let index = 0; index < left.length; index++) {
      const [x, y] = [left[index]!, right[index]!];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

export function mergedByBruteForce(lists: readonly (readonly Spread[])[], sort: SortKey, limit: number, perSymbolLimit: number): Spread[] {
  const counts = new Map<string, number>();
  const kept: Spread[] = [];
  const rankInList = new Map(lists.flatMap((list) => list.map((spread, rank) => [spread, rank] as const)));
  for (const spread of lists.flat().sort(documentedOrder(sort, rankInList))) {
    if (kept.length === limit) break;
    const count = counts.get(spread.symbol) ?? 0;
    if (perSymbolLimit > 0 && count >= perSymbolLimit) continue;
    counts.set(spread.symbol, count + 1);
    kept.push(spread);
  }
  return kept;
}
