// Feed ownership as Prometheus sees it: the feeds this coordinator runs (with a lease, or on
// its own while NATS is unreachable) and what happened to its leases.
import { Counter, Gauge, type Registry } from "prom-client";

export interface OwnedFeeds {
  readonly lease: number;
  readonly local: number;
}

export class FeedOwnershipMetrics {
  readonly acquisitions: Counter;
  readonly takeovers: Counter;
  readonly losses: Counter;
  readonly renewalsFailed: Counter;

  constructor(registry: Registry, owned: () => OwnedFeeds) {
    new Gauge({
      name: "spreadscan_feeds_owned",
      help: "Market feeds this coordinator runs: mode lease, as the fleet's one owner of the symbol; mode local, on its own while NATS is unreachable",
      labelNames: ["mode"],
      registers: [registry],
      collect() {
        const now = owned();
        this.set({ mode: "lease" }, now.lease);
        this.set({ mode: "local" }, now.local);
      },
    });
    this.acquisitions = new Counter({
      name: "spreadscan_feed_lease_acquisitions_total",
      help: "Feed leases this coordinator took (a symbol's feed started here)",
      registers: [registry],
    });
    this.takeovers = new Counter({
      name: "spreadscan_feed_lease_takeovers_total",
      help: "Feed leases taken after another coordinator had held them (its lease aged out or was given up)",
      registers: [registry],
    });
    this.losses = new Counter({
      name: "spreadscan_feed_lease_losses_total",
      help: "Feeds stopped because their lease was lost or could have expired before a renewal was confirmed",
      registers: [registry],
    });
    this.renewalsFailed = new Counter({
      name: "spreadscan_feed_lease_renewals_failed_total",
      help: "Lease renewals that NATS did not confirm in time",
      registers: [registry],
    });
  }
}
