// The at-the-money quotes of an expiration whose columns are not built yet (an
// ExpiryBuiltOnRead, prepared-chain.ts), read from the quotes its buckets kept: the market
// context reads every expiration's, and building all their columns would undo building on
// read. Such an expiration's quotes all carry implied volatility and greeks, so building it
// skips none: its kept quotes, in bucket order (ascending strike, no duplicates), are its legs
// row for row, with the quote's IV and the mid 0.5·(bid + ask) the columns would hold.
import type { OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { nearer } from "./expiry-volatility.js";
import type { BucketedQuotes } from "./leg-tables.js";

/** An expiration's at-the-money strike and what its two quotes there say; NaN where unknown. */
export interface AtTheMoneyQuotes {
  /** NaN when neither side kept a quote. */
  readonly strike: number;
  /** As atTheMoneyVolatility gives it: the mean of the call's and the put's IV where both are there, else the one that is. */
  readonly volatility: number;
  /** The mid of the side's quote at `strike`; NaN when the side has none there. */
  readonly callMid: number;
  readonly putMid: number;
}

/** What a peek reads: the chain's quotes, how they were bucketed, and their strikes. */
export interface KeptQuotes {
  readonly quotes: readonly OptionQuote[];
  readonly bucketed: BucketedQuotes;
  /** Each quote's strike, by its place in the chain (QuoteFacts.strike). */
  readonly strikes: Float64Array;
}

const NO_QUOTE = -1;

/**
 * The at-the-money quotes of expiry group `group` for `forwardPrice`, with every kept quote
 * usable (the market context's rule): the kept strike nearest the forward of either side, the
 * lower one on a tie, exactly as atTheMoneyVolatility finds it in the built columns.
 */
export function peekAtTheMoney(kept: KeptQuotes, group: number, forwardPrice: number): AtTheMoneyQuotes {
  const call = nearestKept(kept, 2 * group, forwardPrice);
  const put = nearestKept(kept, 2 * group + 1, forwardPrice);
  if (call === NO_QUOTE && put === NO_QUOTE) return { strike: Number.NaN, volatility: Number.NaN, callMid: Number.NaN, putMid: Number.NaN };
  const { quotes, strikes } = kept;
  const callStrike = call === NO_QUOTE ? Number.NaN : (strikes[call] as number);
  const putStrike = put === NO_QUOTE ? Number.NaN : (strikes[put] as number);
  let strike: number;
  if (call === NO_QUOTE) strike = putStrike;
  else if (put === NO_QUOTE) strike = callStrike;
  else strike = nearer(callStrike, putStrike, forwardPrice);
  // A side whose nearest strike is not the chosen one has no quote there: it would have been its nearest.
  const callQuote = callStrike === strike ? (quotes[call] as OptionQuote) : undefined;
  const putQuote = putStrike === strike ? (quotes[put] as OptionQuote) : undefined;
  const callVolatility = callQuote ? (callQuote.impliedVolatility as number) : Number.NaN;
  const putVolatility = putQuote ? (putQuote.impliedVolatility as number) : Number.NaN;
  let volatility: number;
  if (Number.isNaN(putVolatility)) volatility = callVolatility;
  else if (Number.isNaN(callVolatility)) volatility = putVolatility;
  else volatility = 0.5 * (callVolatility + putVolatility);
  return {
    strike,
    volatility,
    callMid: callQuote ? 0.5 * (callQuote.bid + callQuote.ask) : Number.NaN,
    putMid: putQuote ? 0.5 * (putQuote.bid + putQuote.ask) : Number.NaN,
  };
}

/** The chain index of the bucket's kept quote nearest `target` (the lower on a tie), or NO_QUOTE; a binary search over its kept stretch. */
function nearestKept(kept: KeptQuotes, bucket: number, target: number): number {
  const { order, start } = kept.bucketed;
  const strikes = kept.strikes;
  const first = start[bucket] as number;
  const end = first + (kept.bucketed.kept[bucket] as number);
  if (first === end) return NO_QUOTE;
  // The first kept quote whose strike is at least the target.
  let low = first;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((strikes[order[middle] as number] as number) < target) low = middle + 1;
    else high = middle;
  }
  if (low === first) return order[first] as number;
  const below = order[low - 1] as number;
  if (low === end) return below;
  const above = order[low] as number;
  const belowStrike = strikes[below] as number;
  return nearer(belowStrike, strikes[above] as number, target) === belowStrike ? below : above;
}
