import { CircuitState } from "cockatiel";
import { CoordinatorServiceService } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { BackpressureHandler } from "./backpressure/index.js";
import { coordinatorConfig, coordinatorVariables } from "./config.js";
import { CoordinatorMetrics } from "./coordinator-metrics.js";
import { CoordinatorScans } from "./coordinator-scans.js";
import { coordinatorService } from "./coordinator-service.js";
import { JobManager } from "./jobs/job-manager.js";
import { IbkrMarket } from "./market/ibkr/ibkr-market.js";
import type { MarketDataProvider } from "./market/market-data-provider.js";
import { SimulatedMarket } from "./market/simulated-market.js";
import { ScanCache } from "./scan-cache.js";
import { createScannerCircuitBreaker } from "./scanner-breaker.js";
import { ScannerClient } from "./scanner-client.js";
import { SpreadFeeds } from "./spread-feeds.js";

const config = loadConfigOrExit("coordinator", coordinatorVariables, coordinatorConfig);
const base = createServiceBase("coordinator", config);
const { logger } = base;

const market: MarketDataProvider =
  config.marketData.source === "ibkr"
    ? new IbkrMarket({
        host: config.marketData.ibHost,
        port: config.marketData.ibPort,
        clientId: config.marketData.ibClientId,
        marketDataType: config.marketData.ibMarketDataType,
        maxLines: config.marketData.ibMaxLines,
        maxMessagesPerSecond: config.marketData.ibMaxMessagesPerSecond,
        snapshotTimeoutMs: config.marketData.ibSnapshotTimeoutMs,
        logger,
      })
    : new SimulatedMarket({ seed: config.marketData.simulatedSeed, tickIntervalMs: config.marketData.simulatedTickMs });
const backpressure = new BackpressureHandler({
  strategy: config.backpressure.strategy,
  requestsPerSecond: config.backpressure.requestsPerSecond,
  burstSize: config.backpressure.burstSize,
  circuitBreakerThreshold: config.backpressure.circuitBreakerThreshold,
  circuitBreakerTimeoutMs: config.backpressure.circuitBreakerTimeoutMs,
});
const scannerBreaker = createScannerCircuitBreaker({
  threshold: config.backpressure.circuitBreakerThreshold,
  halfOpenAfterMs: config.backpressure.circuitBreakerTimeoutMs,
});
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
  // The circuit users feel is the one to the scanner; the handler's own guards what it executes.
  backpressure: () => {
    const paced = backpressure.metrics();
    return { ...paced, circuitBreakerOpen: paced.circuitBreakerOpen || scannerBreaker.state !== CircuitState.Closed };
  },
});
const scans: CoordinatorScans = new CoordinatorScans({ market, pacer: backpressure, scanner, cache, metrics });
const jobs: JobManager = new JobManager({
  work: scans.runJob,
  maxRunning: config.maxConcurrentScans,
  maxQueued: config.jobQueueSize,
  timeLimitMs: config.requestTimeoutMs,
  retentionMs: config.jobRetentionMs,
  maxRetained: 10_000,
  retryAfterMs: 1000,
  logger,
});
scans.attach(jobs);
const feeds = new SpreadFeeds({ market, scanner, logger });

base.grpc.addService(
  CoordinatorServiceService,
  coordinatorService({ scans, jobs, feeds, metrics, batchConcurrency: config.maxConcurrentScans }, { logger, requestTimeoutMs: config.requestTimeoutMs }),
  { adminMethods: ["CancelJob"] },
);

const runtime = new ServiceRuntime({
  ...base,
  listen: config,
  shutdownGraceMs: config.shutdownGraceMs,
  isReady: () => market.isAvailable(),
  metricsJson: () => metrics.json(),
  // Running jobs finish within the grace period; new ones are refused with UNAVAILABLE.
  beforeShutdown: () => {
    feeds.stopWatches();
    jobs.stopAccepting();
  },
});
runtime.stopOnSignals();
await runtime.start();
logger.info({ marketData: market.name, scanner: config.scanner.address }, "coordinator ready");
