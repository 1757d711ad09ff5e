// The scanner's parts wired together on a service base, from its configuration: what
// main.ts runs as a process, and what tests and benchmarks run in theirs
// (test/support/in-process-scanner.ts), so that the two cannot drift apart.
import type { ServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { ChainBus } from "./chain-bus/chain-bus.js";
import { ChainBusMetrics } from "./chain-bus/chain-bus-metrics.js";
import { ChainStore } from "./chain-store.js";
import type { ScannerConfig } from "./config.js";
import { ReplicatedChains } from "./replicated-chains.js";
import { ScanPool } from "./scan-pool.js";
import { ScannerMetrics } from "./scanner-metrics.js";
import { scannerService, scannerServiceDefinition } from "./scanner-service.js";
import { SpreadScanner, type WatchClock } from "./spread-scanner.js";
import { warmUpPool } from "./warm-up.js";

/** What a scan refused for want of a slot tells its caller to wait before retrying, milliseconds. */
export const SCAN_RETRY_AFTER_MS = 1000;

export interface ScannerAssemblyOptions {
  /** What watches pace their messages by; the wall clock unless given (tests move their own). */
  readonly clock?: WatchClock;
  /** SCAN_RETRY_AFTER_MS unless given. */
  readonly retryAfterMs?: number;
}

export interface AssembledScanner {
  readonly runtime: ServiceRuntime;
  readonly store: ChainStore;
  readonly metrics: ScannerMetrics;
  readonly pool: ScanPool;
  readonly scanner: SpreadScanner;
  /** The chain bus between replicas, when NATS_URL is set. */
  readonly bus?: ChainBus;
  /** Stops the service and releases its timers and worker threads (runtime.stop). */
  close(reason: string): Promise<void>;
  /** Runs a scan on every pool thread (warm-up.ts): what main.ts awaits before it listens. */
  readonly warmUp: () => Promise<void>;
}

export function assembleScanner(config: ScannerConfig, base: ServiceBase, options: ScannerAssemblyOptions = {}): AssembledScanner {
  const store = new ChainStore(config.cacheTtlMs);
  const metrics = new ScannerMetrics(base.registry, () => store.size);
  const pool = new ScanPool({
    maxConcurrentScans: config.maxConcurrentScans,
    maxQueuedScans: config.scanQueueSize,
    workBudget: config.scanWorkBudget,
    retryAfterMs: options.retryAfterMs ?? SCAN_RETRY_AFTER_MS,
  });
  const scanner = new SpreadScanner({
    store,
    pool,
    metrics,
    resultCacheEntries: config.resultCacheEntries,
    defaultWatchIntervalMs: config.watchMinIntervalMs,
    clock: options.clock,
  });
  // With NATS_URL, every change is published to the other replicas and theirs applied here.
  const bus = config.natsUrl
    ? new ChainBus({
        url: config.natsUrl,
        store,
        dependency: base.dependencies.register("nats"),
        metrics: new ChainBusMetrics(base.registry),
        logger: base.logger,
      })
    : undefined;
  if (bus) {
    scanner.replicateThrough(bus);
    bus.start(new ReplicatedChains({ store, pool, updating: scanner.updating, replication: bus }));
  }
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
    // Watches end with UNAVAILABLE at once; unary scans in flight finish within the grace period.
    beforeShutdown: () => scanner.stopWatches(),
    release: async () => {
      await bus?.close();
      store.close();
      await pool.close();
    },
  });

  const warmUp = async (): Promise<void> => {
    const { ms, quotes, threads } = await warmUpPool(pool);
    base.logger.info({ threads, quotes, ms: Math.round(ms) }, "scan threads warmed up");
  };
  return { runtime, store, metrics, pool, scanner, ...(bus ? { bus } : {}), close: (reason) => runtime.stop(reason), warmUp };
}
