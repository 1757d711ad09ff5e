// Live spreads for the coordinator's watchers. While anyone watches a symbol, one market data
// feed runs for it, shared by all its watchers, and its chains go to the scanner's
// UpdateChain (coalesced: while one is on its way only the latest waits). A feed that streams
// only what its queries can reach (IBKR) is told every watcher's query: a watcher whose query
// needs other contracts first has its own chain fetched and merged into the scanner's (and into
// the base), then the feed streams for it too; when its last watcher leaves, the feed stops
// streaming what only it needed (watched-queries.ts), and what no remaining query reaches
// leaves the scanner's chain and the base (dropUnreached). Each watcher's
// stream is the scanner's WatchSpreads relayed, numbered by the coordinator, so that it
// survives the scanner restarting: the coordinator reconnects, sends the latest chain again
// (a new scanner has none), and carries on with the next sequence number.
//
// In a cluster (an `ownership` given), one coordinator of the fleet runs a symbol's feed: the
// lease's owner. The others only relay the scanner's watch, which the owner's chains reach,
// and start the feed (fetching the base chain again) when the lease comes to them.
//
// Watchers are told the symbol's market data state (market-data-state.ts) when it is not live
// and when it changes, on the initial update or on a repeat of the top N (watch-writer.ts);
// only a feed's owner sees its errors, so in a cluster it shares the state over NATS
// (feed-status-channel.ts).
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { WatchSpreadsResponse as CoordinatorWatchResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  UpdateChainRequest,
  UpdateMode,
  WatchSpreadsRequest,
  type UpdateChainResponse,
  type WatchSpreadsResponse,
} from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { BackoffSequence } from "../common/backoff.js";
import { RpcError, unavailable } from "../common/errors.js";
import type { Logger } from "../common/logger.js";
import { unlessAborted } from "../common/unless-aborted.js";
import type { FeedClaim, FeedOwnership } from "./feed-ownership/feed-ownership.js";
import { shareMarketDataStatus } from "./feed-ownership/feed-status-channel.js";
import type { ChainFeed, MarketDataProvider } from "./market/market-data-provider.js";
import { chainQueryKey } from "./market/chain-query-key.js";
import { SymbolMarketData } from "./market-data-state.js";
import { mergeChains, reachedOnly } from "./merge-chains.js";
import { unexpiredQuotes } from "./unexpired-quotes.js";
import { WatchWriter } from "./watch-writer.js";
import { includedFromStart, includeQuery, streamQueries, watchedQuery, type WatchedQuery } from "./watched-queries.js";

/** What the feeds need of the scanner client. */
export interface ScannerStreams {
  updateChain(request: UpdateChainRequest, options?: { signal?: AbortSignal }): Promise<UpdateChainResponse>;
  watchSpreads(request: WatchSpreadsRequest, signal: AbortSignal): AsyncIterable<WatchSpreadsResponse>;
}

export interface SpreadFeedsOptions {
  readonly market: MarketDataProvider;
  readonly scanner: ScannerStreams;
  readonly logger: Logger;
  /** How long a watch keeps reconnecting to an unreachable scanner before it gives up, milliseconds. */
  readonly maxOutageMs?: number;
  /** First wait before reconnecting, doubled each time up to 5 s, milliseconds. */
  readonly reconnectDelayMs?: number;
  /** Every chain a feed this coordinator runs brings, the first included (predictive invalidation); absent: none is told. */
  readonly onChain?: ((chain: OptionChain) => void) | undefined;
  /** Who runs each symbol's feed across the fleet; absent: this coordinator runs its own, as without a cluster. */
  readonly ownership?: FeedOwnership;
  /** The clock of the market data statuses' `since`; default the system's. */
  readonly now?: () => Date;
}

