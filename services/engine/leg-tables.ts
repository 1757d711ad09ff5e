// The columns of a prepared chain, built from the quotes the first pass kept (quote-facts.ts):
// per side of each expiration, in ascending strike order. The quotes are grouped by a
// counting sort on their bucket (expiration, side), which keeps the chain's order within a
// bucket, so a chain listed by strike (as brokers and the market model list it) needs no
// sort at all, and duplicates sit next to each other, the first one listed first. Typed arrays
// only, no object per quote, and few loops, each over the whole chain: in a one-shot process
// they run before V8 has optimised them, and a loop is compiled once it has run long enough.
import type { OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, impliedVolatility, optionGreeks, PUT, type MarketInputs, type OptionGreeks } from "./black-scholes.js";
import { countSkip, type QuoteFacts } from "./quote-facts.js";
import type { SkipCounts } from "./skip-reasons.js";

export const IV_COMPUTED = 1;
export const GREEKS_COMPUTED = 2;

/** One side (calls or puts) of one expiration, sorted by strike. Prices per share. */
export interface LegTable {
  readonly count: number;
  readonly strike: Float64Array;
  /** ln(strike), for the lognormal formulas. */
  readonly logStrike: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly mid: Float64Array;
  readonly impliedVolatility: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly theta: Float64Array;
  readonly vega: Float64Array;
  readonly openInterest: Float64Array;
  readonly volume: Float64Array;
  /** Epoch milliseconds of the quote time; NaN when the quote has none. */
  readonly quoteTimeMs: Float64Array;
  /** The broker's contract id (IBKR conId), 0 when none. */
  readonly brokerContractId: Float64Array;
  /** IV_COMPUTED | GREEKS_COMPUTED bits. */
  readonly computed: Uint8Array;
}

/** Quote indices grouped by bucket, each bucket in strike order with its duplicates and unusable prices dropped. */
export interface BucketedQuotes {
  readonly order: Uint32Array;
  /** Where each bucket starts in `order`; one more entry, the end. */
  readonly start: Int32Array;
  /** Quotes of each bucket left to become legs, from its start. */
  readonly kept: Int32Array;
}

/**
 * Groups the quotes by bucket, sorts each by strike, and counts the skipped: after the first
 * quote of a strike on its side, the others are duplicates; the first is then judged on its prices.
 */
export function bucketQuotes(facts: QuoteFacts, skipped: SkipCounts): BucketedQuotes {
  const start = bucketStarts(facts.bucketSizes);
  return bucketListedInOrder(facts, start, skipped) ?? bucketAndSort(facts, start, skipped);
}

/** Where each bucket starts in the order of quotes; one more entry, the end. */
function bucketStarts(bucketSizes: Int32Array): Int32Array {
  const buckets = bucketSizes.length;
  const start = new Int32Array(buckets + 1);
  for (let of = 0; of < buckets; of++) start[of + 1] = (start[of] as number) + (bucketSizes[of] as number);
  return start;
}

/**
 * The buckets of a chain that lists each side of each expiration in strike order (as brokers
 * and the market model do), in one pass: each quote is judged as it is placed, against the
 * one placed before it in its bucket. Undefined (and nothing counted) as soon as a bucket
 * turns out not to be in strike order: bucketAndSort then does it all.
 */
function bucketListedInOrder(facts: QuoteFacts, start: Int32Array, skipped: SkipCounts): BucketedQuotes | undefined {
  const { bucket, strike, marketProblem } = facts;
  const buckets = start.length - 1;
  const next = start.slice(0, buckets);
  // Strike of the last quote placed in each bucket; strikes are positive, so 0 is none yet.
  const lastStrike = new Float64Array(buckets);
  // Counted here, and only added to `skipped` once every bucket was found in order.
  const found = new Float64Array(skipped.length);
  const order = new Uint32Array(start[buckets] as number);
  for (let index = 0; index < bucket.length; index++) {
    const of = bucket[index] as number;
    if (of < 0) continue;
    const quoteStrike = strike[index] as number;
    const last = lastStrike[of] as number;
    if (quoteStrike < last) return undefined;
    lastStrike[of] = quoteStrike;
    const reason = quoteStrike === last ? SkipReason.SKIP_REASON_DUPLICATE_CONTRACT : (marketProblem[index] as number);
    if (reason !== 0) found[reason] = (found[reason] as number) + 1;
    else {
      const at = next[of] as number;
      order[at] = index;
      next[of] = at + 1;
    }
  }
  for (let reason = 0; reason < found.length; reason++) skipped[reason] = (skipped[reason] as number) + (found[reason] as number);
  const kept = new Int32Array(buckets);
  for (let of = 0; of < buckets; of++) kept[of] = (next[of] as number) - (start[of] as number);
  return { order, start, kept };
}

