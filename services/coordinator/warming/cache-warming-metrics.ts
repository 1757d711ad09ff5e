// What cache warming does, for Prometheus: lookups and their outcome (the hit ratio is
// hits / lookups), refresh-ahead computations and how they ended, and what chain updates did to
// cached results (kept, or invalidated early). Registered with or without REDIS_URL; the
// refresh-ahead fraction is exported too, so a dashboard tells a run with warming from one without.
import { Counter, Gauge, type Registry } from "prom-client";

/** How a refresh-ahead ended: computed here, left to the coordinator that claimed it, or failed (the job failed or was refused). */
export type RefreshOutcome = "computed" | "elsewhere" | "busy" | "failed";

export class CacheWarmingMetrics {
  private readonly lookups: Counter<"outcome">;
  private readonly refreshes: Counter<"outcome">;
  private readonly earlyInvalidations: Counter;
  private readonly keptOnUpdate: Counter;
  private hits = 0;
  private misses = 0;

  constructor(registry: Registry, refreshAheadFraction: number) {
    this.lookups = new Counter({
      name: "spreadscan_scan_cache_lookups_total",
      help: "Scans looked up in the cache (Scan, SubmitScan, ScanBatch, universe scans; bypass_cache ones are not looked up), by outcome: hit (a fresh result, either tier) or miss (a job computed or joined).",
      labelNames: ["outcome"],
      registers: [registry],
    });
    const counts = (): { hits: number; misses: number } => ({ hits: this.hits, misses: this.misses });
    new Gauge({
      name: "spreadscan_scan_cache_hit_ratio",
      help: "Cache hits over cache lookups since the coordinator started (0 before the first lookup).",
      registers: [registry],
      collect() {
        const { hits, misses } = counts();
        this.set(hits + misses === 0 ? 0 : hits / (hits + misses));
      },
    });
    new Gauge({
      name: "spreadscan_scan_cache_refresh_ahead_fraction",
      help: "SCAN_REFRESH_AHEAD: the last part of a result's TTL in which a hit has it recomputed; 0 when refresh-ahead is off.",
      registers: [registry],
    }).set(refreshAheadFraction);
    this.refreshes = new Counter({
      name: "spreadscan_scan_cache_refreshes_total",
      help: "Refresh-ahead of a cached result asked for near its expiry, by outcome: computed (a job here recomputed it), elsewhere (another coordinator claimed it), busy (not started: every scan slot was taken or scans were queued), failed.",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.earlyInvalidations = new Counter({
      name: "spreadscan_scan_cache_early_invalidations_total",
      help: "Cached results dropped before their TTL because a chain update of their symbol could change them.",
      registers: [registry],
    });
    this.keptOnUpdate = new Counter({
      name: "spreadscan_scan_cache_kept_on_update_total",
      help: "Cached results kept through a chain update of their symbol that could not change them (their reach digest was unchanged).",
      registers: [registry],
    });
    for (const outcome of ["hit", "miss"] as const) this.lookups.inc({ outcome }, 0);
    for (const outcome of ["computed", "elsewhere", "busy", "failed"] as const) this.refreshes.inc({ outcome }, 0);
  }

  lookedUp(hit: boolean): void {
    if (hit) this.hits++;
    else this.misses++;
    this.lookups.inc({ outcome: hit ? "hit" : "miss" });
  }

  refreshed(outcome: RefreshOutcome): void {
    this.refreshes.inc({ outcome });
  }

  invalidatedEarly(): void {
    this.earlyInvalidations.inc();
  }

  kept(): void {
    this.keptOnUpdate.inc();
  }
}
