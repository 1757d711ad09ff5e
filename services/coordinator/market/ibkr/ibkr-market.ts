// The coordinator's market data from Interactive Brokers, through TWS or IB Gateway with
// @stoqey/ib's event-based IBApi (chosen over IBApiNext: every outgoing message has to wait
// for our pacer, and every error code has to reach the request it names, which the
// observables would hide). The pieces: one connection that reconnects by itself, one pacer
// all messages go through (≤ maxMessagesPerSecond, never above IBKR's 50), one line cap
// (≤ maxLines open requests), short early-ending streams for fetches, streams for feeds.
import type { OptionChain } from "../../../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { Logger } from "../../../common/logger.js";
import type { ChainFeed, ChainRequest, FeedListener, MarketDataProvider } from "../market-data-provider.js";
import { IBKR_SOURCE } from "./chain-assembly.js";
import { ChainFetcher, type FetchCounts } from "./chain-fetch.js";
import { closedMarketError } from "./closed-market.js";
import { DEFAULT_TAIL_DEVIATIONS } from "./chain-selection.js";
import { ContractLookup } from "./contract-lookup.js";
import { IbConnection } from "./ib-connection.js";
import { competingSession, connectivityLost, notConnected, providerClosed, type ConnectionNotice } from "./ib-errors.js";
import { HistoricalPacer, IBKR_HISTORICAL_LIMITS } from "./historical-pacer.js";
import { IbkrIvHistory } from "./historical-volatility.js";
import { LineCap } from "./line-cap.js";
import { LiveFeed } from "./live-feed.js";
import { MarketDataFarms } from "./market-data-farms.js";
import { validateIbkrMarketOptions, type IbkrMarketOptions, type IbkrMarketStats } from "./ibkr-market-options.js";
import { MarketDataTypeSetting } from "./market-data-type.js";
import { IBKR_MAX_MESSAGES_PER_SECOND, MessagePacer } from "./message-pacer.js";
import { OpenInterestCache } from "./open-interest-cache.js";
import { QuoteRequests } from "./quote-requests.js";

export type { IbkrMarketOptions, IbkrMarketStats, IbMarketDataType } from "./ibkr-market-options.js";

const DEFAULT_FEED_INTERVAL_MS = 1000;
const DEFAULT_MAX_CONTRACTS = 400;
const DEFAULT_RATE = 0.045;
const DEFAULT_VOLATILITY = 0.3;
const DEFAULT_COMPETING_BACKOFF_MS = 30_000;
const DEFAULT_FARM_WAIT_MS = 30_000;
const DEFAULT_QUOTE_WAIT_MS = 4000;
/** The share of the line cap live feeds leave to fetches' quote requests. */
const QUOTE_LINE_SHARE = 0.2;
/** How long TWS may take over a historical data answer (HMDS is slower than quotes). */
const DEFAULT_HISTORICAL_TIMEOUT_MS = 30_000;
/** How long close() lets queued cancels go out before dropping the socket. */
const CLOSE_DRAIN_MS = 2000;

export class IbkrMarket implements MarketDataProvider {
  readonly name = IBKR_SOURCE;
  /** Daily IV history from TWS's historical data, within its historical pacing. */
  readonly ivHistory: IbkrIvHistory;
  private readonly options: IbkrMarketOptions;
  private readonly historicalPacer: HistoricalPacer | undefined;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly connection: IbConnection;
  private readonly pacer: MessagePacer;
  private readonly lines: LineCap;
  private readonly lookup: ContractLookup;
  private readonly quotes: QuoteRequests;
  private readonly fetcher: ChainFetcher;
  private readonly feeds = new Map<string, LiveFeed>();
  private readonly farms = new MarketDataFarms();
  /** Fetches under way: an outage ends them at once rather than letting every quote request run out its wait. */
  private readonly inflight = new Set<AbortController>();
  private readonly dataType: MarketDataTypeSetting;
  private marketDataDown = false;
  private competingUntil = Number.NEGATIVE_INFINITY;
  private competingMessage = "";
  private lastFetch: FetchCounts | undefined;
  /** A farm outage's bound on the fetches under way is running (boundFarmOutage). */
  private farmOutageBounded = false;
  private closed = false;

