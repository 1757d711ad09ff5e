// Leases in a NATS JetStream KV bucket. The server here (2.9) has no per-key TTL, so the
// bucket's max_age is the lease's life: a key nobody renews ages out. `create` takes a lease
// (it fails while another holds it), `update` with the last revision renews it (it fails once
// someone else took it), and a delete at the holder's revision gives it up.
import { setTimeout as sleep } from "node:timers/promises";
import { JetStreamApiCodes, JetStreamApiError, jetstream, StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { Logger } from "../../common/logger.js";

export interface LeaseStoreOptions {
  readonly url: string;
  readonly bucket: string;
  /** A lease's life: the bucket's max_age, milliseconds. */
  readonly ttlMs: number;
  /** Time limit of one operation, milliseconds. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** The "nats" dependency: down while operations fail for want of the server. */
  readonly health: DependencyStatus;
}

/** A lease held, or the sign that someone else holds it. */
export type LeaseAnswer = { readonly revision: number } | "held";

/** Thrown when the server cannot be reached or does not answer in time. */
export class LeaseStoreUnreachable extends Error {}

const conflict = (error: unknown): boolean =>
  error instanceof JetStreamApiError &&
  (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

const streamMissing = (error: unknown): boolean => error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;

export class NatsLeaseStore {
  private connection: NatsConnection | undefined;
  private bucket: KV | undefined;
  private closed = false;
  private readonly connecting: Promise<void>;
  /** Settles when the store first connects: a coordinator's first watchers wait that long, at most an operation's time. */
  private readonly firstConnection: Promise<void>;
  private connected!: () => void;

  constructor(private readonly options: LeaseStoreOptions) {
    this.firstConnection = new Promise((resolve) => (this.connected = resolve));
    this.connecting = this.connectForever();
  }

  /** Takes the lease on `key` if nobody holds it. */
  create(key: string, holder: string): Promise<LeaseAnswer> {
    return this.run(async (kv) => {
      try {
        return { revision: await kv.create(key, holder) };
      } catch (error) {
        if (conflict(error)) return "held";
        throw error;
      }
    });
  }

  /** Renews the lease held at `revision`: "held" when someone else holds it now. */
  renew(key: string, holder: string, revision: number): Promise<LeaseAnswer> {
    return this.run(async (kv) => {
      try {
        return { revision: await kv.update(key, holder, revision, this.options.timeoutMs) };
      } catch (error) {
        if (conflict(error)) return "held";
        throw error;
      }
    });
  }

  /** Gives the lease up, only if it is still the one held at `revision`. */
  release(key: string, revision: number): Promise<void> {
    return this.run(async (kv) => {
      try {
        await kv.delete(key, { previousSeq: revision });
      } catch (error) {
        if (!conflict(error)) throw error;
      }
    });
  }

  /** How long the current lease on `key` has left, milliseconds, by the server's stamp; undefined when none. */
  remainingMs(key: string): Promise<number | undefined> {
    return this.run(async (kv) => {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT") return undefined;
      return entry.created.getTime() + this.options.ttlMs - Date.now();
    });
  }

  /**
   * The connection to NATS, once there is one (waiting for the first at most an operation's
   * time); undefined while there is none. It reconnects by itself: its subscriptions carry on.
   */
  async connectionNow(): Promise<NatsConnection | undefined> {
    if (!this.connection) await Promise.race([this.firstConnection, sleep(this.options.timeoutMs, undefined, { ref: false })]);
    return this.connection?.isClosed() === false ? this.connection : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    this.bucket = undefined;
    await connection?.close().catch(() => undefined);
    // Ends the connecting loop too (it may be waiting for a first server).
    await this.connecting;
  }

  /** One operation: the bucket is made again when the server lost it (restarted with an empty store). */
  private async run<T>(operation: (kv: KV) => Promise<T>, again = true): Promise<T> {
    try {
      const result = await operation(await this.kv());
      this.options.health.markUp();
      return result;
    } catch (error) {
      if (streamMissing(error) && again) {
        this.bucket = undefined;
        return this.run(operation, false);
      }
      if (error instanceof JetStreamApiError) throw error;
      // No answer may mean the server lost the bucket (a restart with an empty store: publishes
      // then find no stream): the next operation makes it again, which costs nothing if it is there.
      this.bucket = undefined;
      this.options.health.markDown(error instanceof Error ? error.message : String(error));
      throw new LeaseStoreUnreachable(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  private async kv(): Promise<KV> {
    if (this.bucket) return this.bucket;
    if (!this.connection) await Promise.race([this.firstConnection, sleep(this.options.timeoutMs, undefined, { ref: false })]);
    const connection = this.connection;
    if (!connection || connection.isClosed()) throw new LeaseStoreUnreachable(`not connected to NATS at ${this.options.url}`);
    const { bucket, ttlMs, timeoutMs } = this.options;
    // Memory storage, capped: a lease is a few bytes, and one lost with the server ages out anyway.
    this.bucket = await new Kvm(jetstream(connection, { timeout: timeoutMs })).create(bucket, {
      ttl: ttlMs,
      history: 1,
      storage: StorageType.Memory,
      max_bytes: 1024 * 1024,
    });
    return this.bucket;
  }

  /** Connects, and reconnects for as long as the store is open; the first server may come up late. */
  private async connectForever(): Promise<void> {
    const { url, logger, health } = this.options;
    while (!this.closed) {
      try {
        const connection = await connect({
          // NATS_URL may list several seeds, separated by commas.
          servers: url.split(","),
          name: "spreadscan-coordinator-feed-leases",
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          pingInterval: 2000,
          maxPingOut: 2,
          timeout: this.options.timeoutMs,
        });
        // close() may have been called while connecting.
        if (this.isClosed()) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.connected();
        health.markUp();
        logger.info({ url }, "feed leases: connected to NATS");
        for await (const event of connection.status()) {
          if (event.type === "disconnect") health.markDown(`disconnected from NATS at ${url}`);
          if (event.type === "reconnect") health.markUp();
        }
        return;
      } catch (error) {
        health.markDown(error instanceof Error ? error.message : String(error));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private isClosed(): boolean {
    return this.closed;
  }
}
