// How many of a chain's quotes a scanner keeps when it merges a chain of a later day onto it:
// the scanner's MERGE drops stored contracts that expired before the sent chain's New York
// date (services/scanner/chain-store.ts), so a base fetched days ago is smaller once merged over.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { isCalendarDate, newYorkDate } from "../engine/new-york-time.js";

/** The quotes of `chain` not expired as of `asOf` (all of them without a valid `asOf`). */
export function unexpiredQuotes(chain: OptionChain, asOf: Date | undefined): number {
  if (!asOf || Number.isNaN(asOf.getTime())) return chain.quotes.length;
  const today = newYorkDate(asOf);
  let kept = 0;
  for (const quote of chain.quotes) if (!isCalendarDate(quote.expiryDate) || quote.expiryDate >= today) kept++;
  return kept;
}
