// What a scan applies when the caller leaves a field unset: the values a trader would choose,
// filled into the query once, from the chain, so that the scanner, the coordinator through
// it, the offline `spreadscan scan --chain` and the IBKR contract selection all apply one
// rule. The caller's own values always win; a default only ever yields to them.
//
// Why these: most option volume and nearly all premium-selling happens between a week and
// two months out; shorts under 0.10 |Δ| collect pennies against the whole width; and a wing
// of about 2% of the price is what traders sell on an index or a large stock. Together they
// bound a bare query to a few million candidates on the widest chain, where leaving them
// unbounded reaches billions of iron spreads.
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, ScoreWeights, SortKey, type Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  ALL_STRATEGIES,
  DEFAULT_BACK_DTE_SPAN,
  DEFAULT_LIMIT,
  DEFAULT_PROBABILITY_MODEL,
  DEFAULT_SCORE_WEIGHTS,
  MAX_DTE,
  namesTwoExpiryStrategy,
} from "./resolved-query.js";

export const DEFAULT_MIN_DTE = 7;
export const DEFAULT_MAX_DTE = 60;
/** With only min_dte given, the range reaches at least this many days past it. */
export const DEFAULT_DTE_SPAN = 30;
export const DEFAULT_MIN_SHORT_DELTA = 0.1;
/** The default width bound, as a fraction of the underlying price. */
export const DEFAULT_WIDTH_FRACTION = 0.02;
/** The default width bound is never narrower than this many strike increments. */
export const MIN_WIDTH_INCREMENTS = 2;
/** The strike increment is measured on strikes within this fraction of the underlying price. */
export const INCREMENT_WINDOW_FRACTION = 0.1;

/** What the defaults need of a chain: the underlying price and the strikes each expiration lists. */
export interface ChainOutline {
  /** Dollars per share, > 0. */
  readonly spot: number;
  readonly expirations: readonly ListedExpiration[];
}

export interface ListedExpiration {
  /** Calendar days to expiry, as the engine counts them. */
  readonly dte: number;
  /** The strikes listed for it, calls and puts together, in any order, repeats allowed. */
  readonly strikes: Iterable<number>;
}

/** Inclusive, in calendar days to expiry. */
export interface DteRange {
  readonly minDte: number;
  readonly maxDte: number;
}

/** The DTE range a query scans: the caller's bounds, and the defaults for those left unset. */
export function effectiveDteRange(filters: ScanFilters | undefined): DteRange {
  const givenMin = filters?.minDte;
  const givenMax = filters?.maxDte;
  // A caller who caps the range below the default floor wants the nearest expirations: no floor.
  const minDte = givenMin ?? (givenMax !== undefined && givenMax < DEFAULT_MIN_DTE ? 0 : DEFAULT_MIN_DTE);
  const maxDte = givenMax ?? (givenMin === undefined ? DEFAULT_MAX_DTE : Math.min(MAX_DTE, Math.max(DEFAULT_MAX_DTE, givenMin + DEFAULT_DTE_SPAN)));
  return { minDte, maxDte };
}

/**
 * The back expirations a query's calendars and diagonals can reach, in calendar days to
 * expiry, given the front range it scans (effectiveDteRange): what a chain source must
 * fetch besides the fronts. Undefined when the query names no calendar or diagonal (an
 * empty strategy list names none). The caller's min_back_dte and max_back_dte bound it;
 * unset, a back expiry lies strictly after its front (so at least a day after the earliest
 * front) and at most DEFAULT_BACK_DTE_SPAN days after its front (so at most that many
 * after the latest). Every back expiry of the scan lies in this range; within it, a given
 * front pairs only with the backs after it and, without max_back_dte, within 60 days of it.
 */
export function backDteRange(query: ScanQuery | undefined, front: DteRange): DteRange | undefined {
  if (!namesTwoExpiryStrategy(query?.strategies ?? [])) return undefined;
  const filters = query?.filters;
  const minDte = Math.max(filters?.minBackDte ?? 0, front.minDte + 1);
  const maxDte = Math.min(filters?.maxBackDte ?? MAX_DTE, front.maxDte + DEFAULT_BACK_DTE_SPAN);
  return { minDte, maxDte };
}

/**
 * The min_back_dte a scan applies: the caller's, else the day after the earliest front.
 * The proto's default is "the day after the front", per front; a back expiry is always
 * strictly later than its own front, and every front is at least min_dte, so one number,
 * min_dte + 1, applies the same rule. (Lowered to a max_back_dte the caller set below it,
 * which leaves the same, empty, set of backs without a min above the max.) max_back_dte has
 * no such single number: it stays unset in the effective query, meaning its front's DTE plus
 * DEFAULT_BACK_DTE_SPAN.
 */
export function effectiveMinBackDte(filters: ScanFilters | undefined, front: DteRange): number {
  if (filters?.minBackDte !== undefined) return filters.minBackDte;
  const dayAfterFront = Math.min(MAX_DTE, front.minDte + 1);
  return filters?.maxBackDte !== undefined ? Math.min(dayAfterFront, filters.maxBackDte) : dayAfterFront;
}

/**
 * The smallest short |Δ| a query allows: the caller's, else the default; none (0) when the
 * caller caps short |Δ| below the default floor, since they asked for the far wings.
 */
