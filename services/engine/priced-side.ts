// One side (the calls or the puts) of an expiration as one query sees it: the prepared leg
// table and the columns the query's prices, filters and probability model add to it, which
// the hot loop reads.
import {
  MAX_LEG_BID_ASK_WIDTH,
  MAX_LEG_BID_ASK_WIDTH_FRACTION,
  MAX_LONG_DELTA,
  MAX_QUOTE_AGE,
  MAX_SHORT_DELTA,
  MAX_SHORT_IMPLIED_VOLATILITY,
  MIN_IV_RANK,
  MIN_OPEN_INTEREST,
  MIN_SHORT_DELTA,
  MIN_SHORT_IMPLIED_VOLATILITY,
  MIN_SHORT_SIGMA_DISTANCE,
  MIN_VOLUME,
  PASSES,
  SHORT_STRIKES_OUT_OF_THE_MONEY,
} from "./filter-rejections.js";
import { sigmaDistance } from "./market-context/sigma-distance.js";
import type { LegTable, PreparedChain } from "./prepared-chain.js";
import type { ResolvedQuery } from "./resolved-query.js";
import { lowerBound, upperBound } from "./strike-search.js";

/** A side of one expiration with the per-query columns the hot loop reads. */
export interface PricedSide {
  readonly table: LegTable;
  readonly isCall: boolean;
  /** Price at which a sold leg fills (mid, or bid under natural pricing), per share. */
  readonly sell: Float64Array;
  /** Price at which a bought leg fills (mid, or ask under natural pricing), per share. */
  readonly buy: Float64Array;
  /** Bid-ask width divided by mid. */
  readonly bidAskFraction: Float64Array;
  /**
   * The σ of each leg's distribution under the query's probability model: the expiration's
   * shared σ, or under PROBABILITY_MODEL_SHORT_LEG_IV the leg's own implied volatility.
   */
  readonly volatility: Float64Array;
  /** That σ times √T: the deviation of ln S_T under it. */
  readonly deviation: Float64Array;
  /** LEG_* flags for this query. */
  readonly flags: Uint8Array;
  /**
   * Per leg: the first filter (filter-rejections.ts number) it fails as a short leg (without
   * LEG_SHORT_OTM), as a long leg (without LEG_LONG); PASSES (0) where the flag is set.
   * Filled only when the side is priced with PriceOptions.failureReasons.
   */
  readonly shortFailure: Uint8Array;
  readonly longFailure: Uint8Array;
  /**
   * Expected payoff at expiry of each leg under its σ. With a σ shared by the expiration,
   * filled in with the side for every leg a spread can reach (fillSharedColumns); otherwise
   * NaN until needed.
   */
  readonly expectedPayoff: Float64Array;
  /** P(S_T < strike) under the expiration's shared σ, filled in with expectedPayoff; unused otherwise. */
  readonly probabilityBelowStrike: Float64Array;
  /** Probability of touching each leg's strike from its winning side under its σ (NaN until needed). */
  readonly touch: Float64Array;
  /** Expected payoff of each leg under the current iron pair's volatility, valid where pairGeneration matches. */
  readonly pairPayoff: Float64Array;
  readonly pairGeneration: Int32Array;
  /**
   * The legs that may be sold (LEG_SHORT) all lie from firstShort to endShort − 1 (none
   * when endShort ≤ firstShort): a search for shorts reads that stretch, not the whole side,
   * which in a one-shot process is bytecode run before V8 has compiled anything.
   */
  firstShort: number;
  endShort: number;
}

/** Passes the per-leg filters (age, open interest, volume, bid-ask width). */
export const LEG_USABLE = 1;
/** Usable, and passes the short-leg filters (|delta|, implied volatility). */
export const LEG_SHORT = 2;
/** As LEG_SHORT, and out of the money (or the query does not require it). */
export const LEG_SHORT_OTM = 4;
/** Usable, and passes the long-leg filter (|delta|). */
export const LEG_LONG = 8;
/**
 * At the money: the listed strike nearest the underlying price on this side (either
 * neighbour when the price sits between two strikes), or the query allows shorts in the
 * money. An iron butterfly's body must be here: its shorts cannot both be out of the money.
 */
export const LEG_BODY = 16;

/** The table of a scratch side before it is priced: no legs. */
const EMPTY_TABLE: LegTable = {
  count: 0,
  strike: new Float64Array(0),
  logStrike: new Float64Array(0),
  bid: new Float64Array(0),
  ask: new Float64Array(0),
  mid: new Float64Array(0),
  impliedVolatility: new Float64Array(0),
  delta: new Float64Array(0),
  gamma: new Float64Array(0),
  theta: new Float64Array(0),
  vega: new Float64Array(0),
  openInterest: new Float64Array(0),
  volume: new Float64Array(0),
  quoteTimeMs: new Float64Array(0),
  brokerContractId: new Float64Array(0),
  computed: new Uint8Array(0),
};

