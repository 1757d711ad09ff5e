// The fleet's feed ownership from the coordinator's configuration: leases in NATS KV when
// NATS_URL is set, with the feeds' market data statuses shared over the same connection;
// nothing otherwise (every coordinator runs its own feeds, as today).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { ServiceBase } from "../../common/service-base.js";
import type { CoordinatorConfig } from "../config.js";
import { FeedLeases } from "./feed-leases.js";
import { FeedOwnershipMetrics } from "./feed-ownership-metrics.js";
import { FeedStatusChannel } from "./feed-status-channel.js";
import { NatsLeaseStore } from "./nats-lease-store.js";

/** The KV bucket of feed leases, shared by the fleet. */
export const FEED_LEASE_BUCKET = "spreadscan_feed_leases";

export function clusterFeedOwnership(config: CoordinatorConfig, base: ServiceBase): FeedLeases | undefined {
  if (config.natsUrl === undefined) return undefined;
  const { ttlMs, renewIntervalMs, withoutNats } = config.feedLease;
  const store = new NatsLeaseStore({
    url: config.natsUrl,
    bucket: FEED_LEASE_BUCKET,
    ttlMs,
    // An operation answered later than the next renewal is of no use.
    timeoutMs: renewIntervalMs,
    logger: base.logger,
    health: base.dependencies.register("nats"),
  });
  return new FeedLeases({
    store,
    ttlMs,
    renewIntervalMs,
    localWithoutNats: withoutNats === "local",
    // Unique per process: a restarted coordinator is a new holder.
    holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    logger: base.logger,
    metrics: (owned) => new FeedOwnershipMetrics(base.registry, owned),
    statuses: new FeedStatusChannel({ connection: () => store.connectionNow(), logger: base.logger, requestTimeoutMs: renewIntervalMs }),
  });
}
