// Scan results the coordinator answers again without scanning: keyed by symbol and normalized
// query, for SCAN_CACHE_TTL. Results are large and never changed once made, so they are
// stored as they are, not cloned on every read. The last result of each scan is also kept,
// longer (STALE_RESULT_MAX_AGE), for when the scanner or the market is unavailable: a
// stale answer, marked as such, beats none.
import { LRUCache } from "lru-cache";
import NodeCache from "node-cache";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { symbolOfScanKey } from "./scan-request.js";

export interface CachedScan {
  readonly result: ScanResult;
  /** The job that made it. */
  readonly jobId: string;
  readonly storedAt: number;
  /** The query it answers (kept with a reach digest, to judge a chain update against). */
  readonly query?: ScanQuery | undefined;
  /** The reach digest of the chain it was computed on (warming/chain-reach.ts); absent: unknown. */
  readonly reach?: string | undefined;
}

const MAX_ENTRIES = 100_000;

export class ScanCache {
  private readonly entries: NodeCache | undefined;
  private readonly lastKnown: LRUCache<string, CachedScan> | undefined;

  /** `ttlMs` 0 turns the cache off; `staleMaxAgeMs` 0 never answers stale. */
  constructor(ttlMs: number, staleMaxAgeMs = 0) {
    this.entries =
      ttlMs > 0
        ? new NodeCache({ stdTTL: ttlMs / 1000, checkperiod: Math.max(1, Math.ceil(ttlMs / 2000)), useClones: false, maxKeys: MAX_ENTRIES })
        : undefined;
    this.lastKnown =
      staleMaxAgeMs > 0 ? new LRUCache({ max: MAX_ENTRIES, ttl: staleMaxAgeMs, ttlAutopurge: true, perf: { now: () => Date.now() } }) : undefined;
  }

  get(key: string): CachedScan | undefined {
    return this.entries?.get<CachedScan>(key);
  }

  /** Like get, without counting as a use (predictive invalidation looks at every entry of a symbol). */
  peek(key: string): CachedScan | undefined {
    return this.entries?.get<CachedScan>(key);
  }

  /** The keys of the symbol's fresh results. */
  keysOf(symbol: string): string[] {
    return this.entries?.keys().filter((key) => symbolOfScanKey(key) === symbol) ?? [];
  }

  /** Drops the fresh result (a chain update changed what it would be); the last known one stays for stale answers. */
  drop(key: string): void {
    this.entries?.del(key);
  }

  /** The last result of the scan within the stale age, fresh or not. */
  lastResult(key: string): CachedScan | undefined {
    return this.lastKnown?.get(key);
  }

  /** Keeps `entry` for SCAN_CACHE_TTL, or for `ttlMs` (a result from the shared tier: as long as Redis keeps it). */
  set(key: string, entry: CachedScan, ttlMs?: number): void {
    this.lastKnown?.set(key, entry);
    try {
      if (ttlMs === undefined) this.entries?.set(key, entry);
      else this.entries?.set(key, entry, ttlMs / 1000);
    } catch {
      // Full (maxKeys): the scan is answered all the same, only not kept.
    }
  }

  get size(): number {
    return this.entries?.keys().length ?? 0;
  }

  close(): void {
    this.entries?.close();
  }
}