/** How many Float64 columns a scratch side holds (see scratchSide). */
const FLOAT_COLUMNS = 9;

/**
 * Columns for the widest side of a chain, reused by every expiration of a scan, so that
 * pricing a side allocates nothing per expiration. All in one buffer: a scan allocates two
 * sides, and one allocation each costs less than a dozen.
 */
export function scratchSide(capacity: number, isCall: boolean): PricedSide {
  // Float64 columns first (8-byte aligned), then the Int32 one, then the flag bytes.
  const buffer = new ArrayBuffer(capacity * (8 * FLOAT_COLUMNS + 4 + 3));
  const floats = (index: number) => new Float64Array(buffer, index * capacity * 8, capacity);
  return {
    table: EMPTY_TABLE,
    isCall,
    sell: floats(0),
    buy: floats(1),
    bidAskFraction: floats(2),
    volatility: floats(3),
    deviation: floats(4),
    expectedPayoff: floats(5),
    probabilityBelowStrike: floats(6),
    touch: floats(7),
    pairPayoff: floats(8),
    pairGeneration: new Int32Array(buffer, FLOAT_COLUMNS * capacity * 8, capacity),
    flags: new Uint8Array(buffer, FLOAT_COLUMNS * capacity * 8 + capacity * 4, capacity),
    shortFailure: new Uint8Array(buffer, FLOAT_COLUMNS * capacity * 8 + capacity * 5, capacity),
    longFailure: new Uint8Array(buffer, FLOAT_COLUMNS * capacity * 8 + capacity * 6, capacity),
    firstShort: 0,
    endShort: 0,
  };
}

/** What fills a side's per-strike probabilities under a σ shared by the expiration: the evaluator, after its setExpiry. */
export interface SharedColumns {
  fillSharedColumns(side: PricedSide, first: number, end: number): void;
}

/** How much of a side priceSide fills. */
export interface PriceOptions {
  /**
   * What fills the per-strike probabilities and expected payoffs under a σ shared by the
   * expiration (the evaluator, after its setExpiry); without it they are left NaN.
   */
  readonly sharedColumns?: SharedColumns | undefined;
  /** The legs from `from` to `end` − 1 are priced (describing a few kept spreads needs no more); all of them by default. */
  readonly from?: number | undefined;
  readonly end?: number | undefined;
  /**
   * Fill shortFailure and longFailure, the first filter each leg fails: only the searches
   * that count candidates rejected by leg filters read them (verticals, calendars and
   * diagonals). Without it they are left as they were: working out a failed filter costs a
   * call per leg, which a one-shot process runs before V8 has compiled anything.
   */
  readonly failureReasons?: boolean;
  /**
   * Which legs' neighbourhoods (within the width bound) get the shared columns: those that
   * carry this flag. LEG_SHORT by default, every leg an iron spread may sell; the vertical
   * search sells only LEG_SHORT_OTM legs, and with shorts out of the money that halves the
   * strikes whose probability and payoff it computes.
   */
  readonly sharedColumnsAround?: number;
}

/**
 * Fills the per-query columns of one side: fill prices, the leg filter flags and each
 * leg's σ; given `sharedColumns`, under a σ shared by the expiration, also the per-strike
 * probabilities and expected payoffs of every leg a spread can reach: within the width
 * bound of a leg that can be sold (see PriceOptions).
 */
