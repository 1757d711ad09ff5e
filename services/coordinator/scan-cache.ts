// Scan results the coordinator answers again without scanning: keyed by symbol and normalized
// query, for SCAN_CACHE_TTL. Results are large and never changed once made, so they are
// stored as they are, not cloned on every read.
import NodeCache from "node-cache";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

export interface CachedScan {
  readonly result: ScanResult;
  /** The job that made it. */
  readonly jobId: string;
  readonly storedAt: number;
}

export class ScanCache {
  private readonly entries: NodeCache | undefined;

  /** `ttlMs` 0 turns the cache off. */
  constructor(ttlMs: number) {
    this.entries =
      ttlMs > 0 ? new NodeCache({ stdTTL: ttlMs / 1000, checkperiod: Math.max(1, Math.ceil(ttlMs / 2000)), useClones: false, maxKeys: 100_000 }) : undefined;
  }

  get(key: string): CachedScan | undefined {
    return this.entries?.get<CachedScan>(key);
  }

  set(key: string, entry: CachedScan): void {
    try {
      this.entries?.set(key, entry);
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