interface SymbolFeed {
  readonly symbol: string;
  /** Its watchers' queries, in the order they came: a provider may stream only the contracts they can use (IBKR's line cap). */
  readonly queries: Map<string, WatchedQuery>;
  watchers: number;
  feed: ChainFeed | undefined;
  /** The full chain fetched when the feed started: what a new scanner is sent first. */
  base: OptionChain | undefined;
  /** A query left: the contracts no remaining one reaches are to go from the base and the scanner's chain. */
  pruneWanted: boolean;
  /** Queries whose chains are being fetched and merged in now: nothing is cut meanwhile. */
  including: number;
  /** The newest chain from the feed, merged over the base. */
  latest: OptionChain | undefined;
  /** Waiting to go to the scanner while another update is on its way. */
  pending: OptionChain | undefined;
  pushing: boolean;
  /** Settles when the first chain is in the scanner (in a cluster: when this coordinator knows whether it runs the feed). */
  ready: Promise<void>;
  /** In a cluster: this coordinator's claim on the feed. */
  claim: FeedClaim | undefined;
  /** Whether this coordinator runs the feed: always without a cluster, while it owns the lease in one. */
  owned: boolean;
  /** Counts starts and stops, so that a start overtaken by a stop does not open the feed. */
  generation: number;
  /** Aborted, with the reason, when the feed could not start after the lease came here: its watchers end with it. */
  readonly failed: AbortController;
  /** Live, delayed, frozen or unavailable: what its watchers are told. */
  readonly marketData: SymbolMarketData;
  /** In a cluster: stops answering the fleet's questions about the status (while this coordinator runs the feed). */
  stopServingStatus: (() => void) | undefined;
  /** In a cluster: stops following the owner's statuses and publishing this coordinator's. */
  stopSharingStatus: (() => void) | undefined;
}

const sameIds = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((id, index) => id === b[index]);

export class SpreadFeeds {
  private readonly feeds = new Map<string, SymbolFeed>();
  private readonly shutdown = new AbortController();

  constructor(private readonly options: SpreadFeedsOptions) {
    // Every watch listens for the shutdown: their number is bounded by the service, not here.
    setMaxListeners(0, this.shutdown.signal);
  }

  /** Aborted, with the UNAVAILABLE its watches end with, once stopWatches is called. */
  get stopping(): AbortSignal {
    return this.shutdown.signal;
  }

  /** Whether this coordinator runs the symbol's feed now, so that its updates reach onChain. */
  runs(symbol: string): boolean {
    return this.feeds.get(symbol)?.owned === true;
  }

  /** Symbols with a live feed now. */
  get size(): number {
    return this.feeds.size;
  }

  /**
   * Streams the top N of `query` on `symbol` to `send` until `signal` aborts: a snapshot
   * first, then every change. Rejects with NOT_FOUND for a symbol the market does not know,
   * and with the scanner's status when it cannot be reached for long.
   */
  async watch(
    symbol: string,
    query: ScanQuery | undefined,
    minIntervalMs: number,
    signal: AbortSignal,
    send: (message: CoordinatorWatchResponse) => Promise<void>,
  ): Promise<void> {
    AbortSignal.any([signal, this.shutdown.signal]).throwIfAborted();
    const { feed, watched } = this.join(symbol, query);
    const stopped = AbortSignal.any([signal, this.shutdown.signal, feed.failed.signal]);
    const writer = new WatchWriter(symbol, send);
    // Told now if not live (on the initial update), then of every change.
    writer.status(feed.marketData.status);
    const unsubscribe = feed.marketData.subscribe((marketData) => {
      writer.status(marketData);
    });
    try {
      await unlessAborted(watched.ready, stopped);
      await this.relay(feed, query, minIntervalMs, stopped, writer);
    } finally {
      unsubscribe();
      this.leave(feed, watched);
    }
  }

  /** Ends every watch with UNAVAILABLE, so that watchers reconnect to another coordinator. */
  stopWatches(): void {
    this.shutdown.abort(unavailable("the coordinator is shutting down; reconnect to resume from a fresh snapshot", 1000));
  }

