// Scans, and the preparation of stored chains, on a pool of worker threads (piscina), so that
// health checks, streams and small calls stay responsive while large scans run. At most MAX_CONCURRENT_SCANS run at once; a
// bounded queue waits behind them; past it callers get RESOURCE_EXHAUSTED with a retry delay.
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { invalidArgument, resourceExhausted } from "../common/errors.js";
import type { SharedPreparedChain } from "./engine/shared-prepared-chain.js";
import type { WorkerOutcome, WorkerTask } from "./scan-worker.js";

export interface ScanPoolOptions {
  /** Scans running at once (MAX_CONCURRENT_SCANS). */
  readonly maxConcurrentScans: number;
  /** Scans waiting for a slot before new ones are refused. */
  readonly maxQueuedScans: number;
  /** Delay advised to refused callers, milliseconds. */
  readonly retryAfterMs: number;
}

// From TypeScript sources (tests, `node --import tsx`), the worker needs the same loader.
const fromSource = import.meta.url.endsWith(".ts");
const WORKER = new URL(fromSource ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

export class ScanPool {
  private readonly pool: Piscina<WorkerTask, WorkerOutcome>;
  private admitted = 0;

  constructor(private readonly options: ScanPoolOptions) {
    const threads = Math.max(1, Math.min(options.maxConcurrentScans, availableParallelism()));
    this.pool = new Piscina({
      filename: WORKER.href,
      minThreads: 1,
      maxThreads: threads,
      // Queued tasks wait in our admission count, not in piscina's unbounded queue.
      maxQueue: options.maxConcurrentScans + options.maxQueuedScans,
      ...(fromSource ? { execArgv: ["--import", "tsx"] } : {}),
    });
  }

  /** Scans now running or waiting. */
  get active(): number {
    return this.admitted;
  }

  /**
   * Prepares a chain given in its wire form into shared memory, once for every scan of
   * that version on any thread. Rejects with INVALID_ARGUMENT when the engine refuses it.
   */
  async prepare(chain: Uint8Array, key: string): Promise<SharedPreparedChain> {
    const outcome = await this.pool.run({ kind: "prepare", chain, key });
    if ("violations" in outcome) throw invalidArgument(outcome.violations);
    if (!("prepared" in outcome)) throw new Error("the scan worker answered a preparation with no chain");
    return outcome.prepared;
  }

  /**
   * Scans a prepared chain version (shared, so nothing is copied) or an inline chain in its
   * wire form; `signal`, when given, stops it (a running scan's worker is replaced).
   * Rejects with RESOURCE_EXHAUSTED when the pool and its queue are full, and with
   * INVALID_ARGUMENT when the engine refuses.
   */
  async scan(chain: SharedPreparedChain | Uint8Array, query: ScanQuery | undefined, chainVersion: bigint, signal?: AbortSignal): Promise<ScanResult> {
    const { maxConcurrentScans, maxQueuedScans, retryAfterMs } = this.options;
    if (this.admitted >= maxConcurrentScans + maxQueuedScans) {
      throw resourceExhausted(`${this.admitted} scans are running or queued, the most this scanner takes; retry shortly`, retryAfterMs);
    }
    this.admitted++;
    try {
      const encodedQuery = ScanQuery.encode(query ?? ScanQuery.fromPartial({})).finish();
      const outcome = await this.pool.run({ kind: "scan", chain, chainVersion: String(chainVersion), query: encodedQuery }, signal ? { signal } : {});
      if ("violations" in outcome) throw invalidArgument(outcome.violations);
      if (!("result" in outcome)) throw new Error("the scan worker answered a scan with no result");
      return ScanResult.decode(outcome.result);
    } finally {
      this.admitted--;
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
