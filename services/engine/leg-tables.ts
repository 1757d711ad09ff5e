// The columns of a prepared chain, built from the quotes the first pass kept: per side of
// each expiration, in ascending strike order. The quotes are grouped by a counting sort on
// (expiration, side), which keeps the chain's order within a group, so a chain listed by
// strike (as brokers and the market model list it) needs no sort at all, and duplicates sit
// next to each other, the first one listed first. Typed arrays only: no object per quote.
import type { OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SkipReason } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, impliedVolatility, optionGreeks, PUT, type MarketInputs, type OptionGreeks } from "./black-scholes.js";
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

/** `reason` is a SkipReason value, as the counts and QuoteFacts.marketProblem hold it. */
export function countSkip(counts: SkipCounts, reason: number): void {
  counts[reason] = (counts[reason] as number) + 1;
}

/** What the first pass learnt of each quote, indexed by its place in the chain. */
export interface QuoteFacts {
  /** expiry group × 2 + (0 calls, 1 puts); -1 for a quote skipped before duplicates are judged. */
  readonly bucket: Int32Array;
  readonly strike: Float64Array;
  readonly quoteTimeMs: Float64Array;
  /** The SkipReason of a market problem (a bad or one-sided price), 0 when none. */
  readonly marketProblem: Uint8Array;
}

/** Quote indices grouped by bucket, each bucket in strike order with its duplicates and unusable prices dropped. */
export interface BucketedQuotes {
  readonly order: Uint32Array;
  readonly start: Int32Array;
  /** Quotes of each bucket left to become legs, from its start. */
  readonly kept: Int32Array;
}

/**
 * Groups the quotes by bucket, sorts each by strike, and counts the skipped: after the first
 * quote of a strike on its side, the others are duplicates; the first is then judged on its prices.
 */
export function bucketQuotes(facts: QuoteFacts, buckets: number, skipped: SkipCounts): BucketedQuotes {
  const { bucket, strike, marketProblem } = facts;
  const start = new Int32Array(buckets + 1);
  for (let index = 0; index < bucket.length; index++) {
    const of = bucket[index] as number;
    if (of >= 0) start[of + 1] = (start[of + 1] as number) + 1;
  }
  for (let of = 0; of < buckets; of++) start[of + 1] = (start[of + 1] as number) + (start[of] as number);
  const fill = start.slice(0, buckets);
  const order = new Uint32Array(start[buckets] as number);
  for (let index = 0; index < bucket.length; index++) {
    const of = bucket[index] as number;
    if (of < 0) continue;
    const at = fill[of] as number;
    order[at] = index;
    fill[of] = at + 1;
  }
  const kept = new Int32Array(buckets);
  for (let of = 0; of < buckets; of++) {
    const first = start[of] as number;
    const end = start[of + 1] as number;
    if (!inStrikeOrder(order, first, end, strike)) sortByStrike(order.subarray(first, end), strike);
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

function inStrikeOrder(order: Uint32Array, first: number, end: number, strike: Float64Array): boolean {
  for (let at = first + 1; at < end; at++) if ((strike[order[at - 1] as number] as number) > (strike[order[at] as number] as number)) return false;
  return true;
}

/** By strike, then by place in the chain, so that the first listed of duplicates comes first. */
function sortByStrike(indices: Uint32Array, strike: Float64Array): void {
  indices.sort((a, b) => (strike[a] as number) - (strike[b] as number) || a - b);
}

export interface BuiltTable {
  readonly table: LegTable;
  /** Legs whose IV or greeks were computed here, not given by the quote. */
  readonly computedLegs: number;
}

/**
 * The table of one bucket's kept quotes, already in strike order. A quote whose implied
 * volatility is missing and cannot be solved from its mid is skipped and counted.
 */
export function buildLegTable(
  quotes: readonly OptionQuote[],
  indices: Uint32Array,
  facts: QuoteFacts,
  sign: typeof CALL | typeof PUT,
  market: MarketInputs,
  skipped: SkipCounts,
): BuiltTable {
  const capacity = indices.length;
  const table = {
    count: 0,
    strike: new Float64Array(capacity),
    logStrike: new Float64Array(capacity),
    bid: new Float64Array(capacity),
    ask: new Float64Array(capacity),
    mid: new Float64Array(capacity),
    impliedVolatility: new Float64Array(capacity),
    delta: new Float64Array(capacity),
    gamma: new Float64Array(capacity),
    theta: new Float64Array(capacity),
    vega: new Float64Array(capacity),
    openInterest: new Float64Array(capacity),
    volume: new Float64Array(capacity),
    quoteTimeMs: new Float64Array(capacity),
    brokerContractId: new Float64Array(capacity),
    computed: new Uint8Array(capacity),
  };
  let leg = 0;
  let computedLegs = 0;
  for (let at = 0; at < capacity; at++) {
    const index = indices[at] as number;
    const quote = quotes[index] as OptionQuote;
    const strike = facts.strike[index] as number;
    const bid = quote.bid;
    const ask = quote.ask;
    const mid = 0.5 * (bid + ask);
    const greeks = quote.greeks;
    const volatility = quote.impliedVolatility ?? 0;
    if (!(volatility > 0) || greeks === undefined) {
      // The broker left something out: solved or computed here, and flagged as such.
      if (!completeQuote(sign, strike, mid, volatility, greeks, market, table, leg)) {
        countSkip(skipped, SkipReason.SKIP_REASON_NO_IMPLIED_VOLATILITY);
        continue;
      }
      computedLegs++;
    } else {
      table.impliedVolatility[leg] = volatility;
      table.delta[leg] = greeks.delta;
      table.gamma[leg] = greeks.gamma;
      table.theta[leg] = greeks.theta;
      table.vega[leg] = greeks.vega;
    }
    table.strike[leg] = strike;
    table.logStrike[leg] = Math.log(strike);
    table.bid[leg] = bid;
    table.ask[leg] = ask;
    table.mid[leg] = mid;
    // NaN: the source could not say (not the same as none open).
    table.openInterest[leg] = quote.openInterestUnknown ? Number.NaN : Number(quote.openInterest);
    table.volume[leg] = Number(quote.volume);
    table.quoteTimeMs[leg] = facts.quoteTimeMs[index] as number;
    table.brokerContractId[leg] = Number(quote.brokerContractId);
    leg++;
  }
  table.count = leg;
  return { table, computedLegs };
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
  table: { impliedVolatility: Float64Array; delta: Float64Array; gamma: Float64Array; theta: Float64Array; vega: Float64Array; computed: Uint8Array },
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
  table.impliedVolatility[leg] = volatility;
  table.delta[leg] = source.delta;
  table.gamma[leg] = source.gamma;
  table.theta[leg] = source.theta;
  table.vega[leg] = source.vega;
  table.computed[leg] = computed;
  return true;
}
