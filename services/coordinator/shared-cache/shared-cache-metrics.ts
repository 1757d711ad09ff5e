// What the shared scan cache does, for Prometheus: hits by tier, misses, waits for another
// coordinator's computation and how they ended, takeovers of a dead owner's lease, Redis
// errors. Registered only when the coordinator has REDIS_URL.
import { Counter, type Registry } from "prom-client";

export type CacheTier = "local" | "shared";
/** How a wait for another coordinator's computation ended. */
export type LeaseWaitOutcome = "result" | "took_over" | "gave_up";

export class SharedCacheMetrics {
  private readonly hits: Counter<"tier">;
  private readonly misses: Counter;
  private readonly waits: Counter<"outcome">;
  private readonly takeovers: Counter;
  private readonly errors: Counter<"operation">;

  constructor(registry: Registry) {
    this.hits = new Counter({
      name: "spreadscan_scan_cache_hits_total",
      help: "Scans answered from a cache, by tier: local (this coordinator's) or shared (Redis, a result another coordinator computed or this one stored).",
      labelNames: ["tier"],
      registers: [registry],
    });
    this.misses = new Counter({
      name: "spreadscan_scan_cache_misses_total",
      help: "Scans that looked in both tiers and found nothing, and so went to a job (bypass_cache scans look in neither and are not counted).",
      registers: [registry],
    });
    this.waits = new Counter({
      name: "spreadscan_scan_lease_waits_total",
      help: "Jobs that found another coordinator computing the same scan and waited, by outcome: result (its result arrived), took_over (its lease expired without one), gave_up (SCAN_LEASE_WAIT passed or Redis went away: computed here).",
      labelNames: ["outcome"],
      registers: [registry],
    });
    this.takeovers = new Counter({
      name: "spreadscan_scan_lease_takeovers_total",
      help: "Computations this coordinator took over after the coordinator holding their lease stopped renewing it (died or hung).",
      registers: [registry],
    });
    this.errors = new Counter({
      name: "spreadscan_redis_errors_total",
      help: "Redis commands that failed or timed out (REDIS_COMMAND_TIMEOUT), by operation; the coordinator carried on without Redis.",
      labelNames: ["operation"],
      registers: [registry],
    });
    for (const tier of ["local", "shared"] as const) this.hits.inc({ tier }, 0);
    for (const outcome of ["result", "took_over", "gave_up"] as const) this.waits.inc({ outcome }, 0);
  }

  hit(tier: CacheTier): void {
    this.hits.inc({ tier });
  }

  miss(): void {
    this.misses.inc();
  }

  waited(outcome: LeaseWaitOutcome): void {
    this.waits.inc({ outcome });
    if (outcome === "took_over") this.takeovers.inc();
  }

  redisError(operation: string): void {
    this.errors.inc({ operation });
  }
}
