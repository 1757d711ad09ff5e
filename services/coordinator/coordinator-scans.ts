// How the coordinator answers a scan: from the cache when it can, otherwise as a job whose
// work (scan-job-work.ts) fetches the chain and has the scanner rank it. Scan, SubmitScan,
// ScanBatch and ScanUniverse all come through here.
import { status } from "@grpc/grpc-js";
import { JobState } from "../../gen/ts/spreadscan/coordinator/v1/job.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { RpcError } from "../common/errors.js";
import { unlessAborted } from "../common/unless-aborted.js";
import type { CoordinatorMetrics } from "./coordinator-metrics.js";
import type { JobManager } from "./jobs/job-manager.js";
import type { ScanJob } from "./jobs/scan-job.js";
import type { CachedScan, ScanCache } from "./scan-cache.js";
import type { FleetSingleFlight } from "./shared-cache/fleet-single-flight.js";
import type { ChainScanner } from "./scan-job-work.js";
import { staleFallback } from "./scanner-client/stale-fallback.js";
import { cacheLookupSpan, singleFlightWait } from "./scan-spans.js";
import type { CacheWarmingMetrics } from "./warming/cache-warming-metrics.js";
import type { RefreshAhead } from "./warming/refresh-ahead.js";

export interface ScanAnswer {
  readonly result: ScanResult;
  readonly cacheHit: boolean;
  readonly jobId: string;
  /** True when this is an older result given because a fresh one could not be had. */
  readonly stale: boolean;
  /** How old a cached result is (a cache hit, stale or not); absent for a result computed for this call. */
  readonly ageMs?: number;
}

export interface CoordinatorScansOptions {
  /** Runs what the cache cannot answer, as ScanJobWork (scan-job-work.ts). */
  readonly jobs: JobManager;
  readonly scanner: Pick<ChainScanner, "refuseWhileCircuitOpen">;
  readonly cache: ScanCache;
  readonly metrics: CoordinatorMetrics;
  /** The shared tier (REDIS_URL), looked in after the local one; absent: the local tier only. */
  readonly shared?: Pick<FleetSingleFlight, "lookup" | "localHit"> | undefined;
  /** How old a stored result is now, epoch milliseconds (tests move it); Date.now unless given. */
  readonly now?: () => number;
  /** Cache warming: lookups counted, and hits near their expiry refreshed ahead; absent: neither. */
  readonly warming?: { readonly refreshAhead: Pick<RefreshAhead, "onHit">; readonly metrics: CacheWarmingMetrics } | undefined;
}

export class CoordinatorScans {
  constructor(private readonly options: CoordinatorScansOptions) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private get jobs(): JobManager {
    return this.options.jobs;
  }

  /**
   * One scan, answered when it is done: from the cache unless `bypassCache`, otherwise by a
   * job, shared with identical scans in flight. Stops waiting (the job carries on for the
   * others, and for the cache) when `signal` aborts. The job answering it, computed or cached,
   * becomes `askedBy`'s to read (job-visibility.ts).
   */
  async scan(
    symbol: string,
    query: ScanQuery | undefined,
    key: string,
    { bypassCache, signal, askedBy }: { bypassCache: boolean; signal: AbortSignal; askedBy: string },
  ): Promise<ScanAnswer> {
    const { metrics } = this.options;
    try {
      const cached = bypassCache ? undefined : await this.lookUp(symbol, query, key);
      if (cached) {
        metrics.scanAnswered({ cacheHit: true });
        this.jobs.noteAskedFor(cached.jobId, askedBy);
        return { result: cached.result, cacheHit: true, jobId: cached.jobId, stale: false, ageMs: this.ageOf(cached) };
      }
      // Refused before it queues: behind running jobs it would wait only to be refused.
      this.options.scanner.refuseWhileCircuitOpen();
      const { job, joined } = this.jobs.submit(symbol, query, key, askedBy);
      // A caller who joined an identical scan in flight waits for another's work: its span says so.
      const finished = await (joined ? singleFlightWait("local", () => unlessAborted(job.finished, signal)) : unlessAborted(job.finished, signal));
      const result = outcomeOf(finished);
      metrics.scanAnswered({ cacheHit: false });
      return { result, cacheHit: false, jobId: finished.id, stale: false };
    } catch (error) {
      // A caller who bypassed the cache asked for a fresh result or none.
      const stale = signal.aborted || bypassCache ? undefined : this.staleAnswer(key, error);
      if (stale) {
        metrics.scanAnswered({ cacheHit: true });
        this.jobs.noteAskedFor(stale.jobId, askedBy);
        return stale;
      }
      metrics.scanFailed();
      throw error;
    }
  }

  /** The cached result, counted as a lookup, and refreshed ahead when it is near its expiry. */
  private async lookUp(symbol: string, query: ScanQuery | undefined, key: string): Promise<CachedScan | undefined> {
    const cached = await this.cached(key);
    const { warming } = this.options;
    if (warming) {
      warming.metrics.lookedUp(cached !== undefined);
      if (cached) warming.refreshAhead.onHit(symbol, query, key, cached);
    }
    return cached;
  }

  /** The local tier's result, else the shared tier's (which then fills the local one); a caller who bypasses the cache reads neither. */
  private cached(key: string): CachedScan | undefined | Promise<CachedScan | undefined> {
    const local = this.localLookup(key);
    const { shared } = this.options;
    if (!shared) return local;
    if (local) {
      shared.localHit();
      return local;
    }
    const lookup = cacheLookupSpan("shared");
    if (!lookup) return shared.lookup(key);
    return shared.lookup(key).then(
      (found) => lookup.end(found),
      (error: unknown) => lookup.fail(error),
    );
  }

  private localLookup(key: string): CachedScan | undefined {
    const lookup = cacheLookupSpan("local");
    const found = this.options.cache.get(key);
    return lookup ? lookup.end(found) : found;
  }

  /** The last result of the same scan, marked stale, when its source is unavailable (see stale-fallback.ts). */
  private staleAnswer(key: string, error: unknown): ScanAnswer | undefined {
    const last = staleFallback(this.options.cache, key, error);
    if (!last) return undefined;
    return { result: last.result, cacheHit: true, jobId: last.jobId, stale: true, ageMs: this.ageOf(last) };
  }

  private ageOf(entry: CachedScan): number {
    return Math.max(0, this.now() - entry.storedAt);
  }

  /** A job for the scan, `askedBy`'s to read, returned at once: born finished when the cache has the answer. */
  async submit(
    symbol: string,
    query: ScanQuery | undefined,
    key: string,
    { bypassCache, askedBy }: { bypassCache: boolean; askedBy: string },
  ): Promise<ScanJob> {
    const { metrics } = this.options;
    const cached = bypassCache ? undefined : await this.lookUp(symbol, query, key);
    if (cached) {
      metrics.scanAnswered({ cacheHit: true });
      return this.jobs.recordCached(symbol, query, key, cached.result, askedBy);
    }
    let job: ScanJob;
    try {
      job = this.jobs.submit(symbol, query, key, askedBy).job;
    } catch (error) {
      metrics.scanFailed();
      throw error;
    }
    void job.finished.then((finished) => {
      if (finished.state === JobState.JOB_STATE_SUCCEEDED) metrics.scanAnswered({ cacheHit: false });
      else metrics.scanFailed();
    });
    return job;
  }
}

/** A finished job's result, or the error its callers get. */
export function outcomeOf(job: ScanJob): ScanResult {
  if (job.state === JobState.JOB_STATE_SUCCEEDED && job.result) return job.result;
  throw job.error ?? new RpcError(status.INTERNAL, `job ${job.id} finished without a result`);
}
