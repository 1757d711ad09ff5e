// What a replica writes on the symbols' subjects of the chain stream: a version as a delta (one
// message) or as the whole chain (chunks), each message expecting the subject's last one to be
// the one this replica's store reflects, so that no other publication can come between: one
// version, one publisher (see chain-bus.ts).
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "../../common/logger.js";
import type { ChainDelta } from "../spread-scanner.js";
import type { ChainBusMetrics } from "./chain-bus-metrics.js";
import { chunkHeaders, chunkMessageId, subjectOf } from "./chain-subjects.js";
import { chunkSizeFor, splitIntoChunks } from "./chunks.js";

/**
 * A merge goes out as a delta (what was sent) when it is at most this fraction of the chain;
 * a larger one as the whole chain, which costs the replicas little more to apply then.
 */
const MAX_DELTA_FRACTION = 0.25;
/**
 * Every version numbered a multiple of this goes out as a delta followed by the whole chain:
 * a replica that missed a delta's base (it started, or lost messages with NATS's store) holds
 * the fleet's chain again within this many versions. Replicas that hold the version skip the
 * whole chain unread. 50: 5 s of a feed's 10 ticks/s, and a whole chain's traffic one tick in 50.
 */
export const WHOLE_CHAIN_EVERY = 50n;
/**
 * And a delta goes out with the whole chain when the symbol's last whole chain on the stream is
 * older than this: for a symbol merged slowly, 50 versions could outlast the stream's 10 minutes.
 */
const WHOLE_CHAIN_MAX_AGE_MS = 60_000;
/** A publication that takes longer is abandoned and the version queued: NATS is as good as down. */
export const PUBLISH_TIMEOUT_MS = 1000;

/** JetStream refused a publication: another replica's message came first on the subject. */
export function isConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

export interface ChainPublicationsOptions {
  readonly replicaId: string;
  readonly metrics: ChainBusMetrics;
  readonly logger: Logger;
}

export class ChainPublications {
  /** Per symbol, the last message on its subject that this replica's store reflects. */
  private readonly reflected = new Map<string, number>();
  private chunkSize = chunkSizeFor(1024 * 1024);
  /** Per symbol, when a whole chain of it last went on the stream, as far as this replica knows. */
  private readonly lastWholeAt = new Map<string, number>();
  /** Symbols whose whole chain due after a delta did not go out: the next delta is followed by one. */
  private readonly wholeMissed = new Set<string>();
  /** Per symbol, the version of the last complete message on its subject (by stream sequence), as far as this replica knows. */
  private readonly lastOnSubject = new Map<string, { readonly sequence: number; readonly version: bigint }>();

  constructor(private readonly options: ChainPublicationsOptions) {}

  /** Chunks fit the server's announced max_payload. */
  fitTo(maxPayload: number): void {
    this.chunkSize = chunkSizeFor(maxPayload);
  }

  /** The last message on the symbol's subject that this replica's store reflects; 0 for none. */
  reflectedSequence(symbol: string): number {
    return this.reflected.get(symbol) ?? 0;
  }

  /** The store reflects the subject up to `sequence` (never goes back). */
  advance(symbol: string, sequence: number): void {
    if (sequence > this.reflectedSequence(symbol)) this.reflected.set(symbol, sequence);
  }

  /** The stream is new: nothing on it is reflected yet, and no whole chain is on it. */
  forget(): void {
    this.reflected.clear();
    this.lastWholeAt.clear();
    this.wholeMissed.clear();
    this.lastOnSubject.clear();
  }

  /** A complete version (a delta, or a whole chain's last chunk) at `sequence` on the symbol's subject. */
  noteOnSubject(symbol: string, sequence: number, version: bigint): void {
    const last = this.lastOnSubject.get(symbol);
    if (!last || sequence > last.sequence) this.lastOnSubject.set(symbol, { sequence, version });
  }

  /**
   * Whether a delta onto `base` continues the subject: its last version is the base. When it is
   * not (after NATS lost its store, a lagging replica may have republished an older whole chain
   * first), a replica reading the subject from its start would hold that older version and skip
   * every delta until the next whole chain; the version goes out whole instead.
   */
  continuesSubject(symbol: string, base: bigint): boolean {
    return this.lastOnSubject.get(symbol)?.version === base;
  }

