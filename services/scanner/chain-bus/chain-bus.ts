// Chain updates between scanner replicas over NATS JetStream (NATS_URL). A replica publishes
// each change it accepts as the symbol's next version on the symbol's subject of one capped
// stream: a MERGE onto the version before it as what was sent (a delta, naming its base), any
// other change as the whole chain, chunked below the server's max_payload (chain-publications.ts);
// every replica, the publisher included, consumes the stream in order and applies each
// version it does not hold yet, a delta only onto exactly its base.
//
// One version, one publisher: each chunk is published expecting the subject's last message to
// be the one this replica's store reflects (JetStream's expected last subject sequence). A
// replica behind another's publication is refused ("conflict"): it catches up, plans its
// change again on top, and publishes the version after. A retried chunk carries the same
// message id, so JetStream stores it once.
//
// NATS down: the replica commits locally and queues the version (the outbox), published in
// order on NATS's return. The consumer is made again on every reconnection, from the last
// sequence it took (nats.js's ordered consumer could stall after a server restart). A stream
// that is new on reconnection (NATS restarted with an empty store) has each replica republish
// the latest chain of every symbol it holds, under the version it has, until the stream holds
// one at least as new (chain-republication.ts).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import type { DependencyStatus } from "../../common/dependency-health.js";
import type { Logger } from "../../common/logger.js";
import type { ChainStore } from "../chain-store.js";
import type { ChainDelta, ChainReplication } from "../spread-scanner.js";
import type { ChainBusMetrics } from "./chain-bus-metrics.js";
import { ChainOutbox } from "./chain-outbox.js";
import { ensureChainStream, parseChunkHeader, STREAM_NAME, subjectTip, subjectOf, symbolOf } from "./chain-subjects.js";
import { ChainPublications, isConflict, PUBLISH_TIMEOUT_MS } from "./chain-publications.js";
import { ChainRepublication } from "./chain-republication.js";
import { ChunkAssembler } from "./chunks.js";
import { StreamReader } from "./stream-reader.js";
import { trace, SpanStatusCode } from "@opentelemetry/api";
import { applySpan, publishSpan } from "./chain-spans.js";

/** What became of a version received from the bus. */
export type ApplyOutcome = "applied" | "held" | "skipped" | "failed";

/** Where received versions are applied: the scanner, in turn with its own updates of the symbol. */
export interface ReplicaChains {
  applyReplicated(symbol: string, version: bigint, chainBytes: Uint8Array, then: (outcome: ApplyOutcome) => void): Promise<unknown>;
  /** A MERGE's quotes onto version `base`: "skipped" when the replica does not hold exactly `base`. */
  applyDelta(symbol: string, version: bigint, base: bigint, sentBytes: Uint8Array, then: (outcome: ApplyOutcome) => void): Promise<unknown>;
  /** Publishes the replica's chain of the symbol as the version after `after` and its own, and stores it so. */
  reassert(symbol: string, after: bigint): Promise<void>;
}

export interface ChainBusOptions {
  readonly url: string;
  readonly store: ChainStore;
  readonly dependency: DependencyStatus;
  readonly metrics: ChainBusMetrics;
  readonly logger: Logger;
  /** This replica's name on the bus; a random one unless given. */
  readonly replicaId?: string;
}

/** How long a replica that just started holds updates back, at most, while it reads the stream. */
const INITIAL_READ_MS = 5000;
/** How long a replica refused for a conflict waits to hold the version that beat it. */
const CATCH_UP_MS = 2000;
/** While versions or republications wait and NATS is connected, how often they are tried again. */
const RETRY_MS = 500;
/** Versions waiting for NATS, bytes, before a symbol's oldest ones are dropped. */
const OUTBOX_MAX_BYTES = 256 * 1024 * 1024;

