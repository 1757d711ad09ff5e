// The one place the coordinator attaches IV history to chains: a market data provider wrapped
// so that every chain it hands out (fetched for a scan, or from a live feed) carries the
// symbol's history before the chain's New York date, from the IV history cache. The scanner,
// the scan cache, the chain bus and watchers then all have it with the chain.
//
// A history not yet known when its chain is ready is waited for up to waitMs (IBKR paces
// historical requests to 60 per 10 minutes, so one may queue for minutes); past that the chain
// goes without it (unknown) and the fetch carries on, for the chains after it; those do not wait
// again while it is still under way (the symbol's scans would each lose waitMs otherwise).
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { newYorkDateOrUndefined } from "../../../engine/new-york-time.js";
import type { ChainFeed, ChainRequest, FeedListener, MarketDataProvider } from "../market-data-provider.js";
import type { IvHistoryCache } from "./iv-history-cache.js";

export interface AttachIvHistoryOptions {
  readonly cache: IvHistoryCache;
  /** The longest a chain waits for its history, ms; default 10 s. */
  readonly waitMs?: number;
}

const DEFAULT_WAIT_MS = 10_000;

/** `provider`, its chains carrying their IV history. */
export function withIvHistory(provider: MarketDataProvider, options: AttachIvHistoryOptions): MarketDataProvider {
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const { cache } = options;
  /** "SYMBOL|day" of histories a chain has already waited out: later chains do not wait for them. */
  const overdue = new Set<string>();

  const attached = async (chain: OptionChain, signal?: AbortSignal): Promise<OptionChain> => {
    const day = newYorkDateOrUndefined(chain.asOf);
    if (!day) return chain;
    const known = cache.peek(chain.symbol, day);
    if (known !== "pending") return known ? { ...chain, impliedVolatilityHistory: known } : chain;
    const key = `${chain.symbol.toUpperCase()}|${day}`;
    if (overdue.has(key)) {
      // Not waited for, but asked for: a failed fetch whose retry delay has passed starts again here.
      void cache.history(chain.symbol, day);
      return chain;
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort(new Error(`no IV history within ${waitMs} ms`));
    }, waitMs);
    const waiting = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    try {
      const history = await cache.history(chain.symbol, day, waiting);
      return history ? { ...chain, impliedVolatilityHistory: history } : chain;
    } catch (error) {
      // The caller's own abort is theirs to see; the wait running out only leaves it unknown.
      if (signal?.aborted) throw error;
      // Once the fetch settles peek() answers; until then nobody else waits for it.
      if (overdue.size > 10_000) overdue.clear();
      overdue.add(key);
      return chain;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    get name() {
      return provider.name;
    },
    async fetchChain(request: ChainRequest): Promise<OptionChain> {
      return attached(await provider.fetchChain(request), request.signal);
    },
    openFeed(request: ChainRequest, listener: FeedListener): ChainFeed {
      // Chains keep their order: each waits for the one before it to be delivered.
      let delivered: Promise<void> = Promise.resolve();
      let open = true;
      const deliver = (step: () => Promise<void> | void): void => {
        delivered = delivered.then(step).catch((error: unknown) => {
          // A listener that throws hears it as an error, as from the provider itself; one that
          // throws from onError has nobody left to tell.
          try {
            if (open) listener.onError(error);
          } catch {
            // Deliberately dropped: see above.
          }
        });
      };
      const feed = provider.openFeed(request, {
        onChain: (chain) => {
          deliver(async () => {
            const withHistory = await attached(chain);
            if (open) listener.onChain(withHistory);
          });
        },
        onError: (error) => {
          deliver(() => {
            if (open) listener.onError(error);
          });
        },
      });
      const close = (): void => {
        open = false;
        feed.close();
      };
      // A feed that streams per query still needs to be told its queries through this wrapper.
      const setQueries = feed.setQueries?.bind(feed);
      const reach = feed.reach?.bind(feed);
      return setQueries ? { close, setQueries, ...(reach ? { reach } : {}) } : { close };
    },
    isAvailable: () => provider.isAvailable(),
    close: () => provider.close(),
  };
}