/** The buckets of any chain: placed in the chain's order, each sorted by strike if it is not in strike order, then judged. */
function bucketAndSort(facts: QuoteFacts, start: Int32Array, skipped: SkipCounts): BucketedQuotes {
  const { bucket, strike, marketProblem } = facts;
  const buckets = start.length - 1;
  const fill = start.slice(0, buckets);
  // Strike of the last quote placed in each bucket, to notice a bucket that needs sorting.
  const lastStrike = new Float64Array(buckets);
  const unsorted = new Uint8Array(buckets);
  const order = new Uint32Array(start[buckets] as number);
  for (let index = 0; index < bucket.length; index++) {
    const of = bucket[index] as number;
    if (of < 0) continue;
    const at = fill[of] as number;
    const quoteStrike = strike[index] as number;
    if (quoteStrike < (lastStrike[of] as number)) unsorted[of] = 1;
    lastStrike[of] = quoteStrike;
    order[at] = index;
    fill[of] = at + 1;
  }
  for (let of = 0; of < buckets; of++) if (unsorted[of] === 1) sortByStrike(order.subarray(start[of], start[of + 1]), strike);
  const kept = new Int32Array(buckets);
  for (let of = 0; of < buckets; of++) {
    const first = start[of] as number;
    const end = start[of + 1] as number;
    let taken = 0;
    let previous = Number.NaN;
    for (let at = first; at < end; at++) {
      const index = order[at] as number;
      const quoteStrike = strike[index] as number;
      if (quoteStrike === previous) {
        countSkip(skipped, SkipReason.SKIP_REASON_DUPLICATE_CONTRACT);
        continue;
      }
      previous = quoteStrike;
      const problem = marketProblem[index] as number;
      if (problem !== 0) countSkip(skipped, problem);
      else order[first + taken++] = index;
    }
    kept[of] = taken;
  }
  return { order, start, kept };
}

/** By strike, then by place in the chain, so that the first listed of duplicates comes first. */
function sortByStrike(indices: Uint32Array, strike: Float64Array): void {
  indices.sort((a, b) => (strike[a] as number) - (strike[b] as number) || a - b);
}

/** The columns of every bucket, laid end to end; a bucket's table is a view of its stretch. */
export interface Columns {
  readonly strike: Float64Array;
  readonly logStrike: Float64Array;
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly mid: Float64Array;
  readonly impliedVolatility: Float64Array;
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly theta: Float64Array;
  readonly vega: Float64Array;
  readonly openInterest: Float64Array;
  readonly volume: Float64Array;
  readonly quoteTimeMs: Float64Array;
  readonly brokerContractId: Float64Array;
  readonly computed: Uint8Array;
}

export function newColumns(capacity: number): Columns {
  const float = (): Float64Array => new Float64Array(capacity);
  return {
    strike: float(),
    logStrike: float(),
    bid: float(),
    ask: float(),
    mid: float(),
    impliedVolatility: float(),
    delta: float(),
    gamma: float(),
    theta: float(),
    vega: float(),
    openInterest: float(),
    volume: float(),
    quoteTimeMs: float(),
    brokerContractId: float(),
    computed: new Uint8Array(capacity),
  };
}

export interface BuiltTables {
  /** By bucket (from the first one asked for); undefined for a bucket whose expiration has no kept quote on either side. */
  readonly tables: readonly (LegTable | undefined)[];
  /** Legs whose IV or greeks were computed here, not given by the quote. */
  readonly computedLegs: number;
}

/**
 * The tables of the buckets `fromBucket` to `endBucket` − 1 (by bucket, from fromBucket)
 * whose expiration kept a quote (`markets` undefined for the others), written into their
 * stretches of `columns` in one loop over the kept quotes. A quote whose implied volatility
 * is missing and cannot be solved from its mid is skipped and counted, and its bucket's
 * later legs move up.
 */
