// What the chain bus puts on NATS: one JetStream stream, one subject per symbol, and the
// headers each chunk of a chain version carries.
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { injectTraceContext } from "./chain-spans.js";
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { ChunkPlace } from "./chunks.js";

export const STREAM_NAME = "SPREADSCAN_CHAINS";
const SUBJECT_PREFIX = "spreadscan.chains.";
export const ALL_SUBJECTS = `${SUBJECT_PREFIX}>`;

/**
 * The stream's caps. On file, so that a NATS restarted on its store keeps what it had. The
 * stream keeps at most 256 MiB (the bound that binds: seconds of history for a feed's hot
 * symbol at 10 versions/s of 1-2 MB, enough for a replica that reconnects, or lags behind a
 * burst of versions published on NATS's return, to read on without a gap), a symbol at most
 * 256 chunks, and nothing older than ten minutes (chains expire from the replicas after
 * CACHE_TTL, five minutes by default).
 */
export const STREAM_LIMITS = {
  maxBytes: 256 * 1024 * 1024,
  maxAgeMs: 10 * 60_000,
  maxChunksPerSymbol: 256,
  /** Retried publishes within this window are told apart from new ones by their message id. */
  duplicateWindowMs: 2 * 60_000,
} as const;

export function streamConfig(): Partial<StreamConfig> & { name: string } {
  return {
    name: STREAM_NAME,
    subjects: [ALL_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_bytes: STREAM_LIMITS.maxBytes,
    max_age: STREAM_LIMITS.maxAgeMs * 1_000_000,
    max_msgs_per_subject: STREAM_LIMITS.maxChunksPerSymbol,
    duplicate_window: STREAM_LIMITS.duplicateWindowMs * 1_000_000,
    num_replicas: 1,
    // A subject's last message is read with a direct get (see subjectTip): nats-server 2.9.10
    // (Debian's) crashes on a STREAM.MSG.GET that arrives while the stream is being made,
    // which is when replicas look after NATS lost its store.
    allow_direct: true,
  };
}

/** The chain stream, made when NATS has none (a first start, or a store lost). */
export async function ensureChainStream(jsm: JetStreamManager): Promise<{ created: string; state: { last_seq: number } }> {
  try {
    const info = await jsm.streams.info(STREAM_NAME);
    // A stream made before direct gets were used: allowed now (the only setting that changed).
    return info.config.allow_direct ? info : await jsm.streams.update(STREAM_NAME, { ...info.config, allow_direct: true });
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
  }
  try {
    return await jsm.streams.add(streamConfig());
  } catch {
    // Another replica made it at the same moment.
    return await jsm.streams.info(STREAM_NAME);
  }
}

// Tickers hold letters, digits and dots; a dot separates a subject's tokens, so it travels as
// an underscore, which no ticker holds.
export function subjectOf(symbol: string): string {
  return SUBJECT_PREFIX + symbol.replaceAll(".", "_");
}

export function symbolOf(subject: string): string | undefined {
  return subject.startsWith(SUBJECT_PREFIX) ? subject.slice(SUBJECT_PREFIX.length).replaceAll("_", ".") : undefined;
}

const VERSION = "Spreadscan-Version";
const CHUNK = "Spreadscan-Chunk";
const PUBLISHER = "Spreadscan-Publisher";
const PUBLISHED_AT = "Spreadscan-Published-At";
const BASE = "Spreadscan-Delta-Base";

/** What each chunk says of itself. */
export interface ChunkHeader extends ChunkPlace {
  /** The replica that published the version. */
  readonly publisher: string;
  /** When the version's publication began, epoch milliseconds (for publish → applied). */
  readonly publishedAt: number;
  /**
   * Set on a delta: the message holds the quotes a MERGE sent (one chunk, "0/1"), to merge
   * onto this version of the symbol's chain. Absent: the message is a chunk of the whole chain.
   */
  readonly base?: bigint;
}

export function chunkHeaders(header: ChunkHeader): MsgHdrs {
  const headers = natsHeaders();
  headers.set(VERSION, String(header.version));
  headers.set(CHUNK, `${header.index}/${header.count}`);
  headers.set(PUBLISHER, header.publisher);
  headers.set(PUBLISHED_AT, String(header.publishedAt));
  if (header.base !== undefined) headers.set(BASE, String(header.base));
  // The publication's trace context, for the replicas' chain.apply spans (chain-spans.ts).
  injectTraceContext(headers);
  return headers;
}

/** The chunk's header, or undefined when the message is not one of ours. */
export function parseChunkHeader(headers: MsgHdrs | undefined): ChunkHeader | undefined {
  const chunk = /^(\d+)\/(\d+)$/.exec(headers?.get(CHUNK) ?? "");
  const version = headers?.get(VERSION) ?? "";
  if (!headers || !chunk || !/^\d+$/.test(version)) return undefined;
  const index = Number(chunk[1]);
  const count = Number(chunk[2]);
  if (count < 1 || index >= count) return undefined;
  const base = headers.get(BASE);
  const parsed = { version: BigInt(version), index, count, publisher: headers.get(PUBLISHER), publishedAt: Number(headers.get(PUBLISHED_AT)) || 0 };
  if (!base) return parsed;
  // A delta is one message, on a base before its version.
  if (!/^\d+$/.test(base) || count !== 1 || BigInt(base) >= parsed.version) return undefined;
  return { ...parsed, base: BigInt(base) };
}

/** The id JetStream tells a retried publication of the same chunk by (a version's delta and its whole chain apart). */
export function chunkMessageId(symbol: string, header: ChunkHeader): string {
  const kind = header.base === undefined ? `${header.index}/${header.count}` : `delta@${header.base}`;
  return `${symbol}:${header.version}:${kind}:${header.publisher}`;
}

/** The last message on a symbol's subject. */
export interface SubjectTip {
  readonly sequence: number;
  readonly version: bigint;
  /** It completes its version: a delta, or a whole chain's last chunk. */
  readonly complete: boolean;
}

/**
 * Read with a direct get, never STREAM.MSG.GET: nats-server 2.9.10 registers a new stream
 * before its store exists, and a STREAM.MSG.GET arriving then dereferences the missing store
 * and crashes the server (seen when replicas republish on a stream another replica is making).
 * A direct get is answered by the stream itself, once it is made.
 */
export async function subjectTip(jsm: JetStreamManager, symbol: string): Promise<SubjectTip | undefined> {
  const last = await jsm.direct.getMessage(STREAM_NAME, { last_by_subj: subjectOf(symbol) });
  if (!last) return undefined;
  const header = parseChunkHeader(last.header);
  return { sequence: last.seq, version: header?.version ?? 0n, complete: header !== undefined && header.index + 1 === header.count };
}
