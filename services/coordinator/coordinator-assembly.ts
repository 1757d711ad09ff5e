// The coordinator's parts wired together on a service base, from its configuration and a
// market data provider: what main.ts runs as a process, and what a test runs in its own
// process when it needs to reach the market (the simulated market's fault switch).
import { CircuitState } from "cockatiel";
import { CoordinatorServiceService } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SavedScanServiceService } from "../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { WatchlistServiceService } from "../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import type { ServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { coordinatorAlerts } from "./alerts/coordinator-alerts.js";
import { savedScanRun } from "./alerts/saved-scan-run.js";
import { Pacer } from "./pacing/index.js";
import type { CoordinatorConfig } from "./config.js";
import { CoordinatorMetrics } from "./coordinator-metrics.js";
import { CoordinatorScans } from "./coordinator-scans.js";
import { clusterFeedOwnership } from "./feed-ownership/cluster-feed-ownership.js";
import { coordinatorService } from "./coordinator-service.js";
import { chainsWithEvents } from "./events/chains-with-events.js";
import { chooseEventProvider } from "./events/event-provider-choice.js";
import { JobManager } from "./jobs/job-manager.js";
import type { MarketDataProvider } from "./market/market-data-provider.js";
import { marketWithIvHistory } from "./market/iv-history/market-with-iv-history.js";
import { ScanCache } from "./scan-cache.js";
import { ScanJobWork } from "./scan-job-work.js";
import { createSharedScanCache } from "./shared-cache/shared-scan-cache.js";
import { createScannerCircuitBreaker } from "./scanner-client/scanner-breaker.js";
import { ScannerClient } from "./scanner-client/scanner-client.js";
import { SpreadFeeds } from "./spread-feeds.js";
import { CacheWarmingMetrics } from "./warming/cache-warming-metrics.js";
import { PredictiveInvalidation } from "./warming/predictive-invalidation.js";
import { RefreshAhead } from "./warming/refresh-ahead.js";
import { savedScanService } from "./saved-scans/saved-scan-service.js";
import { SavedScanStore } from "./saved-scans/saved-scan-store.js";
import { openDatabase } from "./storage/open-database.js";
import { watchlistService } from "./watchlists/watchlist-service.js";
import { WatchlistStore } from "./watchlists/watchlist-store.js";

export interface AssembledCoordinator {
  readonly runtime: ServiceRuntime;
  /** The watchlists in the coordinator's database (what a universe scan reads through WatchlistLookup). */
  readonly watchlists: WatchlistStore;
  /** The saved scans in the coordinator's database (what the alert checker reads through SavedScanLookup). */
  readonly savedScans: SavedScanStore;
  /** Stops the service and releases every timer, channel and connection it holds (runtime.stop). */
  close(reason: string): Promise<void>;
}

/**
 * Opens and migrates the database first, before anything else is made: a database that cannot
 * be opened rejects with DatabaseOpenError (a message for a person) and leaves nothing running.
 */
export async function assembleCoordinator(config: CoordinatorConfig, base: ServiceBase, provider: MarketDataProvider): Promise<AssembledCoordinator> {
  const { logger } = base;
  const database = await openDatabase(config.database, logger);
  // A shared PostgreSQL is a dependency like Redis and NATS: /readyz says when it is away.
  const databaseHealth = database.kind === "postgresql" ? base.dependencies.register("postgresql") : undefined;
  const watchlists = new WatchlistStore(database.db, { health: databaseHealth });
  const savedScans = new SavedScanStore(database.db, { health: databaseHealth });
  // Every chain the coordinator fetches or streams carries the symbol's IV history, kept in the database.
  const market = marketWithIvHistory(provider, { db: database.db, health: databaseHealth, logger });
  const fetchPacer = new Pacer(config.pacing);
  // The coordinator's one circuit breaker: it guards the scanner, and GetMetrics reports it.
  const scannerBreaker = createScannerCircuitBreaker(config.scanner.circuitBreaker);
  const scanner = new ScannerClient({
    address: config.scanner.address,
    attemptTimeoutMs: config.scanner.timeoutMs,
    maxRetries: config.scanner.maxRetries,
    breaker: scannerBreaker,
    channels: config.scanner.channels,
    apiKey: config.scanner.apiKey,
    tls: config.scanner.tls,
    logger,
  });
  const cache = new ScanCache(config.scanCacheTtlMs, config.staleResultMaxAgeMs);
  // The metrics read the jobs and feeds made below, only when scraped.
  const metrics: CoordinatorMetrics = new CoordinatorMetrics(base.registry, {
    runningJobs: () => jobs.runningCount,
    queuedJobs: () => jobs.queuedCount,
    activeFeeds: () => feeds.size,
    pacing: () => fetchPacer.metrics(),
    scannerCircuitOpen: () => scannerBreaker.state !== CircuitState.Closed,
  });
  // With REDIS_URL, a second tier shared by the fleet and one computation per scan across it.
  const shared = config.redisUrl
    ? createSharedScanCache({
        url: config.redisUrl,
        ...config.sharedCache,
        ttlMs: config.scanCacheTtlMs,
        localCache: cache,
        registry: base.registry,
        dependencies: base.dependencies,
      })
    : undefined;
  // Every chain the coordinator fetches or follows carries its symbol's event calendar.
  const marketWithEvents = chainsWithEvents(market, chooseEventProvider(config.events, market.name));
  const { refreshAheadFraction, predictiveInvalidation } = config.warming;
  const work = new ScanJobWork({
    market: marketWithEvents,
    pacer: fetchPacer,
    scanner,
    cache,
    metrics,
    fleet: shared?.flight,
    // Only a result whose symbol's feed runs here will be judged against updates: only it needs a digest.
    reachOf: predictiveInvalidation ? (symbol, query, chain) => (feeds.runs(symbol) ? PredictiveInvalidation.digestOf(chain, query) : undefined) : undefined,
  });
  const jobs: JobManager = new JobManager({
    work: work.run,
    maxRunning: config.maxConcurrentScans,
    maxQueued: config.jobQueueSize,
    timeLimitMs: config.requestTimeoutMs,
    retentionMs: config.jobRetentionMs,
    maxRetained: 10_000,
    retryAfterMs: 1000,
    logger,
  });
  const warmingMetrics = new CacheWarmingMetrics(base.registry, config.scanCacheTtlMs > 0 ? refreshAheadFraction : 0);
  const refreshAhead = new RefreshAhead({
    ttlMs: config.scanCacheTtlMs,
    fraction: refreshAheadFraction,
    jobs,
    claims: shared?.refreshClaims,
    metrics: warmingMetrics,
  });
  const scans = new CoordinatorScans({ jobs, scanner, cache, metrics, shared: shared?.flight, warming: { refreshAhead, metrics: warmingMetrics } });
  const invalidation = predictiveInvalidation
    ? new PredictiveInvalidation({ cache, metrics: warmingMetrics, forgetShared: shared ? (key, jobId) => shared.forget(key, jobId) : undefined, refreshAhead })
    : undefined;
  // With NATS_URL, one coordinator of the fleet runs each symbol's feed; without, this one runs its own.
  const ownership = clusterFeedOwnership(config, base);
  const feeds: SpreadFeeds = new SpreadFeeds({
    market: marketWithEvents,
    scanner,
    logger,
    onChain: invalidation ? (chain) => invalidation.chainUpdated(chain) : undefined,
    ...(ownership ? { ownership } : {}),
  });

  base.grpc.addService(
    CoordinatorServiceService,
    coordinatorService(
      { scans, jobs, feeds, metrics, batchConcurrency: config.maxConcurrentScans, watchlists },
      { logger, requestTimeoutMs: config.requestTimeoutMs },
    ),
    { adminMethods: ["CancelJob"] },
  );
  // Its writes change only the caller's own watchlists: the "scan" scope is enough.
  base.grpc.addService(WatchlistServiceService, watchlistService(watchlists, { logger, requestTimeoutMs: config.requestTimeoutMs }));
  // Like WatchlistService, it changes only the caller's own saved scans. RunSavedScan runs on what ScanUniverse runs on.
  const handlerOptions = { logger, requestTimeoutMs: config.requestTimeoutMs };
  const universe = { scans, watchlists, concurrency: config.maxConcurrentScans };
  // Alert checks run each saved scan as RunSavedScan does; WatchAlerts and webhooks read what they write.
  const alerts = coordinatorAlerts({
    db: database.db,
    health: databaseHealth,
    savedScans,
    run: savedScanRun(universe, logger),
    handlerOptions,
    registry: base.registry,
  });
  base.grpc.addService(
    SavedScanServiceService,
    savedScanService(
      {
        store: savedScans,
        universe,
        watchAlerts: alerts.watchAlerts,
      },
      handlerOptions,
    ),
  );

  const runtime = new ServiceRuntime({
    ...base,
    listen: config,
    shutdownGraceMs: config.shutdownGraceMs,
    isReady: () => market.isAvailable(),
    metricsJson: () => metrics.json(),
    // Running jobs finish within the grace period; new ones are refused with UNAVAILABLE.
    beforeShutdown: async () => {
      feeds.stopWatches();
      jobs.stopAccepting();
      // No check or delivery starts after this; one cut short is run again (its lease ends).
      await alerts.close();
    },
    release: async () => {
      jobs.close();
      feeds.close();
      await ownership?.close();
      scanner.close();
      cache.close();
      shared?.close();
      fetchPacer.close();
      await market.close();
      await database.close();
    },
  });

  alerts.start();
  return { runtime, watchlists, savedScans, close: (reason) => runtime.stop(reason) };
}
