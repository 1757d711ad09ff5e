// The shared scan cache assembled from REDIS_URL: the connection (with its health and
// metrics), the results and the leases in Redis, and the fleet-wide single flight over them.
import type { Registry } from "prom-client";
import type { DependencyHealth } from "../../common/dependency-health.js";
import type { ScanCache } from "../scan-cache.js";
import { FleetSingleFlight } from "./fleet-single-flight.js";
import { RedisLink } from "./redis-link.js";
import { RefreshClaims } from "./refresh-claims.js";
import { ScanLeases } from "./scan-lease.js";
import { SharedCacheMetrics } from "./shared-cache-metrics.js";
import { SharedResultStore } from "./shared-result-store.js";

export interface SharedScanCacheOptions {
  readonly url: string;
  readonly commandTimeoutMs: number;
  readonly leaseTtlMs: number;
  readonly leaseWaitMs: number;
  /** SCAN_CACHE_TTL, milliseconds: the shared tier keeps results as long as the local one. */
  readonly ttlMs: number;
  readonly localCache: ScanCache;
  readonly registry: Registry;
  readonly dependencies: DependencyHealth;
}

export interface SharedScanCache {
  readonly flight: FleetSingleFlight;
  /** Who refreshes a result ahead of its expiry (warming/refresh-ahead.ts). */
  readonly refreshClaims: RefreshClaims;
  /** Removes a result from Redis if `jobId` still made it (predictive invalidation). */
  forget(scanKey: string, jobId: string): Promise<boolean>;
  close(): void;
}

export function createSharedScanCache(options: SharedScanCacheOptions): SharedScanCache {
  const metrics = new SharedCacheMetrics(options.registry);
  const link = new RedisLink({
    url: options.url,
    commandTimeoutMs: options.commandTimeoutMs,
    health: options.dependencies.register("redis"),
    metrics,
  });
  const store = new SharedResultStore(link, options.ttlMs, options.leaseTtlMs);
  const flight = new FleetSingleFlight({
    store,
    leases: new ScanLeases(link, options.leaseTtlMs),
    localCache: options.localCache,
    metrics,
    waitMs: options.leaseWaitMs,
  });
  return { flight, refreshClaims: new RefreshClaims(link), forget: (scanKey, jobId) => store.forget(scanKey, jobId), close: () => link.close() };
}
