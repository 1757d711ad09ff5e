// The base a live feed keeps for a new scanner, grown by the chain of each query that joins the
// feed: quotes merged by contract as the scanner's MERGE does (services/scanner/chain-store.ts),
// the later chain's quote in place of the earlier one's, and its chain-level fields (spot, as-of);
// and shrunk to what the feed's queries still reach when one leaves.
import type { OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { FeedReach } from "./market/market-data-provider.js";

const contractKey = (quote: OptionQuote): string => `${quote.expiryDate}|${quote.strike}|${quote.right}`;

/** `later`'s fields and quotes, with `earlier`'s quotes of contracts `later` does not have. */
export function mergeChains(earlier: OptionChain, later: OptionChain): OptionChain {
  const quotes = new Map(earlier.quotes.map((quote) => [contractKey(quote), quote]));
  for (const quote of later.quotes) quotes.set(contractKey(quote), quote);
  return {
    ...later,
    quotes: [...quotes.values()],
    impliedVolatilityHistory: later.impliedVolatilityHistory ?? earlier.impliedVolatilityHistory,
    events: later.events ?? earlier.events,
  };
}

/** `chain` with only the quotes of contracts the feed still keeps current. */
export function reachedOnly(chain: OptionChain, reach: FeedReach): OptionChain {
  return { ...chain, quotes: chain.quotes.filter((quote) => reach.reaches(quote)) };
}