  close(): void {
    for (const feed of this.feeds.values()) {
      feed.stopSharingStatus?.();
      feed.stopServingStatus?.();
      feed.feed?.close();
      void feed.claim?.release();
    }
    this.feeds.clear();
  }

  private join(symbol: string, query: ScanQuery | undefined): { feed: SymbolFeed; watched: WatchedQuery } {
    const key = chainQueryKey(query);
    const existing = this.feeds.get(symbol);
    if (existing) {
      existing.watchers++;
      const known = existing.queries.get(key);
      if (known) {
        known.watchers++;
        return { feed: existing, watched: known };
      }
      const watched = watchedQuery(key, query);
      existing.queries.set(key, watched);
      watched.ready = existing.ready.then(() => this.include(existing, watched));
      // A query whose chain could not be had is forgotten, so that its next watcher tries afresh.
      watched.ready.catch(() => {
        if (existing.queries.get(key) === watched) existing.queries.delete(key);
      });
      return { feed: existing, watched };
    }
    const watched = watchedQuery(key, query);
    const feed: SymbolFeed = {
      symbol,
      queries: new Map([[key, watched]]),
      watchers: 1,
      feed: undefined,
      base: undefined,
      pruneWanted: false,
      including: 0,
      latest: undefined,
      pending: undefined,
      pushing: false,
      ready: Promise.resolve(),
      claim: undefined,
      owned: this.options.ownership === undefined,
      generation: 0,
      failed: new AbortController(),
      marketData: new SymbolMarketData(symbol, this.options.now ?? (() => new Date())),
      stopServingStatus: undefined,
      stopSharingStatus: undefined,
    };
    // Every watcher of the symbol listens for its feed's failure.
    setMaxListeners(0, feed.failed.signal);
    this.feeds.set(symbol, feed);
    if (this.options.ownership) {
      const statuses = this.options.ownership.statuses;
      feed.stopSharingStatus = statuses && shareMarketDataStatus(feed.marketData, statuses, () => feed.owned);
      feed.ready = this.claim(feed, this.options.ownership);
      // Its watchers hear a failure through feed.failed too; one that left first must not leave it unobserved.
      feed.ready.catch(() => undefined);
      watched.ready = feed.ready;
      return { feed, watched };
    }
    feed.ready = this.start(feed);
    // A feed that could not start is forgotten, so that the next watcher tries afresh.
    feed.ready.catch(() => {
      if (this.feeds.get(symbol) === feed) this.feeds.delete(symbol);
      feed.feed?.close();
    });
    watched.ready = feed.ready;
    return { feed, watched };
  }

  /**
   * Competes for the feed; settles once the first attempt is answered, after the feed started
   * if the lease came here at once (its failure is the first watchers' answer, as without a cluster).
   */
  private async claim(feed: SymbolFeed, ownership: FeedOwnership): Promise<void> {
    let starting: Promise<void> | undefined;
    feed.claim = ownership.claim(feed.symbol, {
      acquired: (local) => {
        feed.owned = true;
        starting = this.start(feed, local ? "local" : "lease");
        starting.catch((error: unknown) => {
          this.stopFeed(feed, "it could not start");
          // Forgotten, as without a cluster: the next watcher competes afresh.
          if (this.feeds.get(feed.symbol) === feed) this.feeds.delete(feed.symbol);
          this.options.logger.warn({ err: error, symbol: feed.symbol }, "could not start the market data feed; giving the lease up");
          // Another coordinator may start it; this one's watchers end with the reason, and may reconnect.
          void feed.claim?.release();
          feed.failed.abort(error);
        });
      },
      lost: (reason) => this.stopFeed(feed, reason),
    });
    await feed.claim.decided;
    if (starting) await starting;
  }

