// The iron spreads a query reaches, before any is evaluated: each side's credit verticals
// grouped by short leg, and how many pairings of them there are, which is held to a budget.
import { EngineInputError } from "./input-errors.js";
import { LEG_BODY, LEG_LONG, LEG_SHORT_OTM, type PricedSide } from "./priced-side.js";
import { lowerBound, upperBound } from "./strike-search.js";

/**
 * Most iron spreads one scan may consider. They grow with the fourth power of the strikes
 * per expiration: a query whose width bound is far wider than any trader sells (the default
 * one is about 2% of the price) would run for minutes on a full chain, so the engine refuses
 * it, naming the filter that narrows it best.
 */
export const MAX_CANDIDATES = 25_000_000;

/** Refuses a query that reaches more than MAX_CANDIDATES iron spreads, naming the filter that narrows it best. */
export function refuseIfTooBroad(candidates: number): void {
  if (candidates <= MAX_CANDIDATES) return;
  throw new EngineInputError([
    {
      field: "query.filters.max_width",
      description: `the query reaches more than ${MAX_CANDIDATES.toLocaleString("en-US")} candidate spreads; narrow it with max_width (iron spreads grow fastest with it), a DTE range or short delta bounds`,
    },
  ]);
}

/** True when both shorts may be an iron butterfly's body (LEG_BODY on each side). */
export function isButterflyBody(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): boolean {
  return ((puts.flags[putShort] as number) & (calls.flags[callShort] as number) & LEG_BODY) !== 0;
}

/** How many iron spreads ironSpreads would evaluate for these wings, without evaluating them. */
export function ironCandidateCount(
  putWings: CreditWings,
  callWings: CreditWings,
  puts: PricedSide,
  calls: PricedSide,
  condor: boolean,
  butterfly: boolean,
): number {
  let count = 0;
  for (let p = 0; p < putWings.shortCount; p++) {
    const putShort = putWings.shorts[p] as number;
    const putShortStrike = puts.table.strike[putShort] as number;
    const putIsOtm = ((puts.flags[putShort] as number) & LEG_SHORT_OTM) !== 0;
    const putWingCount = (putWings.firstWing[p + 1] as number) - (putWings.firstWing[p] as number);
    for (let c = 0; c < callWings.shortCount; c++) {
      const callShort = callWings.shorts[c] as number;
      const callShortStrike = calls.table.strike[callShort] as number;
      const isCondor = condor && callShortStrike > putShortStrike && putIsOtm && ((calls.flags[callShort] as number) & LEG_SHORT_OTM) !== 0;
      if (isCondor || (butterfly && callShortStrike === putShortStrike && isButterflyBody(puts, calls, putShort, callShort))) {
        count += putWingCount * ((callWings.firstWing[c + 1] as number) - (callWings.firstWing[c] as number));
      }
    }
  }
  return count;
}

/** The credit verticals of one side, grouped by short leg: wings firstWing[i] to firstWing[i + 1] - 1 belong to shorts[i]. */
export interface CreditWings {
  shortCount: number;
  shorts: Int32Array;
  firstWing: Int32Array;
  longs: Int32Array;
  /** Per short: the most credit any of its wings collects, per share. */
  largestCredit: Float64Array;
  /** Per short: its narrowest wing, dollars per share. */
  narrowestWidth: Float64Array;
}

/** The credit verticals of one side whose legs pass their filters and whose width is allowed. */
export function creditWings(side: PricedSide, minWidth: number, maxWidth: number, shortFlag: number): CreditWings {
  const { table, flags, isCall } = side;
  const shorts: number[] = [];
  const firstWing: number[] = [];
  const longs: number[] = [];
  const largestCredit: number[] = [];
  const narrowestWidth: number[] = [];
  const strikes = table.strike;
  const count = table.count;
  for (let near = 0; near < count; near++) {
    if (((flags[near] as number) & shortFlag) === 0) continue;
    const nearStrike = strikes[near] as number;
    const wingsBefore = longs.length;
    let largest = -Infinity;
    let narrowest = Infinity;
    // Longs further from the money by a width in [minWidth, maxWidth], in ascending strike order.
    const first = isCall ? lowerBound(strikes, count, nearStrike + minWidth, near + 1) : lowerBound(strikes, count, nearStrike - maxWidth, 0);
    const end = isCall ? upperBound(strikes, count, nearStrike + maxWidth, first) : Math.min(near, upperBound(strikes, count, nearStrike - minWidth, 0));
    for (let far = first; far < end; far++) {
      if (((flags[far] as number) & LEG_LONG) === 0) continue;
      const width = isCall ? (strikes[far] as number) - nearStrike : nearStrike - (strikes[far] as number);
      if (width > 0) {
        longs.push(far);
        largest = Math.max(largest, (side.sell[near] as number) - (side.buy[far] as number));
        narrowest = Math.min(narrowest, width);
      }
    }
    if (longs.length > wingsBefore) {
      shorts.push(near);
      firstWing.push(wingsBefore);
      largestCredit.push(largest);
      narrowestWidth.push(narrowest);
    }
  }
  firstWing.push(longs.length);
  return {
    shortCount: shorts.length,
    shorts: Int32Array.from(shorts),
    firstWing: Int32Array.from(firstWing),
    longs: Int32Array.from(longs),
    largestCredit: Float64Array.from(largestCredit),
    narrowestWidth: Float64Array.from(narrowestWidth),
  };
}
