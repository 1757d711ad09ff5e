// The queries a symbol's watchers bring to its live feed. A feed that streams only what its
// queries can reach (IBKR, under its line cap) must be told each one, and the scanner's chain
// must hold each one's contracts before its watchers read their first top N: so a query that
// joins a running feed has its own chain fetched (as a scan of it would) and merged into the
// scanner's chain and into the feed's base (what a restarted scanner is sent), and only then is
// the feed told to stream for it. A feed whose chains are whole (the simulated market) needs
// none of this.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { UpdateChainRequest, UpdateMode, type UpdateChainResponse } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import type { Logger } from "../common/logger.js";
import type { ChainFeed, MarketDataProvider } from "./market/market-data-provider.js";
import { mergeChains } from "./merge-chains.js";

/** The watchers of one symbol whose queries need the same contracts (chainQueryKey). */
export interface WatchedQuery {
  readonly key: string;
  readonly query: ScanQuery | undefined;
  watchers: number;
  /** Settles when its contracts are in the scanner's chain and its watchers may relay. */
  ready: Promise<void>;
  /** Its chain fetched and merged for the feed's start `generation`; `streamed` once the feed was told of it. */
  included: { readonly generation: number; readonly done: Promise<void>; streamed: boolean } | undefined;
}

/** What including a query needs of the symbol's feed. */
export interface QueriedFeed {
  readonly symbol: string;
  /** In the order they came. */
  readonly queries: ReadonlyMap<string, WatchedQuery>;
  /** Counts the feed's starts and stops: work of an earlier start is dropped. */
  readonly generation: number;
  /** Whether this coordinator runs the feed (in a cluster, only the lease's owner does). */
  readonly owned: boolean;
  readonly feed: ChainFeed | undefined;
  base: OptionChain | undefined;
}

export interface QueryInclusion {
  readonly market: MarketDataProvider;
  readonly scanner: { updateChain(request: UpdateChainRequest): Promise<UpdateChainResponse> };
  readonly logger: Logger;
  readonly onChain?: ((chain: OptionChain) => void) | undefined;
}

export function watchedQuery(key: string, query: ScanQuery | undefined): WatchedQuery {
  return { key, query, watchers: 1, ready: Promise.resolve(), included: undefined };
}

/** Marks `watched` as served by the feed's start `generation` from the outset: its chain is the base. */
export function includedFromStart(watched: WatchedQuery, generation: number): void {
  watched.included = { generation, done: Promise.resolve(), streamed: true };
}

/**
 * Makes the feed serve `watched` too: its chain fetched and merged into the scanner's and the
 * base, then the feed streams for it. Once per start of the feed; nothing for a feed that
 * streams whole chains, or while another coordinator runs it.
 */
export function includeQuery(inclusion: QueryInclusion, feed: QueriedFeed, watched: WatchedQuery): Promise<void> {
  const generation = feed.generation;
  if (watched.included?.generation === generation) return watched.included.done;
  if (!feed.owned || feed.feed?.setQueries === undefined) return Promise.resolve();
  const included = { generation, done: Promise.resolve(), streamed: false };
  included.done = (async () => {
    const chain = await inclusion.market.fetchChain({ symbol: feed.symbol, query: watched.query });
    if (feed.generation !== generation) return;
    inclusion.onChain?.(chain);
    await inclusion.scanner.updateChain(UpdateChainRequest.fromPartial({ chain, mode: UpdateMode.UPDATE_MODE_MERGE }));
    if (feed.generation !== generation) return;
    feed.base = feed.base ? mergeChains(feed.base, chain) : chain;
    included.streamed = true;
    streamQueries(feed);
    inclusion.logger.info({ symbol: feed.symbol, queries: feed.queries.size }, "market data feed serves another query");
  })();
  watched.included = included;
  return included.done;
}

/** Tells a feed that streams per query which queries it serves now: those whose chain is in. */
export function streamQueries(feed: QueriedFeed): void {
  const served = [...feed.queries.values()].filter((watched) => watched.included?.generation === feed.generation && watched.included.streamed);
  if (served.length > 0) feed.feed?.setQueries?.(served.map((watched) => watched.query));
}