export function priceSide(
  side: PricedSide,
  table: LegTable,
  years: number,
  sharedVolatility: number,
  query: ResolvedQuery,
  prepared: PreparedChain,
  options: PriceOptions = {},
): PricedSide {
  const { sharedColumns: evaluator, from = 0, end = table.count, failureReasons = false } = options;
  const spot = prepared.spot;
  const ageLimit = prepared.asOfMs - query.maxQuoteAgeMs;
  const priced: PricedSide = { ...side, table };
  const sqrtYears = Math.sqrt(years);
  const shared = !Number.isNaN(sharedVolatility);
  let firstShort = table.count;
  let lastShort = -1;
  // The strikes at the money: the first at or above the spot, and the one below it unless
  // the spot sits exactly on a strike.
  const firstAtOrAbove = lowerBound(table.strike, table.count, spot, 0);
  const lastBodyBelow = firstAtOrAbove < table.count && table.strike[firstAtOrAbove] === spot ? firstAtOrAbove : firstAtOrAbove - 1;
  // Whole columns by builtins (copies and fills), so that the loop below, which a one-shot
  // process runs mostly before V8 has compiled it, does the per-leg judging alone.
  priced.sell.set((query.natural ? table.bid : table.mid).subarray(from, end), from);
  priced.buy.set((query.natural ? table.ask : table.mid).subarray(from, end), from);
  // The σ each leg is judged under; the implied volatility filters below read its own.
  if (shared) {
    priced.volatility.fill(sharedVolatility, from, end);
    priced.deviation.fill(sharedVolatility * sqrtYears, from, end);
  } else {
    priced.volatility.set(table.impliedVolatility.subarray(from, end), from);
    for (let leg = from; leg < end; leg++) priced.deviation[leg] = (table.impliedVolatility[leg] as number) * sqrtYears;
  }
  priced.expectedPayoff.fill(Number.NaN, from, end);
  priced.probabilityBelowStrike.fill(Number.NaN, from, end);
  priced.touch.fill(Number.NaN, from, end);
  // Everything the loop reads, in locals: an interpreted loop pays for each property load.
  const { bid: bids, ask: asks, mid: mids, quoteTimeMs, openInterest, volume, delta, impliedVolatility, strike: strikes } = table;
  const { bidAskFraction, flags: legFlags } = priced;
  const { minOpenInterest, minVolume, maxLegBidAskWidth, maxLegBidAskWidthFraction, minShortDelta, maxShortDelta, maxLongDelta } = query;
  const { minShortImpliedVolatility, maxShortImpliedVolatility } = query;
  // min_short_sigma_distance is a leg filter where σ is shared by the expiration; under the
  // short legs' own σ the evaluator judges it with the spread. The evaluator's arithmetic
  // (sigmaDistance), so that a leg passing here passes there.
  const everyLegBarred = query.everyLegBarred === true;
  const sigmaFloor = shared ? query.minShortSigmaDistance : -Infinity;
  const sharedDeviation = sharedVolatility * sqrtYears;
  const anyShortStrike = !query.shortStrikesOutOfTheMoney;
  const isCall = side.isCall;
  // openInterestPasses, inline: unknown open interest (NaN) passes only without a floor.
  const unknownOpenInterestPasses = openInterestPasses(Number.NaN, minOpenInterest);
  for (let leg = from; leg < end; leg++) {
    const width = (asks[leg] as number) - (bids[leg] as number);
    const fraction = width / (mids[leg] as number);
    bidAskFraction[leg] = fraction;
    const legOpenInterest = openInterest[leg] as number;
    const usable =
      !everyLegBarred &&
      !((quoteTimeMs[leg] as number) < ageLimit) &&
      (legOpenInterest >= minOpenInterest || (legOpenInterest !== legOpenInterest && unknownOpenInterestPasses)) &&
      (volume[leg] as number) >= minVolume &&
      width <= maxLegBidAskWidth &&
      fraction <= maxLegBidAskWidthFraction;
    let flags = 0;
    if (usable) {
      flags = LEG_USABLE;
      const absoluteDelta = Math.abs(delta[leg] as number);
      const volatility = impliedVolatility[leg] as number;
      if (
        absoluteDelta >= minShortDelta &&
        absoluteDelta <= maxShortDelta &&
        volatility >= minShortImpliedVolatility &&
        volatility <= maxShortImpliedVolatility &&
        (sigmaFloor === -Infinity || sigmaDistance(isCall, strikes[leg] as number, spot, sharedDeviation) >= sigmaFloor)
      ) {
        flags |= LEG_SHORT;
        if (leg < firstShort) firstShort = leg;
        lastShort = leg;
        const strike = strikes[leg] as number;
        const outOfTheMoney = isCall ? strike > spot : strike < spot;
        if (outOfTheMoney || anyShortStrike) flags |= LEG_SHORT_OTM;
        if (leg === firstAtOrAbove || leg === lastBodyBelow || anyShortStrike) flags |= LEG_BODY;
      }
      if (absoluteDelta <= maxLongDelta) flags |= LEG_LONG;
    }
    legFlags[leg] = flags;
  }
  if (failureReasons) fillFailureReasons(priced, query, prepared, from, end);
  priced.firstShort = lastShort < 0 ? end : firstShort;
  priced.endShort = lastShort + 1;
  if (evaluator && shared && lastShort >= 0) {
    // Every flag named holds LEG_SHORT: the legs that carry it lie from firstShort to lastShort.
    const around = options.sharedColumnsAround ?? LEG_SHORT;
    let first = firstShort;
    let last = lastShort;
    while (first <= last && ((legFlags[first] as number) & around) === 0) first++;
    while (last >= first && ((legFlags[last] as number) & around) === 0) last--;
    if (first <= last) {
      const strikes = table.strike;
      evaluator.fillSharedColumns(
        priced,
        lowerBound(strikes, table.count, (strikes[first] as number) - query.maxWidth, 0),
        upperBound(strikes, table.count, (strikes[last] as number) + query.maxWidth, last),
      );
    }
  }
  return priced;
}

