// The coordinator's market data from Interactive Brokers, through TWS or IB Gateway with
// @stoqey/ib's event-based IBApi (chosen over IBApiNext: every outgoing message has to wait
// for our pacer, and every error code has to reach the request it names, which the
// observables would hide). The pieces: one connection that reconnects by itself, one pacer
// all messages go through (≤ maxMessagesPerSecond, never above IBKR's 50), one line cap
// (≤ maxLines open requests), short early-ending streams for fetches, streams for feeds.
import { MarketDataType } from "@stoqey/ib";
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { Logger } from "../../../common/logger.js";
import type { ChainFeed, ChainRequest, FeedListener, MarketDataProvider } from "../market-data-provider.js";
import { IBKR_SOURCE } from "./chain-assembly.js";
import { ChainFetcher, type FetchCounts } from "./chain-fetch.js";
import { DEFAULT_TAIL_DEVIATIONS } from "./chain-selection.js";
import { ContractLookup } from "./contract-lookup.js";
import { IbConnection } from "./ib-connection.js";
import { competingSession, connectivityLost, notConnected, providerClosed, type ConnectionNotice } from "./ib-errors.js";
import { LineCap } from "./line-cap.js";
import { LiveFeed } from "./live-feed.js";
import { validateIbkrMarketOptions, type IbkrMarketOptions, type IbkrMarketStats, type IbMarketDataType } from "./ibkr-market-options.js";
import { IBKR_MAX_MESSAGES_PER_SECOND, MessagePacer, Priority } from "./message-pacer.js";
import { OpenInterestCache } from "./open-interest-cache.js";
import { QuoteRequests } from "./quote-requests.js";

export type { IbkrMarketOptions, IbkrMarketStats, IbMarketDataType } from "./ibkr-market-options.js";

const MARKET_DATA_TYPES: Readonly<Record<IbMarketDataType, MarketDataType>> = {
  1: MarketDataType.REALTIME,
  2: MarketDataType.FROZEN,
  3: MarketDataType.DELAYED,
  4: MarketDataType.DELAYED_FROZEN,
};

const DEFAULT_FEED_INTERVAL_MS = 1000;
const DEFAULT_MAX_CONTRACTS = 400;
const DEFAULT_RATE = 0.045;
const DEFAULT_VOLATILITY = 0.3;
const DEFAULT_COMPETING_BACKOFF_MS = 30_000;
const DEFAULT_QUOTE_WAIT_MS = 4000;
/** The share of the line cap live feeds leave to snapshots. */
const SNAPSHOT_LINE_SHARE = 0.2;
/** How long close() lets queued cancels go out before dropping the socket. */
const CLOSE_DRAIN_MS = 2000;

export class IbkrMarket implements MarketDataProvider {
  readonly name = IBKR_SOURCE;
  private readonly options: IbkrMarketOptions;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly connection: IbConnection;
  private readonly pacer: MessagePacer;
  private readonly lines: LineCap;
  private readonly lookup: ContractLookup;
  private readonly quotes: QuoteRequests;
  private readonly fetcher: ChainFetcher;
  private readonly feeds = new Map<string, LiveFeed>();
  /** Fetches under way: an outage ends them at once rather than letting every snapshot time out. */
  private readonly inflight = new Set<AbortController>();
  private marketDataType: IbMarketDataType;
  private delayedFallback: Promise<boolean> | undefined;
  private marketDataDown = false;
  private competingUntil = Number.NEGATIVE_INFINITY;
  private competingMessage = "";
  private lastFetch: FetchCounts | undefined;
  private closed = false;

  constructor(options: IbkrMarketOptions) {
    validateIbkrMarketOptions(options);
    this.options = options;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
    this.marketDataType = options.marketDataType;
    this.pacer = new MessagePacer({ maxMessagesPerSecond: options.maxMessagesPerSecond });
    this.lines = new LineCap(options.maxLines);
    this.connection = new IbConnection({
      host: options.host,
      port: options.port,
      clientId: options.clientId,
      maxMessagesPerSecond: IBKR_MAX_MESSAGES_PER_SECOND,
      logger: options.logger,
      ...(options.reconnectInitialDelayMs === undefined ? {} : { reconnectInitialDelayMs: options.reconnectInitialDelayMs }),
      ...(options.reconnectMaxDelayMs === undefined ? {} : { reconnectMaxDelayMs: options.reconnectMaxDelayMs }),
      listener: {
        onReady: (reconnected) => {
          this.onReady(reconnected);
        },
        onDown: () => {
          this.onDown();
        },
        onNotice: (notice, code, message) => {
          this.onNotice(notice, code, message);
        },
      },
    });
    this.lookup = new ContractLookup({
      connection: this.connection,
      pacer: this.pacer,
      timeoutMs: options.snapshotTimeoutMs,
      logger: this.logger,
      now: this.now,
    });
    this.quotes = new QuoteRequests({
      connection: this.connection,
      pacer: this.pacer,
      lines: this.lines,
      waitMs: options.quoteWaitMs ?? DEFAULT_QUOTE_WAIT_MS,
      logger: this.logger,
      now: this.now,
      delayedRequested: () => this.isDelayed(),
      onNotSubscribed: () => this.fallBackToDelayed(),
    });
    this.fetcher = new ChainFetcher({
      lookup: this.lookup,
      quotes: this.quotes,
      openInterest: new OpenInterestCache(this.now),
      logger: this.logger,
      now: this.now,
      rate: options.riskFreeRate ?? DEFAULT_RATE,
      defaultVolatility: options.defaultVolatility ?? DEFAULT_VOLATILITY,
      maxContracts: options.maxContracts ?? DEFAULT_MAX_CONTRACTS,
      tailDeviations: options.strikeWindowDeviations ?? DEFAULT_TAIL_DEVIATIONS,
      notConnected: () => notConnected(options.host, options.port),
      onCompetingSession: (message) => {
        this.onCompetingSession(message);
      },
    });
    this.connection.start();
  }

