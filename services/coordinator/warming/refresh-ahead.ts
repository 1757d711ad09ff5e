// Refresh-ahead: a cached result asked for in the last part of its TTL (SCAN_REFRESH_AHEAD of
// it) is recomputed in the background, so that callers who keep asking find a fresh result
// rather than a cold miss when the old one expires. A result nobody asks for then is left to
// expire. Across the fleet one coordinator refreshes each result: the first to claim it in
// Redis (refresh-claims.ts); without Redis, or while it is down, each coordinator refreshes its
// own. Within a coordinator the refresh is a scan job like any other, so a caller who misses
// meanwhile joins it, and the job's result replaces the old one in both tiers. It is
// background work: it starts only in a scan slot nobody else needs (none queued, one free), so
// that it never delays or crowds out a caller's scan; otherwise a later hit tries again.
import { JobState } from "../../../gen/ts/spreadscan/coordinator/v1/job.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { inDetachedSpan } from "../../common/tracing/tracer.js";
import type { JobManager } from "../jobs/job-manager.js";
import type { CachedScan } from "../scan-cache.js";
import type { RefreshClaims } from "../shared-cache/refresh-claims.js";
import type { CacheWarmingMetrics } from "./cache-warming-metrics.js";

export interface RefreshAheadOptions {
  /** SCAN_CACHE_TTL, milliseconds. */
  readonly ttlMs: number;
  /** SCAN_REFRESH_AHEAD: the last part of the TTL in which a hit starts a refresh; 0 turns it off. */
  readonly fraction: number;
  readonly jobs: Pick<JobManager, "submit" | "hasIdleSlot">;
  /** The fleet's claims (REDIS_URL); absent: this coordinator refreshes what it is asked for. */
  readonly claims?: Pick<RefreshClaims, "claim"> | undefined;
  readonly metrics: CacheWarmingMetrics;
  /** Epoch milliseconds; Date.now unless given. */
  readonly now?: () => number;
}

export class RefreshAhead {
  /** Results (by job) whose refresh this coordinator started or saw claimed elsewhere: one attempt each. */
  private readonly attempted = new Set<string>();
  /** Results asked for since they were stored: a chain update that drops one has it recomputed at once. */
  private readonly askedFor = new WeakSet<CachedScan>();

  constructor(private readonly options: RefreshAheadOptions) {}

  get enabled(): boolean {
    return this.options.fraction > 0 && this.options.ttlMs > 0;
  }

  /** A caller got `entry` from the cache: refreshes it when it is in the last part of its TTL. */
  onHit(symbol: string, query: ScanQuery | undefined, key: string, entry: CachedScan): void {
    if (!this.enabled) return;
    this.askedFor.add(entry);
    const now = this.options.now ? this.options.now() : Date.now();
    const remainingMs = this.options.ttlMs - (now - entry.storedAt);
    if (remainingMs > this.options.fraction * this.options.ttlMs || remainingMs <= 0) return;
    this.start(symbol, query, key, entry, remainingMs);
  }

  /** Whether `entry` was asked for since it was stored (and refresh-ahead is on). */
  wasAskedFor(entry: CachedScan): boolean {
    return this.enabled && this.askedFor.has(entry);
  }

  /** Recomputes `entry`'s scan now (a chain update dropped it while callers were asking for it). */
  refreshNow(symbol: string, query: ScanQuery | undefined, key: string, entry: CachedScan): void {
    if (!this.enabled) return;
    const now = this.options.now ? this.options.now() : Date.now();
    this.start(symbol, query, key, entry, Math.max(1, this.options.ttlMs - (now - entry.storedAt)));
  }

  private start(symbol: string, query: ScanQuery | undefined, key: string, entry: CachedScan, claimMs: number): void {
    const generation = `${key}\u0000${entry.jobId}`;
    if (this.attempted.has(generation)) return;
    if (!this.options.jobs.hasIdleSlot) {
      // Not marked attempted: the next hit in the last part of the TTL tries again.
      this.options.metrics.refreshed("busy");
      return;
    }
    this.attempted.add(generation);
    // Forgotten once the result would have expired: the set holds only live generations.
    setTimeout(() => this.attempted.delete(generation), claimMs).unref();
    // Its own trace, linked to the call whose hit set it off: that call has answered already.
    void inDetachedSpan(
      "cache.refresh",
      () => this.refresh(symbol, query, key, entry, claimMs),
      () => ({ "market.symbol": symbol }),
    );
  }

  private async refresh(symbol: string, query: ScanQuery | undefined, key: string, entry: CachedScan, claimMs: number): Promise<void> {
    const { claims, jobs, metrics } = this.options;
    // Redis down (undefined): refreshed here, as a coordinator on its own would.
    if (claims && (await claims.claim(key, entry.jobId, claimMs)) === false) {
      metrics.refreshed("elsewhere");
      return;
    }
    let finished;
    try {
      finished = await jobs.submit(symbol, query, key).job.finished;
    } catch {
      // Refused (a full queue, shutting down): the result expires and the next caller computes it.
      metrics.refreshed("failed");
      return;
    }
    metrics.refreshed(finished.state === JobState.JOB_STATE_SUCCEEDED ? "computed" : "failed");
  }
}