export function effectiveMinShortDelta(filters: ScanFilters | undefined): number {
  if (filters?.minShortDelta !== undefined) return filters.minShortDelta;
  const cap = filters?.maxShortDelta;
  return cap !== undefined && cap < DEFAULT_MIN_SHORT_DELTA ? 0 : DEFAULT_MIN_SHORT_DELTA;
}

/** Strike gaps are differences of decimals: rounded to a millionth so that 2.5 is 2.5, not 2.4999999999999. */
const roundMicro = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * The chain's strike increment at the money: the most common gap between adjacent listed
 * strikes (calls and puts together) within ±10% of the underlying price, counted over every
 * expiration in `range` (the smaller gap on a tie). Without two such strikes in any of them,
 * the most common gap over all their strikes; then over every expiration of the chain;
 * undefined when no expiration lists two strikes.
 */
export function strikeIncrement(outline: ChainOutline, range: DteRange): number | undefined {
  const inRange = outline.expirations.filter((expiration) => expiration.dte >= range.minDte && expiration.dte <= range.maxDte);
  const low = outline.spot * (1 - INCREMENT_WINDOW_FRACTION);
  const high = outline.spot * (1 + INCREMENT_WINDOW_FRACTION);
  return (
    mostCommonGap(inRange, (strike) => strike >= low && strike <= high) ?? mostCommonGap(inRange, () => true) ?? mostCommonGap(outline.expirations, () => true)
  );
}

function mostCommonGap(expirations: readonly ListedExpiration[], keep: (strike: number) => boolean): number | undefined {
  const counts = new Map<number, number>();
  for (const { strikes } of expirations) {
    const listed = [...new Set(strikes)].filter((strike) => Number.isFinite(strike) && strike > 0 && keep(strike)).sort((a, b) => a - b);
    for (let index = 1; index < listed.length; index++) {
      const gap = roundMicro((listed[index] as number) - (listed[index - 1] as number));
      if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
    }
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [gap, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && gap < best)) {
      best = gap;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The default width bound: 2% of the underlying price rounded to the nearest whole number of
 * strike increments, and at least two increments, so that a $50 stock listed in $2.50 steps
 * still has spreads. Without an increment (no expiration lists two strikes, so there are no
 * spreads to bound), 2% of the price to the cent.
 */
export function defaultMaxWidth(spot: number, increment: number | undefined): number {
  if (increment === undefined || !(increment > 0)) return Math.max(0.01, Math.round(spot * DEFAULT_WIDTH_FRACTION * 100) / 100);
  const increments = Math.max(MIN_WIDTH_INCREMENTS, Math.round((spot * DEFAULT_WIDTH_FRACTION) / increment));
  return roundMicro(increments * increment);
}

/** The width bound a query applies to a chain: the caller's, else the default raised to the caller's min_width. */
export function effectiveMaxWidth(filters: ScanFilters | undefined, outline: ChainOutline): number {
  if (filters?.maxWidth !== undefined) return filters.maxWidth;
  const width = defaultMaxWidth(outline.spot, strikeIncrement(outline, effectiveDteRange(filters)));
  return Math.max(width, filters?.minWidth ?? 0);
}

/**
 * The query a scan applies to a chain: the caller's (a valid query: check it first) with
 * every field it leaves unset that has a default filled in (min_back_dte only when it names a
 * calendar or diagonal; max_back_dte never: see effectiveMinBackDte). Strategies are each listed once,
 * in the order first named (all six, in enum order, when none is); filters without a default
 * stay unset, meaning no bound.
 */
export function effectiveQuery(query: ScanQuery | undefined, outline: ChainOutline): ScanQuery {
  const given = query ?? ScanQuery.fromPartial({});
  const filters = given.filters;
  const { minDte, maxDte } = effectiveDteRange(filters);
  const strategies: Strategy[] = given.strategies.length === 0 ? [...ALL_STRATEGIES] : [...new Set(given.strategies)];
  const weights = given.scoreWeights;
  return ScanQuery.fromPartial({
    strategies,
    filters: ScanFilters.fromPartial({
      ...filters,
      minDte,
      maxDte,
      minShortDelta: effectiveMinShortDelta(filters),
      maxWidth: effectiveMaxWidth(filters, outline),
      shortStrikesOutOfTheMoney: filters?.shortStrikesOutOfTheMoney ?? true,
      // Only a query with calendars or diagonals has a back expiry to bound.
      minBackDte: namesTwoExpiryStrategy(strategies) ? effectiveMinBackDte(filters, { minDte, maxDte }) : filters?.minBackDte,
    }),
    sort: given.sort === SortKey.SORT_KEY_UNSPECIFIED ? SortKey.SORT_KEY_SCORE : given.sort,
    pricing: given.pricing === PricingMode.PRICING_MODE_UNSPECIFIED ? PricingMode.PRICING_MODE_MID : given.pricing,
    limit: given.limit ?? DEFAULT_LIMIT,
    scoreWeights: ScoreWeights.fromPartial({
      expectedValuePerRisk: weights?.expectedValuePerRisk ?? DEFAULT_SCORE_WEIGHTS.expectedValuePerRisk,
      pop: weights?.pop ?? DEFAULT_SCORE_WEIGHTS.pop,
      liquidity: weights?.liquidity ?? DEFAULT_SCORE_WEIGHTS.liquidity,
    }),
    probabilityModel: given.probabilityModel === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? DEFAULT_PROBABILITY_MODEL : given.probabilityModel,
    volatility: given.volatility,
  });
}
