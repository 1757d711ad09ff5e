// One market feed per symbol across the fleet, by leases in NATS KV (nats-lease-store.ts).
// A coordinator with watchers of a symbol tries to take its lease; the one that holds it runs
// the feed and renews it every renewal interval; the others try again when it could have
// aged out. Never two feeds at once: the owner stops its feed before its lease could expire
// unless a renewal was confirmed, counting from when that renewal was sent (the server stamps
// the lease no sooner), so that nobody can take the lease while the feed still runs.
//
// NATS unreachable: an owner keeps its feed only while its lease could still be valid. Once
// NATS has been unreachable for a whole lease life, no lease can still be valid if NATS is
// down for everyone, and (FEED_WITHOUT_NATS=local, the default) every coordinator with
// watchers runs its own feed, as without a cluster, so that watchers keep receiving; health
// says "nats" is down and spreadscan_feeds_owned{mode="local"} counts them. When NATS answers
// again the local feeds compete for the lease, and the losers stop theirs. A coordinator cut
// off from a NATS that the others still reach cannot tell: it duplicates the owner's feed
// until it reaches NATS again. FEED_WITHOUT_NATS=none never does (its watchers then keep the
// last chain until NATS returns).
import type { Logger } from "../../common/logger.js";
import type { ClaimHandlers, FeedClaim, FeedOwnership } from "./feed-ownership.js";
import type { FeedOwnershipMetrics, OwnedFeeds } from "./feed-ownership-metrics.js";
import type { FeedStatusChannel } from "./feed-status-channel.js";
import { LeaseStoreUnreachable, type NatsLeaseStore } from "./nats-lease-store.js";

export interface FeedLeasesOptions {
  readonly store: NatsLeaseStore;
  /** A lease's life, milliseconds (the bucket's max_age). */
  readonly ttlMs: number;
  /** Time between renewals, and between attempts to take a lease, milliseconds; well under the TTL. */
  readonly renewIntervalMs: number;
  /** Run the feeds of watched symbols here once NATS has been unreachable for a lease's life (FEED_WITHOUT_NATS=local). */
  readonly localWithoutNats: boolean;
  /** Who holds a lease: this coordinator, as its logs name it. */
  readonly holder: string;
  readonly logger: Logger;
  readonly metrics?: (owned: () => OwnedFeeds) => FeedOwnershipMetrics;
  /** Market data statuses shared over the same NATS. */
  readonly statuses?: FeedStatusChannel;
}

type ClaimState = "trying" | "lease" | "local" | "released";

/** Shortest wait before trying a lease again: the server removes aged-out keys a little late. */
const MIN_RETRY_MS = 50;

/** The key of a symbol's lease: KV keys allow letters, digits, "-", "_", "=" and ".". */
const leaseKey = (symbol: string): string => `feed.${symbol.replace(/[^A-Za-z0-9_=-]/g, (character) => `_${character.charCodeAt(0).toString(16)}`)}`;

export class FeedLeases implements FeedOwnership {
  private readonly claims = new Set<SymbolClaim>();
  /** When NATS first failed to answer since it last did, performance.now(); undefined while it answers. */
  private unreachableSince: number | undefined;
  readonly metrics: FeedOwnershipMetrics | undefined;
  readonly statuses: FeedStatusChannel | undefined;

  constructor(readonly options: FeedLeasesOptions) {
    this.metrics = options.metrics?.(() => this.owned());
    this.statuses = options.statuses;
  }

  claim(symbol: string, handlers: ClaimHandlers): FeedClaim {
    const claim = new SymbolClaim(this, symbol, leaseKey(symbol), handlers, () => this.claims.delete(claim));
    this.claims.add(claim);
    return claim;
  }

  async close(): Promise<void> {
    await Promise.all([...this.claims].map((claim) => claim.release()));
    await this.options.store.close();
  }

  /** Feeds run here now, by mode. */
  owned(): OwnedFeeds {
    let lease = 0;
    let local = 0;
    for (const claim of this.claims) {
      if (claim.state === "lease") lease++;
      if (claim.state === "local") local++;
    }
    return { lease, local };
  }

  reachable(): void {
    this.unreachableSince = undefined;
  }

  /** Notes a failure; true once NATS has been unreachable for a whole lease life. */
  unreachable(): boolean {
    const now = performance.now();
    this.unreachableSince ??= now;
    return now - this.unreachableSince >= this.options.ttlMs;
  }
}

class SymbolClaim implements FeedClaim {
  state: ClaimState = "trying";
  readonly decided: Promise<void>;
  private decide!: () => void;
  private revision: number | undefined;
  /** Another coordinator held the lease when this one last tried: taking it is a takeover. */
  private followed = false;
  private timer: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private stepping: Promise<void> = Promise.resolve();
  private releasing: Promise<void> | undefined;

  constructor(
    private readonly leases: FeedLeases,
    private readonly symbol: string,
    private readonly key: string,
    private readonly handlers: ClaimHandlers,
    private readonly forget: () => void,
  ) {
    this.decided = new Promise((resolve) => (this.decide = resolve));
    this.schedule(0);
  }

