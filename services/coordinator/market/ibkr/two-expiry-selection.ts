// The contracts calendars and diagonals need beyond those of their front expiry: the back
// expirations they buy, and in each only the strikes a bought leg can have. A calendar buys
// the back at its short strike; a call diagonal buys it below the short, a put diagonal
// above, within the width bound. So a back expiry's strikes follow from the short strikes of
// the fronts it pairs with, never from its own delta or σ, and an expiration that is only a
// back needs no at-the-money probe.
//
// Fronts and backs pair as the engine pairs them (query-defaults.ts, resolved-query.ts): a
// back lies after its front, inside min_back_dte–max_back_dte, and without max_back_dte at
// most DEFAULT_BACK_DTE_SPAN days after its own front.
import { Strategy, type ScanFilters, type ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import { backDteRange, effectiveDteRange, type DteRange } from "../../../engine/query-defaults.js";
import { DEFAULT_BACK_DTE_SPAN, TWO_EXPIRY_STRATEGIES } from "../../../engine/resolved-query.js";
import type { StrikeRange } from "./chain-selection.js";

/** Which kinds of bought back leg a right needs. */
export interface BackLegKinds {
  /** At the short strike. */
  readonly calendar: boolean;
  /** At another strike within the width: below the short for calls, above it for puts. */
  readonly diagonal: boolean;
}

export interface TwoExpiryLegs {
  readonly calls: BackLegKinds;
  readonly puts: BackLegKinds;
}

/** The calendars and diagonals among `strategies`, by right; none for an empty list (the six single-expiry ones). */
export function twoExpiryLegs(strategies: readonly Strategy[] | undefined): TwoExpiryLegs {
  const named = new Set(strategies ?? []);
  return {
    calls: { calendar: named.has(Strategy.STRATEGY_CALL_CALENDAR), diagonal: named.has(Strategy.STRATEGY_CALL_DIAGONAL) },
    puts: { calendar: named.has(Strategy.STRATEGY_PUT_CALENDAR), diagonal: named.has(Strategy.STRATEGY_PUT_DIAGONAL) },
  };
}

export const needsBack = (kinds: BackLegKinds): boolean => kinds.calendar || kinds.diagonal;

/** The single-expiry strategies among `strategies`: undefined (all six) for an empty list, [] when only two-expiry ones are named. */
export function singleExpiryStrategies(strategies: readonly Strategy[] | undefined): readonly Strategy[] | undefined {
  if (!strategies || strategies.length === 0) return undefined;
  return strategies.filter((strategy) => !TWO_EXPIRY_STRATEGIES.includes(strategy));
}

/** The DTE ranges whose expirations a chain for `query` must hold: its fronts, then the backs of its calendars and diagonals. */
export function chainDteRanges(query: ScanQuery | undefined): readonly DteRange[] {
  const front = effectiveDteRange(query?.filters);
  const back = backDteRange(query, front);
  return back === undefined ? [front] : [front, back];
}

export function insideDteRange(dte: number, range: DteRange): boolean {
  return dte >= range.minDte && dte <= range.maxDte;
}

/** Whether a calendar or diagonal may sell the front `frontDte` days out and buy the back `backDte` days out. */
export function pairs(frontDte: number, backDte: number, filters: ScanFilters | undefined): boolean {
  if (backDte <= frontDte) return false;
  if (filters?.minBackDte !== undefined && backDte < filters.minBackDte) return false;
  return backDte <= (filters?.maxBackDte ?? frontDte + DEFAULT_BACK_DTE_SPAN);
}

/**
 * The strikes a back expiry's bought leg can have for one front whose short strikes lie in
 * `shorts` (per right, each empty when low > high), with diagonals at most `width` away.
 */
export function backLegRanges(
  shorts: { readonly puts: StrikeRange; readonly calls: StrikeRange },
  legs: TwoExpiryLegs,
  width: number,
): { readonly puts: readonly StrikeRange[]; readonly calls: readonly StrikeRange[] } {
  const reach = Number.isFinite(width) && width >= 0 ? width : Number.POSITIVE_INFINITY;
  const ranges = (short: StrikeRange, kinds: BackLegKinds, below: boolean): StrikeRange[] => {
    if (short.low > short.high || !needsBack(kinds)) return [];
    if (!kinds.diagonal) return [short];
    return [below ? { low: short.low - reach, high: short.high } : { low: short.low, high: short.high + reach }];
  };
  return { calls: ranges(shorts.calls, legs.calls, true), puts: ranges(shorts.puts, legs.puts, false) };
}