/** The connection and its JetStream views, made together. */
interface NatsLink {
  readonly connection: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export class ChainBus implements ChainReplication {
  readonly replicaId: string;
  private link: NatsLink | undefined;
  private replica: ReplicaChains | undefined;
  private online = false;
  private closed = false;
  /** The stream's creation time when last seen: another one means NATS lost its store. */
  private streamCreated: string | undefined;
  /** Counts new streams: a version of an older one, applied since, says nothing of the new one's sequences. */
  private streamEpoch = 0;
  /** The last stream sequence the consumer took. */
  private takenSequence = 0;
  private readonly publications: ChainPublications;
  /** Symbols whose latest delta this replica skipped, not holding its base: until a whole chain comes, it is behind. */
  private readonly lackingBase = new Set<string>();
  private readonly assembler = new ChunkAssembler();
  private readonly outbox: ChainOutbox;
  private readonly republication: ChainRepublication;
  private readonly reader: StreamReader;
  private syncing: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private markSynced: () => void = () => undefined;
  private markRead: () => void = () => undefined;
  /** The stream's last sequence when the bus first reached it: read up to there, the replica is current. */
  private firstReadTarget: number | undefined;
  /** Settles once what the stream held when first reached is read (or after INITIAL_READ_MS): see ready(). */
  private readonly initialRead = new Promise<void>((resolve) => (this.markRead = resolve));
  /** Settles once the bus first reached NATS and its consumer runs. */
  readonly synced = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(private readonly options: ChainBusOptions) {
    this.replicaId = options.replicaId ?? randomUUID().slice(0, 8);
    this.publications = new ChainPublications({ replicaId: this.replicaId, metrics: options.metrics, logger: options.logger });
    this.outbox = new ChainOutbox(OUTBOX_MAX_BYTES, (symbol, version) => {
      options.logger.warn({ symbol, version: String(version) }, "chain version dropped from the outbox (too much waits for NATS): other replicas will miss it");
    });
    this.republication = new ChainRepublication({
      store: options.store,
      publications: this.publications,
      metrics: options.metrics,
      logger: options.logger,
      queued: (symbol) => this.outbox.has(symbol),
    });
    this.reader = new StreamReader({ logger: options.logger, take: (message) => this.take(message), onRestart: () => options.metrics.consumerRestarts.inc() });
    options.dependency.markDown("connecting to NATS");
    setTimeout(() => this.markRead(), INITIAL_READ_MS).unref();
  }

  /** Connects in the background (the replica serves meanwhile, degraded) and applies through `replica`. */
  start(replica: ReplicaChains): void {
    this.replica = replica;
    void this.connectAndSync();
  }

  private async connectAndSync(): Promise<void> {
    try {
      // No end to reconnecting: a scanner outlives any outage of NATS, degraded meanwhile.
      const connection = await connect({
        servers: this.options.url,
        name: `spreadscan-scanner-${this.replicaId}`,
        maxReconnectAttempts: -1,
        waitOnFirstConnect: true,
        reconnectTimeWait: 200,
        reconnectJitter: 50,
        timeout: 2000,
        // A hung server (SIGSTOP, a stuck host) is told from a slow one within about 10 s.
        pingInterval: 5000,
        maxPingOut: 2,
      });
      if (this.closed) {
        await connection.close();
        return;
      }
      const js = jetstream(connection, { timeout: PUBLISH_TIMEOUT_MS });
      const jsm = await jetstreamManager(connection, { timeout: PUBLISH_TIMEOUT_MS });
      this.link = { connection, js, jsm };
      void this.followStatus(connection);
      this.scheduleSync();
    } catch (error) {
      if (!this.closed) this.options.logger.error({ err: error }, "chain bus could not connect to NATS");
    }
  }

  private async followStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect") this.goOffline("NATS connection lost");
      else if (status.type === "reconnect") this.scheduleSync();
    }
  }

  private goOffline(reason: string): void {
    this.online = false;
    this.options.dependency.markDown(reason);
  }

  private scheduleSync(): void {
    this.syncing = this.syncing.then(async () => {
      for (let link = this.link; link && !this.closed && !link.connection.isClosed(); link = this.link) {
        try {
          await this.sync(link);
          return;
        } catch (error) {
          this.goOffline(`NATS JetStream: ${String(error)}`);
          await sleep(250);
        }
      }
    });
  }

  /** After a (re)connection: the stream checked, the consumer made again, waiting versions published. */
  private async sync(link: NatsLink): Promise<void> {
    this.publications.fitTo(link.connection.info?.max_payload ?? 1024 * 1024);
    const info = await ensureChainStream(link.jsm);
    const fresh = this.streamCreated !== undefined && (info.created !== this.streamCreated || info.state.last_seq < this.takenSequence);
    this.streamCreated = info.created;
    if (this.firstReadTarget === undefined) {
      this.firstReadTarget = info.state.last_seq;
      if (this.takenSequence >= this.firstReadTarget) this.markRead();
    }
    if (fresh) {
      this.options.logger.warn({ stream: STREAM_NAME }, "the chain stream is new (NATS lost its store): republishing the latest chains");
      this.takenSequence = 0;
      this.streamEpoch++;
      this.publications.forget();
      this.lackingBase.clear();
      this.assembler.clear();
      this.republication.oweEverySymbol();
    }
    this.reader.restart(link.js, () => this.takenSequence + 1);
    this.online = true;
    this.options.dependency.markUp();
    this.markSynced();
    await this.republication.pass(link.js, link.jsm, () => this.online);
    await this.flushOutbox(link.js);
    this.scheduleRetry();
  }

  /** Updates sent to a replica that just started wait for this, so that none is planned on a store still empty. */
  ready(): Promise<void> {
    return this.initialRead;
  }

  private async take(message: JsMsg): Promise<void> {
    await this.apply(message);
    if (this.firstReadTarget !== undefined && message.seq >= this.firstReadTarget) this.markRead();
  }

  private async apply(message: JsMsg): Promise<void> {
    const { metrics, logger } = this.options;
    const replica = this.replica;
    this.takenSequence = message.seq;
    metrics.appliedSequence.set(message.seq);
    metrics.consumerLag.set(message.info.pending);
    const symbol = symbolOf(message.subject);
    const header = parseChunkHeader(message.headers);
    if (!symbol || !header || !replica) return;
    metrics.chunks.inc({ direction: "received" });
    if (header.index + 1 === header.count) {
      this.publications.noteOnSubject(symbol, message.seq, header.version);
      if (header.base === undefined) this.publications.noteWhole(symbol);
    }
    if (header.publisher === this.replicaId) {
      // This replica's own version, committed here before or right after it was published:
      // held, nothing to decode or prepare.
      if (header.index + 1 === header.count) metrics.duplicatesSkipped.inc({ origin: "own" });
      this.publications.advance(symbol, message.seq);
      return;
    }
    if (header.base === undefined && header.version <= this.options.store.latestVersion(symbol)) {
      // A whole chain of a version held already (most often the one following its delta): not assembled.
      if (header.index + 1 === header.count) metrics.duplicatesSkipped.inc({ origin: "other" });
      this.publications.advance(symbol, message.seq);
      return;
    }
    const chain = header.base === undefined ? this.assembler.accept(symbol, header, message.data) : message.data.slice();
    if (!chain) {
      // Not yet a version (or a broken one); a replica lacking a delta's base reflects nothing until one is applied.
      if (!this.lackingBase.has(symbol)) this.publications.advance(symbol, message.seq);
      return;
    }
    const receivedAt = Date.now();
    const epoch = this.streamEpoch;
    const span = applySpan(message.headers, symbol, message.subject, header.version);
    const then = (outcome: ApplyOutcome): void => {
      span?.setAttribute("chain.apply.outcome", outcome);
      if (outcome === "failed") span?.setStatus({ code: SpanStatusCode.ERROR, message: "the chain version could not be applied" });
      span?.end();
      // A skipped delta is not reflected in the store: a publication of this replica's then
      // expects an older message than the subject's last, and is refused rather than
      // numbering a chain planned on the wrong base as the next version.
      // A delta that failed leaves the store as behind as one skipped.
      // A message of a stream NATS lost meanwhile (its apply waited for the symbol) tells nothing
      // of the new one; a version it brought is owed to the new stream like the others.
      const current = epoch === this.streamEpoch;
      if (!current) {
        if (outcome === "applied") this.republication.owe(symbol);
        this.scheduleRetry();
      } else if (outcome === "skipped" || (outcome === "failed" && header.base !== undefined)) this.lackingBase.add(symbol);
      else this.publications.advance(symbol, message.seq);
      if (outcome === "applied") {
        if (current) this.lackingBase.delete(symbol);
        const appliedAt = Date.now();
        const latencyMs = appliedAt - header.publishedAt;
        metrics.applied.inc();
        metrics.publishToApply.observe(latencyMs / 1000);
        // Where the time went: on the way (publication, NATS, delivery) and here (waiting for the symbol, decoding, preparing).
        const hereMs = appliedAt - receivedAt;
        logger.debug({ symbol, version: String(header.version), publisher: header.publisher, latencyMs, hereMs }, "chain version applied from the bus");
      } else if (outcome === "held") {
        metrics.duplicatesSkipped.inc({ origin: header.publisher === this.replicaId ? "own" : "other" });
      } else if (outcome === "skipped") {
        metrics.deltasSkipped.inc();
        logger.info(
          { symbol, version: String(header.version), base: String(header.base) },
          "chain delta skipped: its base version is not held here; waiting for the next whole chain",
        );
      } else {
        logger.error({ symbol, version: String(header.version), publisher: header.publisher }, "chain version from the bus could not be applied");
      }
    };
    await (header.base === undefined
      ? replica.applyReplicated(symbol, header.version, chain, then)
      : replica.applyDelta(symbol, header.version, header.base, chain, then));
  }

  publish(symbol: string, version: bigint, chainBytes: Uint8Array, delta?: ChainDelta): Promise<"published" | "queued" | "conflict"> {
    return publishSpan(symbol, subjectOf(symbol), version, async (): Promise<"published" | "queued" | "conflict"> => {
      const outcome = await this.publishVersion(symbol, version, chainBytes, delta);
      trace.getActiveSpan()?.setAttribute("chain.publish.outcome", outcome);
      return outcome;
    });
  }

  private async publishVersion(symbol: string, version: bigint, chainBytes: Uint8Array, delta?: ChainDelta): Promise<"published" | "queued" | "conflict"> {
    const link = this.link;
    if (link && this.online && !this.outbox.has(symbol)) {
      try {
        if (this.publications.goesAsDelta(version, chainBytes, delta) && this.publications.continuesSubject(symbol, delta.base)) {
          await this.publications.delta(link.js, symbol, version, delta);
          if (this.publications.wholeDue(symbol, version)) await this.publications.wholeAfterDelta(link.js, symbol, version, chainBytes);
        } else {
          await this.publications.whole(link.js, symbol, version, chainBytes, "new");
        }
        return "published";
      } catch (error) {
        if (isConflict(error)) {
          this.options.metrics.conflicts.inc();
          return "conflict";
        }
        this.options.logger.warn({ err: error, symbol, version: String(version) }, "chain version not published: queued until NATS answers");
        this.options.dependency.markDown(`publishing to NATS failed: ${String(error)}`);
      }
    }
    this.outbox.add(symbol, version, chainBytes);
    this.options.metrics.queuedVersions.set(this.outbox.size);
    this.scheduleRetry();
    return "queued";
  }

  async catchUp(symbol: string): Promise<void> {
    // Waiting cannot help a replica without the base of the symbol's deltas: only the next whole chain brings it.
    if (this.lackingBase.has(symbol)) return;
    const deadline = Date.now() + CATCH_UP_MS;
    try {
      const link = this.link;
      const target = (link && (await subjectTip(link.jsm, symbol))?.sequence) ?? 0;
      while (this.publications.reflectedSequence(symbol) < target && Date.now() < deadline && !this.closed) await sleep(5);
    } catch (error) {
      this.options.logger.warn({ err: error, symbol }, "could not read the chain stream's latest message of the symbol");
    }
  }

  private async flushOutbox(js: JetStreamClient): Promise<void> {
    for (const symbol of this.outbox.symbols()) {
      for (let next = this.outbox.first(symbol); next && this.online; next = this.outbox.first(symbol)) {
        try {
          await this.publications.whole(js, symbol, next.version, next.chainBytes, "queued");
          this.outbox.shift(symbol);
        } catch (error) {
          if (!isConflict(error)) throw error;
          this.options.metrics.conflicts.inc();
          // Behind the stream: an older version another replica republished (a new stream)
          // is taken in, and this one published after it. A version as new as this one from
          // another replica means both took updates while cut off: this replica's versions
          // of the outage are dropped, and its chain is published as the next version, which
          // every replica takes (the other's changes of the outage are lost: the last to
          // publish wins, and every replica ends with one chain under one version).
          const latest = await this.latestVersionInStream(symbol);
          await this.catchUp(symbol);
          if (latest !== undefined && latest >= next.version) {
            this.options.logger.warn(
              { symbol, version: String(next.version) },
              "versions committed while NATS was down conflict with another replica's: publishing this replica's chain as the next version",
            );
            this.outbox.discard(symbol);
            await this.replica?.reassert(symbol, latest);
          }
        }
        this.options.metrics.queuedVersions.set(this.outbox.size);
      }
    }
    // Everything waiting went out: NATS answers (a failed publication had marked it down).
    if (this.online && this.outbox.size === 0) this.options.dependency.markUp();
  }

  /** The version of the symbol's last message in the stream, if any. */
  private async latestVersionInStream(symbol: string): Promise<bigint | undefined> {
    const link = this.link;
    return link ? (await subjectTip(link.jsm, symbol))?.version : undefined;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed || (this.outbox.size === 0 && !this.republication.pending)) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      const link = this.link;
      if (link && this.online) {
        this.syncing = this.syncing
          .then(async () => {
            await this.republication.pass(link.js, link.jsm, () => this.online);
            await this.flushOutbox(link.js);
          })
          .catch(() => undefined);
      }
      this.scheduleRetry();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.reader.stop();
    await this.link?.connection.close().catch(() => undefined);
  }
}
