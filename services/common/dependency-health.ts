// The shared servers a service leans on but can do without (Redis, NATS): each one's state,
// for /readyz, /metrics.json and Prometheus. A dependency that is down makes the service
// degraded, not failed: it goes on answering from what it has on its own, and says so.
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "./logger.js";

export interface DependencyOutage {
  readonly dependency: string;
  /** When it was last seen down, epoch milliseconds. */
  readonly since: number;
  readonly reason: string;
}

/** One dependency's state, set by the code that talks to it. */
export interface DependencyStatus {
  markUp(): void;
  markDown(reason: string): void;
  readonly up: boolean;
}

export class DependencyHealth {
  private readonly outages = new Map<string, DependencyOutage>();
  private readonly gauge: Gauge;

  constructor(
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.gauge = new Gauge({
      name: "spreadscan_dependency_up",
      help: "1 while a shared server the service uses (redis, nats) answers, 0 while it does not: the service is degraded then, not failed",
      labelNames: ["dependency"],
      registers: [registry],
    });
  }

  /** A dependency, up until its code says otherwise. */
  register(dependency: string): DependencyStatus {
    this.gauge.set({ dependency }, 1);
    const outages = this.outages;
    const gauge = this.gauge;
    const logger = this.logger;
    return {
      get up() {
        return !outages.has(dependency);
      },
      markUp() {
        const outage = outages.get(dependency);
        if (!outage) return;
        outages.delete(dependency);
        gauge.set({ dependency }, 1);
        logger.info({ dependency, downMs: Date.now() - outage.since }, "dependency is back");
      },
      markDown(reason) {
        if (outages.has(dependency)) return;
        outages.set(dependency, { dependency, since: Date.now(), reason });
        gauge.set({ dependency }, 0);
        logger.warn({ dependency, reason }, "dependency is down: degraded, answering without it");
      },
    };
  }

  /** The dependencies down now; empty when the service is whole. */
  degraded(): DependencyOutage[] {
    return [...this.outages.values()];
  }
}