  /** Stops this coordinator's feed of the symbol, if it runs one: its watchers go on relaying the scanner. */
  private stopFeed(feed: SymbolFeed, reason: string): void {
    if (!feed.owned) return;
    feed.owned = false;
    feed.generation++;
    feed.stopServingStatus?.();
    feed.stopServingStatus = undefined;
    feed.feed?.close();
    feed.feed = undefined;
    for (const watched of feed.queries.values()) watched.included = undefined;
    feed.base = undefined;
    feed.pruneWanted = false;
    feed.latest = undefined;
    feed.pending = undefined;
    this.options.logger.info({ symbol: feed.symbol, reason }, "market data feed stopped");
  }

  private async start(feed: SymbolFeed, owner?: "lease" | "local"): Promise<void> {
    const { market, logger } = this.options;
    const generation = ++feed.generation;
    // The oldest query's chain is the base; the others' are merged in once the feed is open.
    const [oldest] = feed.queries.values();
    const first = await market.fetchChain({ symbol: feed.symbol, query: oldest?.query });
    if (feed.generation !== generation) return;
    feed.base = first;
    feed.marketData.observeQuotes(first);
    this.options.onChain?.(first);
    if (owner) feed.stopServingStatus ??= this.options.ownership?.statuses?.serve(feed.symbol, () => feed.marketData.status);
    await this.options.scanner.updateChain(UpdateChainRequest.fromPartial({ chain: first, mode: UpdateMode.UPDATE_MODE_REPLACE }));
    if (this.feeds.get(feed.symbol) !== feed || feed.generation !== generation) return;
    if (oldest) includedFromStart(oldest, generation);
    feed.feed = market.openFeed(
      { symbol: feed.symbol, query: oldest?.query },
      {
        onChain: (chain) => {
          feed.marketData.observeQuotes(chain);
          this.options.onChain?.(chain);
          this.push(feed, chain);
        },
        onError: (error) => {
          feed.marketData.observeError(error);
          logger.warn({ err: error, symbol: feed.symbol }, "market data feed failed; watchers are told, and keep the last chain until it recovers");
        },
      },
    );
    logger.info({ symbol: feed.symbol, source: market.name, ...(owner ? { owner } : {}) }, "market data feed started");
    // Queries that joined before this coordinator ran the feed (it came here with the lease).
    for (const watched of feed.queries.values()) {
      if (watched !== oldest) this.include(feed, watched).catch(() => undefined);
    }
  }

  private async include(feed: SymbolFeed, watched: WatchedQuery): Promise<void> {
    feed.including++;
    try {
      await includeQuery(this.options, feed, watched);
    } finally {
      feed.including--;
    }
  }

  private leave(feed: SymbolFeed, watched: WatchedQuery): void {
    watched.watchers--;
    feed.watchers--;
    if (watched.watchers === 0 && feed.queries.get(watched.key) === watched) {
      feed.queries.delete(watched.key);
      // The lines only its query needed go; nothing to do when the whole feed stops below.
      if (feed.watchers > 0 && this.feeds.get(feed.symbol) === feed && feed.owned) {
        streamQueries(feed);
        feed.pruneWanted = true;
      }
    }
    if (feed.watchers > 0 || this.feeds.get(feed.symbol) !== feed) return;
    this.feeds.delete(feed.symbol);
    feed.stopSharingStatus?.();
    if (feed.claim) {
      // The feed stops before the lease is given up: the next owner cannot overlap it.
      this.stopFeed(feed, "its last watcher left");
      void feed.claim.release();
      return;
    }
    feed.feed?.close();
    this.options.logger.info({ symbol: feed.symbol }, "market data feed stopped: its last watcher left");
  }

