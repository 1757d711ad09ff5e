// The scanner service on a loopback port of this process, for tests and benchmarks:
// assembled by services/scanner/scanner-assembly.ts, as services/scanner/main.ts assembles
// it, from the same environment variables (with settings suited to tests unless given).
import type { Registry } from "prom-client";
import { loadConfig } from "../../services/common/config.js";
import { createServiceBase } from "../../services/common/service-base.js";
import type { ChainBus } from "../../services/scanner/chain-bus/chain-bus.js";
import type { ChainStore } from "../../services/scanner/chain-store.js";
import { scannerConfig, scannerVariables } from "../../services/scanner/config.js";
import type { ScanPool } from "../../services/scanner/scan-pool.js";
import { assembleScanner } from "../../services/scanner/scanner-assembly.js";
import type { ScannerMetrics } from "../../services/scanner/scanner-metrics.js";
import type { SpreadScanner, WatchClock } from "../../services/scanner/spread-scanner.js";

export interface InProcessScannerOptions {
  /** MAX_CONCURRENT_SCANS; 2 unless given. */
  readonly maxConcurrentScans?: number;
  /** SCAN_QUEUE_SIZE; 8 unless given. */
  readonly maxQueuedScans?: number;
  /** RESULT_CACHE_ENTRIES; 100 unless given. */
  readonly resultCacheEntries?: number;
  /** WATCH_MIN_INTERVAL, milliseconds; 10 unless given. */
  readonly defaultWatchIntervalMs?: number;
  readonly retryAfterMs?: number;
  /** CACHE_TTL: how long a chain is kept without an update, milliseconds; an hour unless given. */
  readonly cacheTtlMs?: number;
  /** What watches pace their messages by; the wall clock unless given. */
  readonly clock?: WatchClock;
  /** NATS_URL: the chain bus between replicas; none unless given. */
  readonly natsUrl?: string;
}

export interface InProcessScanner {
  readonly port: number;
  readonly registry: Registry;
  readonly store: ChainStore;
  readonly metrics: ScannerMetrics;
  readonly pool: ScanPool;
  readonly scanner: SpreadScanner;
  /** The chain bus, when `natsUrl` was given. */
  readonly bus?: ChainBus | undefined;
  close(): Promise<void>;
}

export async function startInProcessScanner(options: InProcessScannerOptions = {}): Promise<InProcessScanner> {
  const config = scannerConfig(
    loadConfig(scannerVariables, {
      SCANNER_HOST: "127.0.0.1",
      SCANNER_PORT: "0",
      SCANNER_ADMIN_PORT: "0",
      LOG_LEVEL: "silent",
      MAX_CONCURRENT_SCANS: String(options.maxConcurrentScans ?? 2),
      SCAN_QUEUE_SIZE: String(options.maxQueuedScans ?? 8),
      RESULT_CACHE_ENTRIES: String(options.resultCacheEntries ?? 100),
      WATCH_MIN_INTERVAL: `${options.defaultWatchIntervalMs ?? 10}ms`,
      CACHE_TTL: `${options.cacheTtlMs ?? 3_600_000}ms`,
      // Tests send whole chains of every expiration, and some scans run for seconds.
      MAX_REQUEST_SIZE: String(16 * 1024 * 1024),
      REQUEST_TIMEOUT: "60",
      SHUTDOWN_GRACE_PERIOD: "1",
      ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
    }),
  );
  const base = createServiceBase("scanner", config);
  const assembled = assembleScanner(config, base, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
  });
  const { grpcPort } = await assembled.runtime.start();
  return {
    port: grpcPort,
    registry: base.registry,
    store: assembled.store,
    metrics: assembled.metrics,
    pool: assembled.pool,
    scanner: assembled.scanner,
    bus: assembled.bus,
    close: () => assembled.close("test finished"),
  };
}
