// A chain TWS answered with no market at all. Outside trading hours TWS ticks a live request's
// bid and ask as −1 with size 0 (no market); with frozen data (type 2 or 4) it sends the values
// the market closed with instead, but not for every contract or account. A chain in which no
// contract has a bid or an ask cannot make a single spread: scanning it would answer OK with
// nothing, which reads as "no spread qualifies" when the truth is "the market is closed".
import { failedPrecondition, type RpcError } from "../../../common/errors.js";
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";

/** FAILED_PRECONDITION naming the closed market when no quote of `chain` has a bid or an ask; else undefined. */
export function closedMarketError(chain: OptionChain): RpcError | undefined {
  if (chain.quotes.length === 0) return undefined;
  if (chain.quotes.some((quote) => quote.bid > 0 || quote.ask > 0)) return undefined;
  const kind = chain.frozen ? "frozen" : chain.delayed ? "delayed" : "live";
  return failedPrecondition(
    `the options market of ${chain.symbol} is closed: TWS quoted no bid or ask (−1, as it does outside trading hours) for any of the ` +
      `${chain.quotes.length} option contracts asked for, and no frozen quotes from the close (${kind} data); ` +
      "scan during regular trading hours (09:30–16:00 New York), or enable frozen market data for the account",
  );
}
