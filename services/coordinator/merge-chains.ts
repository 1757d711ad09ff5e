// The base a live feed keeps for a new scanner, grown by the chain of each query that joins the
// feed: quotes merged by contract as the scanner's MERGE does (services/scanner/chain-store.ts),
// the later chain's quote in place of the earlier one's, and its chain-level fields (spot, as-of).
import type { OptionChain, OptionQuote } from "../../gen/ts/spreadscan/market/v1/option_chain.js";

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