  /**
   * Sends the feed's chain to the scanner, merged by contract into the stored one: a feed may
   * carry only some contracts (IBKR streams what its lines allow). While one is on its way,
   * only the newest waits.
   */
  private push(feed: SymbolFeed, chain: OptionChain): void {
    if (!feed.owned) return;
    feed.latest = chain;
    feed.pending = chain;
    if (feed.pushing) return;
    feed.pushing = true;
    void (async () => {
      while (feed.pending) {
        const next = feed.pending;
        feed.pending = undefined;
        try {
          if (await this.dropUnreached(feed, next)) continue;
          const stored = await this.options.scanner.updateChain(UpdateChainRequest.fromPartial({ chain: next, mode: UpdateMode.UPDATE_MODE_MERGE }));
          await this.restoreBase(feed, next, stored);
        } catch (error) {
          this.options.logger.warn({ err: error, symbol: feed.symbol }, "could not send a chain update to the scanner; the next tick tries again");
        }
      }
      feed.pushing = false;
    })();
  }

  /**
   * Once a query left, the contracts only it reached would stay in the scanner's chain for
   * good, at the price of their last quote. When the feed has settled on the remaining queries
   * and no query is being merged in (its quotes are in the scanner's chain before the feed
   * knows it), the base loses them, and the scanner is sent the base with `sent` over it as a
   * REPLACE in place of the MERGE. True when it did so.
   */
  private async dropUnreached(feed: SymbolFeed, sent: OptionChain): Promise<boolean> {
    const reach = feed.feed?.reach?.();
    if (!feed.pruneWanted || feed.including > 0 || !reach?.settled || !feed.base) return false;
    feed.pruneWanted = false;
    const before = feed.base.quotes.length;
    feed.base = reachedOnly(feed.base, reach);
    this.options.logger.info(
      { symbol: feed.symbol, dropped: before - feed.base.quotes.length },
      "contracts no watcher's query reaches any more dropped from the scanner's chain",
    );
    await this.options.scanner.updateChain(UpdateChainRequest.fromPartial({ chain: mergeChains(feed.base, sent), mode: UpdateMode.UPDATE_MODE_REPLACE }));
    return true;
  }

  /**
   * A MERGE onto a scanner without the symbol's chain (restarted, or the chain expired while
   * the market was quiet) stores the merged quotes alone: a feed streaming only some contracts
   * would leave the scanner a partial chain for good, as no watch finds it missing. The
   * scanner then holds fewer quotes than the base: the base goes again, as a REPLACE, and the
   * chain just sent over it.
   */
  private async restoreBase(feed: SymbolFeed, sent: OptionChain, stored: UpdateChainResponse): Promise<void> {
    const base = feed.base;
    if (!base || !feed.owned || stored.quoteCount >= BigInt(unexpiredQuotes(base, sent.asOf))) return;
    this.options.logger.info(
      { symbol: feed.symbol, stored: Number(stored.quoteCount), base: base.quotes.length },
      "the scanner holds less than the feed's base chain; sending the base again",
    );
    await this.options.scanner.updateChain(UpdateChainRequest.fromPartial({ chain: base, mode: UpdateMode.UPDATE_MODE_REPLACE }));
    await this.options.scanner.updateChain(UpdateChainRequest.fromPartial({ chain: sent, mode: UpdateMode.UPDATE_MODE_MERGE }));
  }

  private async resend(feed: SymbolFeed, signal: AbortSignal): Promise<void> {
    const { scanner } = this.options;
    // Only the feed's owner sends chains: a follower's would overwrite the owner's newer ones.
    if (!feed.owned) return;
    this.options.logger.info({ symbol: feed.symbol }, "sending the feed's chains to the scanner again: it has none for the symbol");
    if (feed.base) await scanner.updateChain(UpdateChainRequest.fromPartial({ chain: feed.base, mode: UpdateMode.UPDATE_MODE_REPLACE }), { signal });
    if (feed.latest) await scanner.updateChain(UpdateChainRequest.fromPartial({ chain: feed.latest, mode: UpdateMode.UPDATE_MODE_MERGE }), { signal });
  }

