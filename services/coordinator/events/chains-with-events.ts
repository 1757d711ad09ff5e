// The one place the coordinator attaches event calendars: a market data provider whose every
// chain, fetched or from a live feed, carries its symbol's calendar from the event provider
// (unset when that provider does not know the symbol). So the scanner, the cache, the chain bus
// and the engine judge events from the chain alone.
import type { OptionChain } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ChainFeed, ChainRequest, FeedListener, MarketDataProvider } from "../market/market-data-provider.js";
import type { EventProvider } from "./event-provider.js";

/** `market` with `events` attached to its chains; `market` itself when there is no event provider (events unknown). */
export function chainsWithEvents(market: MarketDataProvider, events: EventProvider | undefined): MarketDataProvider {
  if (!events) return market;
  const attach = (chain: OptionChain): OptionChain => {
    const calendar = events.calendarFor(chain.symbol, chain.asOf ?? new Date(0));
    return calendar ? { ...chain, events: calendar } : chain;
  };
  return {
    name: market.name,
    fetchChain: async (request: ChainRequest) => attach(await market.fetchChain(request)),
    openFeed: (request: ChainRequest, listener: FeedListener): ChainFeed =>
      market.openFeed(request, {
        onChain: (chain) => {
          listener.onChain(attach(chain));
        },
        onError: (error) => {
          listener.onError(error);
        },
      }),
    isAvailable: () => market.isAvailable(),
    close: () => market.close(),
  };
}