/** Per leg from `from` to `end` − 1, the first filter it fails as a short leg and as a long leg, PASSES where its flag is set. */
function fillFailureReasons(side: PricedSide, query: ResolvedQuery, prepared: PreparedChain, from: number, end: number): void {
  const { flags, shortFailure, longFailure } = side;
  for (let leg = from; leg < end; leg++) {
    const legFlags = flags[leg] as number;
    // Which filter failed is worked out only for the legs that failed one.
    shortFailure[leg] = (legFlags & LEG_SHORT_OTM) === 0 ? firstShortFailure(side, leg, query, prepared) : PASSES;
    longFailure[leg] = (legFlags & LEG_LONG) === 0 ? firstLongFailure(side, leg, query) : PASSES;
  }
}

/** The first filter a leg fails as a short leg: the symbol filters, then its own in ScanFilters field order (docs/architecture.md). */
function firstShortFailure(side: PricedSide, leg: number, query: ResolvedQuery, prepared: PreparedChain): number {
  if (query.everyLegBarred === true) return query.barringFilter ?? MIN_IV_RANK;
  const table = side.table;
  const absoluteDelta = Math.abs(table.delta[leg] as number);
  if (!(absoluteDelta >= query.minShortDelta)) return MIN_SHORT_DELTA;
  if (!(absoluteDelta <= query.maxShortDelta)) return MAX_SHORT_DELTA;
  const usable = firstUsableFailure(side, leg, query);
  if (usable !== PASSES) return usable;
  const volatility = table.impliedVolatility[leg] as number;
  if (!(volatility >= query.minShortImpliedVolatility)) return MIN_SHORT_IMPLIED_VOLATILITY;
  if (!(volatility <= query.maxShortImpliedVolatility)) return MAX_SHORT_IMPLIED_VOLATILITY;
  const strike = table.strike[leg] as number;
  if (query.shortStrikesOutOfTheMoney && !(side.isCall ? strike > prepared.spot : strike < prepared.spot)) return SHORT_STRIKES_OUT_OF_THE_MONEY;
  if ((table.quoteTimeMs[leg] as number) < prepared.asOfMs - query.maxQuoteAgeMs) return MAX_QUOTE_AGE;
  // The flags fail nothing else: the σ distance, where a leg filter.
  return MIN_SHORT_SIGMA_DISTANCE;
}

/** The first filter a leg fails as a long leg: the symbol filters, then its own in ScanFilters field order. */
function firstLongFailure(side: PricedSide, leg: number, query: ResolvedQuery): number {
  if (query.everyLegBarred === true) return query.barringFilter ?? MIN_IV_RANK;
  if (!(Math.abs(side.table.delta[leg] as number) <= query.maxLongDelta)) return MAX_LONG_DELTA;
  const usable = firstUsableFailure(side, leg, query);
  if (usable !== PASSES) return usable;
  // The flags fail nothing else: the quote's age.
  return MAX_QUOTE_AGE;
}

/** The first of the filters every leg meets (open interest, volume, bid-ask width and fraction) a leg fails, or PASSES. */
function firstUsableFailure(side: PricedSide, leg: number, query: ResolvedQuery): number {
  const table = side.table;
  if (!openInterestPasses(table.openInterest[leg] as number, query.minOpenInterest)) return MIN_OPEN_INTEREST;
  if (!((table.volume[leg] as number) >= query.minVolume)) return MIN_VOLUME;
  if (!((table.ask[leg] as number) - (table.bid[leg] as number) <= query.maxLegBidAskWidth)) return MAX_LEG_BID_ASK_WIDTH;
  if (!((side.bidAskFraction[leg] as number) <= query.maxLegBidAskWidthFraction)) return MAX_LEG_BID_ASK_WIDTH_FRACTION;
  return PASSES;
}

/**
 * Whether a leg's open interest meets the query's floor. Unknown open interest (NaN) meets no
 * floor above 0, and passes when the query sets none: unknown is not "none open".
 */
export function openInterestPasses(openInterest: number, minOpenInterest: number): boolean {
  return Number.isNaN(openInterest) ? !(minOpenInterest > 0) : openInterest >= minOpenInterest;
}
