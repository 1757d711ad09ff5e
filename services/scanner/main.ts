import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { ChainStore } from "./chain-store.js";
import { scannerConfig, scannerVariables } from "./config.js";
import { ScanPool } from "./scan-pool.js";
import { ScannerMetrics } from "./scanner-metrics.js";
import { scannerService, scannerServiceDefinition } from "./scanner-service.js";
import { SpreadScanner } from "./spread-scanner.js";

const config = loadConfigOrExit("scanner", scannerVariables, scannerConfig);
const base = createServiceBase("scanner", config);

const store = new ChainStore(config.cacheTtlMs);
const metrics = new ScannerMetrics(base.registry, () => store.size);
const pool = new ScanPool({ maxConcurrentScans: config.maxConcurrentScans, maxQueuedScans: config.scanQueueSize, retryAfterMs: 1000 });
const scanner = new SpreadScanner({
  store,
  pool,
  metrics,
  resultCacheEntries: config.resultCacheEntries,
  defaultWatchIntervalMs: config.watchMinIntervalMs,
});
base.grpc.addService(scannerServiceDefinition, scannerService(scanner, metrics, { logger: base.logger, requestTimeoutMs: config.requestTimeoutMs }), {
  adminMethods: ["UpdateChain"],
});

const runtime = new ServiceRuntime({
  ...base,
  listen: config,
  shutdownGraceMs: config.shutdownGraceMs,
  metricsJson: () => {
    const snapshot = metrics.snapshot();
    return {
      total_requests: Number(snapshot.totalRequests),
      cache_hits: Number(snapshot.cacheHits),
      average_filter_time: snapshot.averageFilterTime,
      active_scans: snapshot.activeScans,
      error_rate: snapshot.errorRate,
    };
  },
  beforeShutdown: () => {
    scanner.stopWatches();
    store.close();
  },
});
runtime.stopOnSignals();
await runtime.start();