  get owned(): boolean {
    return this.state === "lease" || this.state === "local";
  }

  /** Stops competing; gives the lease up once any operation in flight is answered. The feed is already stopped. */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      this.state = "released";
      clearTimeout(this.timer);
      clearTimeout(this.expiry);
      this.decide();
      await this.stepping;
      await this.giveUp();
      // Forgotten only now, so that close() waits for the lease to be given up.
      this.forget();
    })();
    return this.releasing;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.stepping = this.step();
    }, delayMs);
  }

  private async step(): Promise<void> {
    const { options } = this.leases;
    let nextMs = options.renewIntervalMs;
    try {
      nextMs = this.state === "lease" ? await this.renew() : await this.take();
      this.leases.reachable();
    } catch (error) {
      if (!(error instanceof LeaseStoreUnreachable)) options.logger.warn({ err: error, symbol: this.symbol }, "feed lease: NATS refused an operation");
      this.whileUnreachable();
    } finally {
      this.decide();
    }
    if (this.state !== "released") this.schedule(nextMs);
  }

  private async take(): Promise<number> {
    const { store, holder, renewIntervalMs, logger } = this.leases.options;
    const sentAt = performance.now();
    const answer = await store.create(this.key, holder);
    if (answer === "held") {
      this.followed = true;
      if (this.state === "local") this.lose("NATS answers again and another coordinator holds the lease");
      // Try again when the holder's lease could have aged out, unless it is renewed meanwhile.
      const remaining = (await store.remainingMs(this.key)) ?? 0;
      return Math.min(renewIntervalMs, Math.max(MIN_RETRY_MS, remaining + MIN_RETRY_MS));
    }
    this.revision = answer.revision;
    if (this.state === "released") return renewIntervalMs;
    const wasLocal = this.state === "local";
    this.state = "lease";
    this.armExpiry(sentAt);
    this.leases.metrics?.acquisitions.inc();
    if (this.followed) this.leases.metrics?.takeovers.inc();
    logger.info({ symbol: this.symbol, holder, takeover: this.followed, wasLocal }, "feed lease acquired");
    this.followed = false;
    // A local feed goes on under the lease; otherwise the feed starts now.
    if (!wasLocal) this.handlers.acquired(false);
    return renewIntervalMs;
  }

  private async renew(): Promise<number> {
    const { store, holder, renewIntervalMs } = this.leases.options;
    const sentAt = performance.now();
    let answer;
    try {
      answer = await store.renew(this.key, holder, this.revision ?? 0);
    } catch (error) {
      this.leases.metrics?.renewalsFailed.inc();
      throw error;
    }
    if (answer === "held") {
      this.followed = true;
      if (this.state === "lease") this.lose("another coordinator holds the lease");
      return renewIntervalMs;
    }
    this.revision = answer.revision;
    // The feed stopped (the lease could have expired) or the watchers left while the renewal was on its way: give it up.
    if (this.state !== "lease") return (await this.giveUp(), MIN_RETRY_MS);
    this.armExpiry(sentAt);
    // When the lease could expire at the latest is this line's time + the TTL: what the fault suite checks a takeover against.
    this.leases.options.logger.debug({ symbol: this.symbol, revision: answer.revision }, "feed lease renewed");
    return renewIntervalMs;
  }

  private whileUnreachable(): void {
    const pastAnyLease = this.leases.unreachable();
    if (this.state !== "trying" || !pastAnyLease || !this.leases.options.localWithoutNats) return;
    this.state = "local";
    this.revision = undefined;
    this.leases.options.logger.warn({ symbol: this.symbol }, "feed lease: NATS unreachable for longer than a lease lives; running this symbol's feed locally");
    this.handlers.acquired(true);
  }

  /** The feed stops before the lease taken or renewed at `sentAt` could expire, unless renewed again. */
  private armExpiry(sentAt: number): void {
    const { ttlMs } = this.leases.options;
    clearTimeout(this.expiry);
    const marginMs = Math.max(100, ttlMs / 10);
    this.expiry = setTimeout(() => this.lose("no renewal confirmed before the lease could expire"), Math.max(0, sentAt + ttlMs - marginMs - performance.now()));
  }

  private lose(reason: string): void {
    if (!this.owned) return;
    clearTimeout(this.expiry);
    this.state = "trying";
    this.leases.metrics?.losses.inc();
    this.leases.options.logger.warn({ symbol: this.symbol, reason }, "feed lease lost");
    this.handlers.lost(reason);
  }

  private async giveUp(): Promise<void> {
    const revision = this.revision;
    this.revision = undefined;
    if (revision === undefined) return;
    try {
      await this.leases.options.store.release(this.key, revision);
    } catch (error) {
      this.leases.options.logger.warn({ err: error, symbol: this.symbol }, "feed lease: could not give the lease up; it ages out");
    }
  }
}