  private async relay(feed: SymbolFeed, query: ScanQuery | undefined, minIntervalMs: number, signal: AbortSignal, writer: WatchWriter): Promise<void> {
    const maxOutageMs = this.options.maxOutageMs ?? 120_000;
    const backoff = new BackoffSequence({ initialDelayMs: this.options.reconnectDelayMs ?? 200, maxDelayMs: 5_000, jitter: "none" });
    let reconnects = 0;
    let outageSince: number | undefined;
    let sentIds: string[] | undefined;
    const request = WatchSpreadsRequest.fromPartial({ symbol: feed.symbol, query, minIntervalMs });
    for (;;) {
      try {
        for await (const message of this.options.scanner.watchSpreads(request, signal)) {
          reconnects = 0;
          outageSince = undefined;
          backoff.reset();
          const update = message.update;
          if (!update?.result) continue;
          // A coordinator that does not run the feed sees the chain only through results: they
          // say delayed or frozen, and that data flows again; an outage it hears from the owner.
          if (!feed.owned) feed.marketData.observeResult(update.result);
          const ids = update.result.spreads.map((spread) => spread.id);
          // A reconnection starts with a snapshot: news only if the top N moved meanwhile.
          if (update.initial && sentIds && sameIds(ids, sentIds)) continue;
          const previous = new Set(sentIds ?? []);
          const current = new Set(ids);
          // The writer numbers it: statuses take numbers of their own between updates.
          await writer.update({
            result: update.result,
            addedIds: ids.filter((id) => !previous.has(id)),
            removedIds: (sentIds ?? []).filter((id) => !current.has(id)),
          });
          sentIds = ids;
        }
        // The scanner's stream ends quietly when the watch stops; the watcher hears why.
        signal.throwIfAborted();
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // In a cluster, a follower may watch before the owner's first chain is in the scanner.
        const awaitingOwner = this.options.ownership !== undefined && !feed.owned && error instanceof RpcError && error.code === status.NOT_FOUND;
        // With scanner replicas, the feed's first chain reaches the replica this watch landed on
        // through the chain bus, a moment after the replica that took it answered: that replica
        // has none yet. The feed's own watchers wait for it rather than end with NOT_FOUND.
        const awaitingBus = feed.owned && feed.base !== undefined && error instanceof RpcError && error.code === status.NOT_FOUND;
        const retryable =
          error instanceof RpcError &&
          (error.code === status.UNAVAILABLE || error.code === status.NOT_FOUND) &&
          (sentIds !== undefined || awaitingOwner || awaitingBus);
        outageSince ??= Date.now();
        const outageMs = Date.now() - outageSince;
        if (!retryable || outageMs >= maxOutageMs) throw error;
        reconnects++;
        this.options.logger.warn({ err: error, symbol: feed.symbol, reconnects, outageMs }, "the scanner's watch ended; reconnecting");
        // An open circuit says when it lets a call through again: no sooner is worth trying.
        const advised = error.details.retryDelayMs ?? 0;
        await sleep(Math.min(Math.max(backoff.next(), advised), maxOutageMs - outageMs), undefined, { signal });
        // Only a scanner without the chain (NOT_FOUND: it restarted) is sent the base and the
        // newest again. A watch that ended for another reason (a replica's connection recycled
        // after GRPC_MAX_CONNECTION_AGE, a replica gone) finds the chain where it was: sending
        // the base again would take its watchers back to the feed's first chain for a moment.
        // A watch that never had a message is first tried again as it is: the replica may only
        // be behind the bus, and a resend would take the fleet back to the feed's first chain.
        if (error.code === status.NOT_FOUND && (sentIds !== undefined || reconnects > 1)) {
          await this.resend(feed, signal).catch((pushError: unknown) => {
            this.options.logger.warn({ err: pushError, symbol: feed.symbol }, "could not send the latest chain to the scanner");
          });
        }
      }
    }
  }
}