  /**
   * The symbol's chain: the expirations in the query's DTE range, the strikes its filters can
   * reach, a snapshot of each. Rejects NOT_FOUND for a symbol IBKR does not know, UNAVAILABLE
   * while TWS or its market data is down, FAILED_PRECONDITION for a missing subscription.
   */
  async fetchChain(request: ChainRequest): Promise<OptionChain> {
    request.signal?.throwIfAborted();
    const symbol = request.symbol.toUpperCase();
    await this.assertServing(request.signal);
    const outage = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, outage.signal]) : outage.signal;
    this.inflight.add(outage);
    try {
      const { chain, counts } = await this.fetcher.fetch(symbol, request.query, signal);
      this.lastFetch = counts;
      this.logger.info({ symbol, ...counts, delayed: chain.delayed }, "ibkr: chain fetched");
      return chain;
    } finally {
      this.inflight.delete(outage);
    }
  }

  /**
   * Streams the symbol's chain to `listener`, at most once per feedIntervalMs. Feeds of one
   * symbol share their lines (the first one's query picks the contracts). Aborting
   * `request.signal` closes the feed.
   */
  openFeed(request: ChainRequest, listener: FeedListener): ChainFeed {
    request.signal?.throwIfAborted();
    if (this.closed) throw providerClosed();
    const symbol = request.symbol.toUpperCase();
    let feed = this.feeds.get(symbol);
    if (!feed) {
      const created = new LiveFeed({
        symbol,
        query: request.query,
        intervalMs: this.options.feedIntervalMs ?? DEFAULT_FEED_INTERVAL_MS,
        fetcher: this.fetcher,
        connection: this.connection,
        pacer: this.pacer,
        lines: this.lines,
        lineAllowance: () => this.feedLineAllowance(symbol),
        maxContracts: this.options.maxContracts ?? DEFAULT_MAX_CONTRACTS,
        logger: this.logger,
        now: this.now,
        isDelayed: () => this.isDelayed(),
        onNotSubscribed: () => this.fallBackToDelayed(),
        onCompetingSession: (message) => {
          this.onCompetingSession(message);
        },
        notConnected: () => notConnected(this.options.host, this.options.port),
      });
      this.feeds.set(symbol, created);
      feed = created;
    }
    const owner = feed;
    // Wrapped, so one listener object opened twice is two feeds.
    const subscription: FeedListener = { onChain: (chain) => listener.onChain(chain), onError: (error) => listener.onError(error) };
    owner.add(subscription);
    const signal = request.signal;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      signal?.removeEventListener("abort", close);
      if (owner.remove(subscription) && this.feeds.get(symbol) === owner) {
        this.feeds.delete(symbol);
        owner.close();
      }
    };
    signal?.addEventListener("abort", close, { once: true });
    return { close };
  }

  isAvailable(): boolean {
    return !this.closed && this.connection.isReady && !this.marketDataDown && !this.competingActive();
  }

  /** What the provider is doing: for logs, metrics and tests. */
  stats(): IbkrMarketStats {
    return {
      connection: this.connection.state,
      marketDataDown: this.marketDataDown,
      marketDataType: this.marketDataType,
      messagesSent: this.pacer.messagesSent,
      messageRate: this.pacer.rate,
      openLines: this.lines.open,
      lineLimit: this.lines.limit,
      maxOpenLines: this.lines.maxOpen,
      feeds: this.feeds.size,
      quotes: { ...this.quotes.counters },
      lastFetch: this.lastFetch ? { ...this.lastFetch } : undefined,
    };
  }

  /** Resolves true once connected to TWS/IB Gateway, false if `timeoutMs` passes first. */
  whenConnected(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.connection.whenReady(timeoutMs, signal);
  }

  /** Cancels every feed's lines (letting the cancels go out for a moment), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
    const deadline = performance.now() + CLOSE_DRAIN_MS;
    while (this.pacer.pacing.queued > 0 && this.connection.isReady && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.pacer.close();
    this.lines.close(providerClosed());
    this.connection.close();
  }

  private async assertServing(signal: AbortSignal | undefined): Promise<void> {
    if (this.closed) throw providerClosed();
    if (!this.connection.isReady) {
      // Before the first session, a fetch waits for it (the service has just started); after
      // a drop it fails at once, so callers can go elsewhere while we reconnect.
      if (this.connection.hasBeenReady) throw notConnected(this.options.host, this.options.port);
      const ready = await this.connection.whenReady(this.options.snapshotTimeoutMs, signal);
      signal?.throwIfAborted();
      if (!ready) throw notConnected(this.options.host, this.options.port);
    }
    if (this.marketDataDown) throw connectivityLost();
    if (this.competingActive()) throw competingSession(this.competingMessage);
  }

  private onReady(reconnected: boolean): void {
    this.marketDataDown = false;
    this.competingUntil = Number.NEGATIVE_INFINITY;
    // Before anything else in the session: the type applies to the requests that follow it.
    if (this.marketDataType !== 1) void this.sendMarketDataType();
    if (reconnected) {
      for (const feed of this.feeds.values()) feed.resubscribe("reconnected");
    }
  }

  private onDown(): void {
    const error = notConnected(this.options.host, this.options.port);
    for (const feed of this.feeds.values()) feed.reportError(error);
  }

  private onNotice(notice: ConnectionNotice, code: number, message: string): void {
    switch (notice) {
      case "connectivity-lost": {
        this.marketDataDown = true;
        this.logger.warn({ code, message }, "ibkr: TWS lost connectivity to IBKR; market data is down");
        const error = connectivityLost();
        this.abortFetches(error);
        for (const feed of this.feeds.values()) feed.reportError(error);
        return;
      }
      case "restored-data-lost":
        this.marketDataDown = false;
        this.logger.warn({ code, message }, "ibkr: connectivity restored, data lost; resubscribing every live feed");
        for (const feed of this.feeds.values()) feed.resubscribe("data-lost");
        return;
      case "restored":
        this.marketDataDown = false;
        this.logger.info({ code, message }, "ibkr: connectivity restored, data maintained");
        return;
      case "competing-session": {
        this.onCompetingSession(message);
        const error = competingSession(message);
        this.abortFetches(error);
        for (const feed of this.feeds.values()) feed.reportError(error);
        return;
      }
      case "rate-exceeded":
        this.pacer.rateExceeded();
        this.logger.warn({ code, message }, "ibkr: TWS says the message rate was exceeded; slowing down");
        return;
      case "client-id-in-use":
        this.logger.error({ code, message, clientId: this.options.clientId }, "ibkr: client id already in use; retrying (set IB_CLIENT_ID to a free one)");
        return;
      case "other":
        // Farm status (2104, 2106, 2158…) and other chatter.
        this.logger.debug({ code, message }, "ibkr: TWS notice");
        return;
    }
  }

  private abortFetches(reason: Error): void {
    for (const outage of this.inflight) outage.abort(reason);
  }

  /** Lines a new feed of `symbol` may hold: the cap less the snapshots' share and the other feeds' lines. */
  private feedLineAllowance(symbol: string): number {
    const reserve = Math.max(1, Math.round(this.options.maxLines * SNAPSHOT_LINE_SHARE));
    let others = 0;
    for (const [other, feed] of this.feeds) if (other !== symbol) others += feed.heldLines;
    return this.lines.limit - reserve - others;
  }

  private onCompetingSession(message: string): void {
    this.competingMessage = message;
    this.competingUntil = performance.now() + (this.options.competingSessionBackoffMs ?? DEFAULT_COMPETING_BACKOFF_MS);
    this.logger.warn({ message }, "ibkr: competing live session (10197); no market data until it ends");
  }

  private competingActive(): boolean {
    return performance.now() < this.competingUntil;
  }

  private isDelayed(): boolean {
    return this.marketDataType === 3 || this.marketDataType === 4;
  }

  /** Error 354 on live data: switch the session to delayed data once, if allowed. */
  private fallBackToDelayed(): Promise<boolean> {
    if (this.options.allowDelayedFallback === false || this.options.marketDataType === 3 || this.options.marketDataType === 4) {
      return Promise.resolve(false);
    }
    this.delayedFallback ??= (async () => {
      this.marketDataType = this.options.marketDataType === 2 ? 4 : 3;
      this.logger.warn({ marketDataType: this.marketDataType }, "ibkr: no live market data subscription (354); falling back to delayed data");
      await this.sendMarketDataType();
      return true;
    })();
    return this.delayedFallback;
  }

  private async sendMarketDataType(): Promise<void> {
    const type = MARKET_DATA_TYPES[this.marketDataType];
    try {
      await this.pacer.send(() => this.connection.send((api) => api.reqMarketDataType(type)), { priority: Priority.CONTROL });
    } catch (error) {
      this.logger.warn({ err: error }, "ibkr: could not send the market data type");
    }
  }
}