  /** Whether a change goes out as its delta: a merge onto the version before it, small beside the chain. */
  goesAsDelta(version: bigint, chainBytes: Uint8Array, delta: ChainDelta | undefined): delta is ChainDelta {
    return delta !== undefined && delta.base + 1n === version && delta.sentBytes.length <= chainBytes.length * MAX_DELTA_FRACTION;
  }

  /** Whether a version published as a delta must be followed by its whole chain. */
  wholeDue(symbol: string, version: bigint): boolean {
    return this.wholeMissed.has(symbol) || version % WHOLE_CHAIN_EVERY === 0n || Date.now() - (this.lastWholeAt.get(symbol) ?? 0) > WHOLE_CHAIN_MAX_AGE_MS;
  }

  /** A whole chain of the symbol went on the stream (this replica's or another's). */
  noteWhole(symbol: string): void {
    this.lastWholeAt.set(symbol, Date.now());
    this.wholeMissed.delete(symbol);
  }

  /** One message: what a MERGE sent, expecting the subject's last message to be its base's. */
  async delta(js: JetStreamClient, symbol: string, version: bigint, delta: ChainDelta): Promise<void> {
    const header = { version, index: 0, count: 1, publisher: this.options.replicaId, publishedAt: Date.now(), base: delta.base };
    const ack = await js.publish(subjectOf(symbol), delta.sentBytes, {
      headers: chunkHeaders(header),
      msgID: chunkMessageId(symbol, header),
      expect: { lastSubjectSequence: this.reflectedSequence(symbol) },
      timeout: PUBLISH_TIMEOUT_MS,
    });
    this.advance(symbol, ack.seq);
    this.noteOnSubject(symbol, ack.seq, version);
    this.options.metrics.published.inc();
    this.options.metrics.deltasPublished.inc();
    this.options.logger.debug(
      { symbol, version: String(version), base: String(delta.base), bytes: delta.sentBytes.length, reason: "new" },
      "chain version published",
    );
  }

  /**
   * A version as its whole chain, expecting the subject's last message to be `after` (by
   * default the one this replica's store reflects).
   */
  async whole(
    js: JetStreamClient,
    symbol: string,
    version: bigint,
    chainBytes: Uint8Array,
    reason: "new" | "queued" | "republished",
    after = this.reflectedSequence(symbol),
  ): Promise<void> {
    const chunks = await this.chunks(js, symbol, version, chainBytes, after);
    this.noteWhole(symbol);
    this.options.metrics.published.inc();
    this.options.logger.debug({ symbol, version: String(version), chunks, reason }, "chain version published");
  }

  /**
   * The whole chain of a version just published as a delta, for replicas without its base.
   * The version is out already: when this fails (another replica published the next version
   * meanwhile, or NATS refused), the whole chain follows this replica's next delta instead of
   * the 50th after, unless a whole chain of the symbol comes on the stream before.
   */
  async wholeAfterDelta(js: JetStreamClient, symbol: string, version: bigint, chainBytes: Uint8Array): Promise<void> {
    try {
      await this.chunks(js, symbol, version, chainBytes, this.reflectedSequence(symbol));
      this.noteWhole(symbol);
    } catch (error) {
      this.wholeMissed.add(symbol);
      if (!isConflict(error)) this.options.logger.warn({ err: error, symbol, version: String(version) }, "whole chain after a delta not published");
    }
  }

  /** The first chunk expecting `after` last on the subject, each next one the chunk before; how many chunks. */
  private async chunks(js: JetStreamClient, symbol: string, version: bigint, chainBytes: Uint8Array, after: number): Promise<number> {
    const chunks = splitIntoChunks(chainBytes, this.chunkSize);
    const publishedAt = Date.now();
    let expected = after;
    for (const [index, chunk] of chunks.entries()) {
      const header = { version, index, count: chunks.length, publisher: this.options.replicaId, publishedAt };
      const ack = await js.publish(subjectOf(symbol), chunk, {
        headers: chunkHeaders(header),
        msgID: chunkMessageId(symbol, header),
        expect: { lastSubjectSequence: expected },
        timeout: PUBLISH_TIMEOUT_MS,
      });
      expected = ack.seq;
      this.options.metrics.chunks.inc({ direction: "published" });
    }
    this.advance(symbol, expected);
    this.noteOnSubject(symbol, expected, version);
    return chunks.length;
  }
}