export function buildLegTables(
  quotes: readonly OptionQuote[],
  bucketed: BucketedQuotes,
  facts: QuoteFacts,
  markets: readonly (MarketInputs | undefined)[],
  skipped: SkipCounts,
  columns: Columns,
  fromBucket: number,
  endBucket: number,
): BuiltTables {
  const { order, start, kept } = bucketed;
  const { strike: strikeColumn, logStrike, bid: bidColumn, ask: askColumn, mid: midColumn, impliedVolatility: volatilityColumn } = columns;
  const { delta, gamma, theta, vega, openInterest, volume, quoteTimeMs, brokerContractId } = columns;
  const strikes = facts.strike;
  const quoteTimes = facts.quoteTimeMs;
  const tables: (LegTable | undefined)[] = [];
  let computedLegs = 0;
  for (let of = fromBucket; of < endBucket; of++) {
    const market = markets[of >> 1];
    const first = start[of] as number;
    const end = first + (kept[of] as number);
    if (market === undefined) {
      tables.push(undefined);
      continue;
    }
    const sign = (of & 1) === 0 ? CALL : PUT;
    let leg = first;
    for (let at = first; at < end; at++) {
      const index = order[at] as number;
      const quote = quotes[index] as OptionQuote;
      const strike = strikes[index] as number;
      const bid = quote.bid;
      const ask = quote.ask;
      const mid = 0.5 * (bid + ask);
      const greeks = quote.greeks;
      const volatility = quote.impliedVolatility ?? 0;
      if (volatility > 0 && greeks !== undefined) {
        volatilityColumn[leg] = volatility;
        delta[leg] = greeks.delta;
        gamma[leg] = greeks.gamma;
        theta[leg] = greeks.theta;
        vega[leg] = greeks.vega;
      } else if (completeQuote(sign, strike, mid, volatility, greeks, market, columns, leg)) {
        // The broker left something out: solved or computed here, and flagged as such.
        computedLegs++;
      } else {
        countSkip(skipped, SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY);
        continue;
      }
      strikeColumn[leg] = strike;
      logStrike[leg] = Math.log(strike);
      bidColumn[leg] = bid;
      askColumn[leg] = ask;
      midColumn[leg] = mid;
      // NaN: the source could not say (not the same as none open).
      openInterest[leg] = quote.openInterestUnknown ? Number.NaN : Number(quote.openInterest);
      volume[leg] = Number(quote.volume);
      quoteTimeMs[leg] = quoteTimes[index] as number;
      brokerContractId[leg] = Number(quote.brokerContractId);
      leg++;
    }
    tables.push(tableView(columns, first, end, leg - first));
  }
  return { tables, computedLegs };
}

/** The stretch [first, end) of every column, of which the first `count` rows are legs. */
function tableView(columns: Columns, first: number, end: number, count: number): LegTable {
  return {
    count,
    strike: columns.strike.subarray(first, end),
    logStrike: columns.logStrike.subarray(first, end),
    bid: columns.bid.subarray(first, end),
    ask: columns.ask.subarray(first, end),
    mid: columns.mid.subarray(first, end),
    impliedVolatility: columns.impliedVolatility.subarray(first, end),
    delta: columns.delta.subarray(first, end),
    gamma: columns.gamma.subarray(first, end),
    theta: columns.theta.subarray(first, end),
    vega: columns.vega.subarray(first, end),
    openInterest: columns.openInterest.subarray(first, end),
    volume: columns.volume.subarray(first, end),
    quoteTimeMs: columns.quoteTimeMs.subarray(first, end),
    brokerContractId: columns.brokerContractId.subarray(first, end),
    computed: columns.computed.subarray(first, end),
  };
}

const scratchGreeks: OptionGreeks = { delta: 0, gamma: 0, theta: 0, vega: 0 };

/**
 * Writes the volatility, greeks and computed bits of a quote that lacks IV or greeks, solving
 * IV from the mid and the greeks from it; false (nothing written) when no IV solves.
 */
function completeQuote(
  sign: typeof CALL | typeof PUT,
  strike: number,
  mid: number,
  given: number,
  greeks: OptionQuote["greeks"],
  market: MarketInputs,
  columns: Columns,
  leg: number,
): boolean {
  let computed = 0;
  let volatility = given;
  if (!(volatility > 0)) {
    volatility = impliedVolatility(sign, strike, mid, market);
    computed |= IV_COMPUTED;
    if (Number.isNaN(volatility)) return false;
  }
  let source: OptionGreeks;
  if (greeks) source = greeks;
  else {
    source = optionGreeks(sign, strike, volatility, market, scratchGreeks);
    computed |= GREEKS_COMPUTED;
  }
  columns.impliedVolatility[leg] = volatility;
  columns.delta[leg] = source.delta;
  columns.gamma[leg] = source.gamma;
  columns.theta[leg] = source.theta;
  columns.vega[leg] = source.vega;
  columns.computed[leg] = computed;
  return true;
}