  constructor(options: IbkrMarketOptions) {
    validateIbkrMarketOptions(options);
    this.options = options;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
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
    this.dataType = new MarketDataTypeSetting({
      configured: options.marketDataType,
      allowDelayedFallback: options.allowDelayedFallback ?? true,
      frozenData: options.frozenData ?? true,
      connection: this.connection,
      pacer: this.pacer,
      logger: this.logger,
    });
    this.lookup = new ContractLookup({
      connection: this.connection,
      pacer: this.pacer,
      timeoutMs: options.lookupTimeoutMs,
      logger: this.logger,
      now: this.now,
    });
    this.quotes = new QuoteRequests({
      connection: this.connection,
      pacer: this.pacer,
      lines: this.lines,
      waitMs: options.quoteWaitMs ?? DEFAULT_QUOTE_WAIT_MS,
      farms: this.farms,
      logger: this.logger,
      now: this.now,
      delayedRequested: () => this.dataType.delayed,
      onNotSubscribed: () => this.dataType.fallBackToDelayed(),
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
    this.historicalPacer = options.historicalPacing === "off" ? undefined : new HistoricalPacer(options.historicalPacing ?? IBKR_HISTORICAL_LIMITS);
    this.ivHistory = new IbkrIvHistory({
      connection: this.connection,
      pacer: this.pacer,
      historicalPacer: this.historicalPacer,
      lookup: this.lookup,
      timeoutMs: options.historicalTimeoutMs ?? DEFAULT_HISTORICAL_TIMEOUT_MS,
      logger: this.logger,
      notConnected: () => notConnected(options.host, options.port),
    });
    this.connection.start();
  }

  /**
   * The symbol's chain: the expirations in the query's DTE range, the strikes its filters can
   * reach, a quote of each. Rejects NOT_FOUND for a symbol IBKR does not know, UNAVAILABLE
   * while TWS or its market data is down, FAILED_PRECONDITION for a missing subscription.
   */
  async fetchChain(request: ChainRequest): Promise<OptionChain> {
    request.signal?.throwIfAborted();
    const symbol = request.symbol.toUpperCase();
    await this.assertServing(request.signal);
    await this.awaitFarms(request.signal);
    const outage = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, outage.signal]) : outage.signal;
    this.inflight.add(outage);
    try {
      const { chain, counts } = await this.fetcher.fetch(symbol, request.query, signal);
      this.lastFetch = counts;
      this.logger.info({ symbol, ...counts, delayed: chain.delayed, frozen: chain.frozen }, "ibkr: chain fetched");
      const closed = closedMarketError(chain);
      if (closed) throw closed;
      return chain;
    } finally {
      this.inflight.delete(outage);
    }
  }

  /**
   * Streams the symbol's chain to `listener`, at most once per feedIntervalMs. Feeds of one
   * symbol share their lines: they stream the union of the contracts their queries can reach
   * (the request's, or those given to setQueries), within the lines feeds may hold. Aborting
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
        intervalMs: this.options.feedIntervalMs ?? DEFAULT_FEED_INTERVAL_MS,
        fetcher: this.fetcher,
        connection: this.connection,
        pacer: this.pacer,
        lines: this.lines,
        lineAllowance: () => this.feedLineAllowance(symbol),
        // A quarter of the quote requests' lines: fetches keep the rest.
        requoteLines: Math.max(1, Math.floor(this.quoteLineReserve() / 4)),
        maxContracts: this.options.maxContracts ?? DEFAULT_MAX_CONTRACTS,
        logger: this.logger,
        now: this.now,
        farms: this.farms,
        delayedRequested: () => this.dataType.delayed,
        onNotSubscribed: () => this.dataType.fallBackToDelayed(),
        onCompetingSession: (message) => {
          this.onCompetingSession(message);
        },
        onCompetingSessionOver: () => {
          // Data flows again: fetches need not wait out the rest of the backoff.
          this.competingUntil = Number.NEGATIVE_INFINITY;
        },
        ...(this.options.feedRetryDelayMs === undefined ? {} : { restartDelayMs: this.options.feedRetryDelayMs }),
        notConnected: () => notConnected(this.options.host, this.options.port),
      });
      this.feeds.set(symbol, created);
      feed = created;
    }
    const owner = feed;
    // Wrapped, so one listener object opened twice is two feeds.
    const subscription: FeedListener = { onChain: (chain) => listener.onChain(chain), onError: (error) => listener.onError(error) };
    // Wanted before the listener starts the feed, so that its first plan has the query.
    let releases = [owner.want(request.query)];
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
        return;
      }
      for (const release of releases) release();
      releases = [];
    };
    const setQueries = (queries: readonly (ScanQuery | undefined)[]): void => {
      if (!open) return;
      // The new ones are wanted before the old are let go: a query in both keeps its plan and its lines.
      const next = queries.map((query) => owner.want(query));
      for (const release of releases) release();
      releases = next;
    };
    signal?.addEventListener("abort", close, { once: true });
    return { close, setQueries, reach: () => owner.reach() };
  }

  isAvailable(): boolean {
    return !this.closed && this.connection.isReady && !this.marketDataDown && !this.competingActive();
  }

  /** What the provider is doing: for logs, metrics and tests. */
  stats(): IbkrMarketStats {
    return {
      connection: this.connection.state,
      marketDataDown: this.marketDataDown,
      marketDataType: this.dataType.type,
      requestedMarketDataType: this.dataType.requested,
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
    this.historicalPacer?.close();
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
      const ready = await this.connection.whenReady(this.options.lookupTimeoutMs, signal);
      signal?.throwIfAborted();
      if (!ready) throw notConnected(this.options.host, this.options.port);
    }
    if (this.marketDataDown) throw connectivityLost();
    if (this.competingActive()) throw competingSession(this.competingMessage);
  }

