// The scanner service assembled as services/scanner/main.ts assembles it, on a loopback
// port of this process: for tests and benchmarks.
import { pino } from "pino";
import { Registry } from "prom-client";
import { GrpcServer } from "../../services/common/grpc-server.js";
import { ChainStore } from "../../services/scanner/chain-store.js";
import { ScanPool } from "../../services/scanner/scan-pool.js";
import { ScannerMetrics } from "../../services/scanner/scanner-metrics.js";
import { scannerService, scannerServiceDefinition } from "../../services/scanner/scanner-service.js";
import { SpreadScanner, type WatchClock } from "../../services/scanner/spread-scanner.js";

export interface InProcessScannerOptions {
  readonly maxConcurrentScans?: number;
  readonly maxQueuedScans?: number;
  readonly resultCacheEntries?: number;
  readonly defaultWatchIntervalMs?: number;
  readonly retryAfterMs?: number;
  /** CACHE_TTL: how long a chain is kept without an update, milliseconds. */
  readonly cacheTtlMs?: number;
  /** What watches pace their messages by; the wall clock unless given. */
  readonly clock?: WatchClock;
}

export interface InProcessScanner {
  readonly port: number;
  readonly registry: Registry;
  readonly store: ChainStore;
  readonly metrics: ScannerMetrics;
  readonly pool: ScanPool;
  readonly scanner: SpreadScanner;
  close(): Promise<void>;
}

export async function startInProcessScanner(options: InProcessScannerOptions = {}): Promise<InProcessScanner> {
  const logger = pino({ level: "silent" });
  const registry = new Registry();
  const store = new ChainStore(options.cacheTtlMs ?? 3_600_000);
  const metrics = new ScannerMetrics(registry, () => store.size);
  const pool = new ScanPool({
    maxConcurrentScans: options.maxConcurrentScans ?? 2,
    maxQueuedScans: options.maxQueuedScans ?? 8,
    retryAfterMs: options.retryAfterMs ?? 500,
  });
  const scanner = new SpreadScanner({
    store,
    pool,
    metrics,
    resultCacheEntries: options.resultCacheEntries ?? 100,
    defaultWatchIntervalMs: options.defaultWatchIntervalMs ?? 10,
    clock: options.clock,
  });
  const server = new GrpcServer({ logger, registry, maxReceiveMessageBytes: 16 * 1024 * 1024, keepaliveTimeMs: 30_000, keepaliveTimeoutMs: 10_000 });
  server.addService(scannerServiceDefinition, scannerService(scanner, metrics, { logger, requestTimeoutMs: 60_000 }));
  const port = await server.listen("127.0.0.1", 0);
  server.setServing(true);
  return {
    port,
    registry,
    store,
    metrics,
    pool,
    scanner,
    async close() {
      scanner.stopWatches();
      await server.shutdown(1000);
      store.close();
      await pool.close();
    },
  };
}
