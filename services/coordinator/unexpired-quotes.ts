// How many of a chain's quotes a scanner keeps when it merges a chain of a later day onto it:
// the scanner's MERGE (services/scanner/chain-store.ts) drops stored contracts that are not
// aliveOn the sent chain's New York date, so a base fetched days ago is smaller once merged over.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { aliveOn, newYorkDateOrUndefined } from "../engine/new-york-time.js";

/** The quotes of `chain` not expired as of `asOf` (all of them without a valid `asOf`). */
export function unexpiredQuotes(chain: OptionChain, asOf: Date | undefined): number {
  const today = newYorkDateOrUndefined(asOf);
  let kept = 0;
  for (const quote of chain.quotes) if (aliveOn(quote.expiryDate, today)) kept++;
  return kept;
}