  /** Holds a fetch while TWS's market data farms connect, so no request's clock runs on their silence. */
  private async awaitFarms(signal: AbortSignal | undefined): Promise<void> {
    if (this.farms.ready) return;
    const waitMs = this.options.farmWaitMs ?? DEFAULT_FARM_WAIT_MS;
    this.logger.info({ farms: this.farms.describe() }, "ibkr: market data farm connecting; the fetch waits for it");
    const ready = await this.farms.whenReady(waitMs, signal);
    signal?.throwIfAborted();
    if (!ready) throw this.farms.notReady(waitMs);
    await this.assertServing(signal);
  }

  private onReady(reconnected: boolean): void {
    this.farms.reset();
    this.marketDataDown = false;
    this.competingUntil = Number.NEGATIVE_INFINITY;
    // Before anything else in the session: the type applies to the requests that follow it.
    void this.dataType.send();
    if (reconnected) {
      for (const feed of this.feeds.values()) feed.resubscribe("reconnected");
    }
  }

  private onDown(): void {
    this.farms.reset();
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
        for (const feed of this.feeds.values()) feed.dataMaintained();
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
      case "farm-connecting":
      case "farm-broken":
        this.logger.info({ code, message }, "ibkr: market data farm not serving yet; market data requests wait for it");
        this.farms.notice(notice, code, message);
        this.boundFarmOutage();
        return;
      case "farm-ok":
        this.logger.debug({ code, message }, "ibkr: market data farm OK");
        this.farms.notice(notice, code, message);
        return;
      case "other":
        // Other farms' status (2106, 2158…) and other chatter.
        this.logger.debug({ code, message }, "ibkr: TWS notice");
        return;
    }
  }

  /**
   * Fetches under way when a farm stops serving hold their quote requests' waits (QuoteRequests);
   * if it is not back within the farm wait, they fail UNAVAILABLE naming it rather than hold on.
   */
  private boundFarmOutage(): void {
    if (this.farmOutageBounded) return;
    this.farmOutageBounded = true;
    const waitMs = this.options.farmWaitMs ?? DEFAULT_FARM_WAIT_MS;
    void this.farms.whenReady(waitMs).then((ready) => {
      this.farmOutageBounded = false;
      if (!ready) this.abortFetches(this.farms.notReady(waitMs));
    });
  }

  private abortFetches(reason: Error): void {
    for (const outage of this.inflight) outage.abort(reason);
  }

  /** Lines a new feed of `symbol` may hold: the cap less the quote requests' share and the other feeds' lines. */
  /** Lines feeds leave to quote requests. */
  private quoteLineReserve(): number {
    return Math.max(1, Math.round(this.options.maxLines * QUOTE_LINE_SHARE));
  }

  private feedLineAllowance(symbol: string): number {
    const reserve = this.quoteLineReserve();
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
}
