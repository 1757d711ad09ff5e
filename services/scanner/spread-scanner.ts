// The scanner's domain: the chain store, the result cache shared by scans and watchers, and
// the watch loop; the scans themselves run on the worker pool. gRPC stays in
// scanner-service.ts; this file speaks messages and errors.
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult, SpreadsUpdate } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { invalidArgument, notFound, unavailable, type RpcError } from "../common/errors.js";
import { chainViolations, EngineInputError, normalizedQueryKey, prepareChain, resolveQuery, type PreparedChain } from "../engine/index.js";
import { sharePreparedChain, type SharedPreparedChain } from "../engine/shared-prepared-chain.js";
import type { ChainStore, PlannedUpdate, StoredChain } from "./chain-store.js";
import { encodedSpreads, idChanges } from "./encoded-results.js";
import type { Admission, ScanPool } from "./scan-pool.js";
import type { ScannerMetrics } from "./scanner-metrics.js";
import { SymbolQueue } from "./symbol-queue.js";
import { isUndecodableChain } from "./undecodable-chain.js";
import { activeTraceCarrier, inWorkerSpan } from "./worker-spans.js";

/**
 * The engine's refusal as the gRPC answer it calls for: one BadRequest violation per field.
 * Refusals on the pool's threads arrive converted already; these are the main thread's own
 * checks (the query before it is sent, the chain before it is prepared).
 */
function asInvalidArgument(error: unknown): unknown {
  return error instanceof EngineInputError ? invalidArgument(error.violations) : error;
}

function preparedOrRefused(chain: OptionChain): PreparedChain {
  try {
    // A stored chain is prepared here, on the main thread, inside the UpdateChain call's span.
    return inWorkerSpan(
      "engine.prepare",
      activeTraceCarrier(),
      () => prepareChain(chain),
      () => ({ "engine.contracts": chain.quotes.length }),
    );
  } catch (error) {
    throw error instanceof EngineInputError ? error.under("chain.") : error;
  }
}

/** The time a watch paces its messages by. */
export interface WatchClock {
  /** Milliseconds. */
  now(): number;
  /** Settles after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/**
 * Where a replica of a fleet publishes its changes (the chain bus): "published" when the bus
 * took `version` as the symbol's next, "queued" when the bus is down and will publish it on its
 * return (the change is committed here meanwhile), "conflict" when another replica published
 * the symbol's next version first.
 */
export interface ChainReplication {
  /** `delta`, when the change is a merge onto the version before it: what was sent, which the bus may publish instead of the whole chain. */
  publish(symbol: string, version: bigint, chainBytes: Uint8Array, delta?: ChainDelta): Promise<"published" | "queued" | "conflict">;
  /** Settles once this replica holds the latest version the bus has of the symbol (or gives up waiting). */
  catchUp(symbol: string): Promise<void>;
  /** Settles once a replica that just started has read what the bus held (bounded). */
  ready(): Promise<void>;
}

/** A MERGE as sent: its quotes' bytes (an OptionChain), to merge onto version `base` of the symbol's chain. */
export interface ChainDelta {
  readonly base: bigint;
  readonly sentBytes: Uint8Array;
}

/** Conflicts an update may meet (other replicas publishing the same symbol) before it is refused UNAVAILABLE. */
const MAX_PUBLISH_CONFLICTS = 5;

const SYSTEM_CLOCK: WatchClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

export interface SpreadScannerOptions {
  readonly store: ChainStore;
  readonly pool: ScanPool;
  readonly metrics: ScannerMetrics;
  /** Scan results kept for reuse, entries. */
  readonly resultCacheEntries: number;
  /** Used when a watcher asks for 0, milliseconds. */
  readonly defaultWatchIntervalMs: number;
  /** The wall clock unless given (tests move their own). */
  readonly clock?: WatchClock;
}

export class SpreadScanner {
  // Promises, so that watchers and scans asking for the same version and query while it is
  // being evaluated share that one evaluation.
  private readonly results: LRUCache<string, Promise<ScanResult>>;
  private readonly shutdown = new AbortController();
  /** One update of a symbol at a time: this replica's own, and those from the chain bus (replicated-chains.ts). */
  readonly updating = new SymbolQueue();
  private preparations = 0;
  private replication: ChainReplication | undefined;

  // The cached results' keys by symbol: a new version makes the older ones useless, since
  // every scan and watch reads the latest, so they go at once rather than when the LRU
  // gets round to them.
  private readonly cachedKeys = new Map<string, Set<string>>();

  constructor(private readonly options: SpreadScannerOptions) {
    this.results = new LRUCache({
      max: options.resultCacheEntries,
      dispose: (_result, cacheKey) => {
        const symbol = cacheKey.slice(0, cacheKey.indexOf("\u0000"));
        const keys = this.cachedKeys.get(symbol);
        keys?.delete(cacheKey);
        if (keys?.size === 0) this.cachedKeys.delete(symbol);
      },
    });
    options.store.events.on("updated", (stored: StoredChain) => this.forgetOlderResults(stored));
    options.metrics.countCachedResults(() => this.results.size);
    // Every watch listens for the shutdown: their number is bounded by the service, not here.
    setMaxListeners(0, this.shutdown.signal);
  }

  private forgetOlderResults(stored: StoredChain): void {
    const current = resultKeyPrefix(stored);
    for (const cacheKey of [...(this.cachedKeys.get(stored.symbol) ?? [])]) {
      if (!cacheKey.startsWith(current)) this.results.delete(cacheKey);
    }
  }

  /**
   * Scans an inline chain (never cached: it has no version); stops with `signal`. `sent` is
   * the chain's bytes as they arrived, when known: the thread decodes those, unless the chain
   * named another symbol (or none) and must be encoded again under `symbol`.
   */
  scanInline(symbol: string, chain: OptionChain, query: ScanQuery | undefined, signal: AbortSignal, sent?: Uint8Array): Promise<ScanResult> {
    return this.measured(async () => {
      this.validatedQueryKey(query);
      // Checked here as well as on the thread: a chain the thread would refuse may not even
      // encode (an as_of past JavaScript's dates), and sending it costs a copy for nothing.
      const violations = chainViolations(chain);
      if (violations.length > 0) throw invalidArgument(new EngineInputError(violations).under("chain.").violations);
      const encoded = (): Uint8Array => OptionChain.encode({ ...chain, symbol }).finish();
      // A copy of the sent bytes, so that the thread is sent the chain and not the whole request buffer it lies in.
      const useSent = sent !== undefined && chain.symbol === symbol;
      let result: ScanResult;
      try {
        result = await this.options.pool.scanInline(useSent ? sent.slice() : encoded(), query, signal);
      } catch (error) {
        // Bytes that decode only inside their request (undecodable-chain.ts): scan the chain as the request's decoder read it.
        if (!useSent || !isUndecodableChain(error)) throw error;
        result = await this.options.pool.scanInline(encoded(), query, signal);
      }
      this.recordEvaluation(result);
      return result;
    });
  }

  /** Scans the latest chain stored for the symbol, from the result cache when it has this version and query. */
  scanStored(symbol: string, query: ScanQuery | undefined): Promise<ScanResult> {
    return this.measured(async () => {
      const stored = this.storedOrNotFound(symbol);
      const { result, hit } = this.resultFor(stored, query, this.validatedQueryKey(query), "limited");
      if (hit) this.options.metrics.cacheHit();
      return result;
    });
  }

  /**
   * Stores or merges a chain (`sentBytes`: the chain as it arrived, when known). Updates of
   * one symbol run one after another, so that a merge always starts from the version before it.
   */
  update(symbol: string, chain: OptionChain, mode: UpdateMode, sentBytes?: Uint8Array): Promise<{ stored: StoredChain; changed: boolean }> {
    const replication = this.replication;
    if (replication) return this.updateReplicated(replication, symbol, chain, mode, sentBytes);
    return this.updating.run(symbol, () => this.applyUpdate(symbol, chain, mode, sentBytes));
  }

  /** From now on, changes are published through `replication` before they are committed (NATS_URL). */
  replicateThrough(replication: ChainReplication): void {
    this.replication = replication;
  }

  /**
   * An update on a replica of a fleet: planned on the latest version this replica holds, and
   * committed only once the bus took it as the next version. When another replica published
   * first (a conflict), this one waits to hold that version, then plans again on top of it.
   */
  private async updateReplicated(
    replication: ChainReplication,
    symbol: string,
    chain: OptionChain,
    mode: UpdateMode,
    sentBytes: Uint8Array | undefined,
  ): Promise<{ stored: StoredChain; changed: boolean }> {
    await replication.ready();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.updating.run(symbol, async () => {
        const base = this.options.store.get(symbol);
        const planned = this.plannedOrRefused(symbol, chain, mode, sentBytes);
        if ("unchanged" in planned) return { stored: planned.unchanged, changed: false };
        const version = this.options.store.latestVersion(symbol) + 1n;
        const prepared = this.prepared(symbol, planned.chain);
        // A merge onto the version before it: the other replicas can make the same merge from what was sent.
        const merged = mode === UpdateMode.UPDATE_MODE_MERGE && base !== undefined && base.version + 1n === version;
        const delta = merged ? { base: base.version, sentBytes: sentBytes ?? OptionChain.encode(chain).finish() } : undefined;
        if ((await replication.publish(symbol, version, planned.fingerprint, delta)) === "conflict") return "conflict";
        return { stored: this.options.store.commit(planned, prepared, version), changed: true };
      });
      if (outcome !== "conflict") return outcome;
      if (attempt >= MAX_PUBLISH_CONFLICTS) throw unavailable(`chain updates of ${symbol} keep arriving through other replicas: try again`, 100);
      await replication.catchUp(symbol);
    }
  }

  private applyUpdate(symbol: string, chain: OptionChain, mode: UpdateMode, sentBytes: Uint8Array | undefined): { stored: StoredChain; changed: boolean } {
    const planned = this.plannedOrRefused(symbol, chain, mode, sentBytes);
    if ("unchanged" in planned) return { stored: planned.unchanged, changed: false };
    return { stored: this.options.store.commit(planned, this.prepared(symbol, planned.chain)), changed: true };
  }

  private plannedOrRefused(symbol: string, chain: OptionChain, mode: UpdateMode, sentBytes: Uint8Array | undefined): PlannedUpdate {
    try {
      return this.options.store.plan(symbol, chain, mode, sentBytes);
    } catch (error) {
      throw asInvalidArgument(error);
    }
  }

  // Here rather than on the pool: preparing the decoded chain costs a fraction of decoding
  // it again on a worker. A key of its own: the version is only given when it is committed.
  private prepared(symbol: string, chain: OptionChain): SharedPreparedChain {
    try {
      this.preparations++;
      return sharePreparedChain(preparedOrRefused(chain), `${symbol}#${this.preparations}`);
    } catch (error) {
      throw asInvalidArgument(error);
    }
  }

  /**
   * Streams the top N of a query on a symbol's stored chain: a snapshot first, then, after
   * chain updates, a message whenever the top N differs from the last one sent, at most one
   * per interval. Updates that arrive while a message waits for its interval or for the
   * transport to drain are coalesced: the latest chain wins, so memory stays bounded
   * however slowly the watcher reads. Ends when `signal` aborts, or with UNAVAILABLE when
   * the scanner shuts down.
   */
  async watch(
    symbol: string,
    query: ScanQuery | undefined,
    minIntervalMs: number,
    signal: AbortSignal,
    send: (update: SpreadsUpdate) => Promise<void>,
  ): Promise<void> {
    const key = this.validatedQueryKey(query);
    const interval = minIntervalMs > 0 ? minIntervalMs : this.options.defaultWatchIntervalMs;
    const stop = new WatchStop([signal, this.shutdown.signal]);
    const { store, metrics, clock = SYSTEM_CLOCK } = this.options;
    // Set by chain updates, cleared when the latest is taken: one pending state at most.
    const updates = { pending: false, wake: undefined as (() => void) | undefined };
    const onUpdate = (stored: StoredChain): void => {
      if (stored.symbol !== symbol) return;
      if (updates.pending) metrics.coalescedUpdates.inc();
      updates.pending = true;
      updates.wake?.();
    };
    store.events.on("updated", onUpdate);
    metrics.watcherOpened();
    try {
      let sequence = 0n;
      let sent: ScanResult | undefined;
      let sentAt = 0;
      const publish = async (result: ScanResult, initial: boolean): Promise<void> => {
        const { added, removed } = idChanges(sent, result);
        sequence++;
        await send({ sequence, initial, result, addedIds: [...added], removedIds: [...removed] });
        metrics.streamMessages.inc();
        sent = result;
        sentAt = clock.now();
      };

      const first = await stop.unlessStopped(this.resultFor(this.storedOrNotFound(symbol), query, key, "unlimited").result);
      await stop.unlessStopped(publish(first, true));
      for (;;) {
        if (!updates.pending) await stop.unlessStopped(new Promise<void>((resolve) => (updates.wake = resolve)));
        const wait = sentAt + interval - clock.now();
        // A stop ends the wait early; the timer itself is short.
        if (wait > 0) await stop.unlessStopped(clock.sleep(wait));
        updates.pending = false;
        const stored = store.get(symbol);
        if (!stored) continue;
        const result = await stop.unlessStopped(this.resultFor(stored, query, key, "unlimited").result);
        // Only a different top N is news; a chain update that leaves it as it was sends nothing.
        if (!sent || !encodedSpreads(result).equals(encodedSpreads(sent))) await stop.unlessStopped(publish(result, false));
      }
    } finally {
      stop.dispose();
      store.events.off("updated", onUpdate);
      metrics.watcherClosed();
    }
  }

  /** Ends every watch with UNAVAILABLE, so that watchers reconnect to another scanner. */
  stopWatches(): void {
    this.shutdown.abort(unavailable("the scanner is shutting down; reconnect to resume from a fresh snapshot", 1000));
  }

  private storedOrNotFound(symbol: string): StoredChain {
    const stored = this.options.store.get(symbol);
    if (!stored) throw notFound(`no chain is stored for ${symbol}: send one with UpdateChain, or inline in the request`);
    return stored;
  }

  private validatedQueryKey(query: ScanQuery | undefined): string {
    try {
      resolveQuery(query);
    } catch (error) {
      throw asInvalidArgument(error instanceof EngineInputError ? error.under("query.") : error);
    }
    return normalizedQueryKey(query);
  }

  /**
   * The scan of a stored chain version for a query, evaluated once and shared. It runs to
   * completion whoever stops waiting for it: others may be waiting too, and it is cached.
   * A limited scan the pool has no room for throws before anything is cached.
   */
  private resultFor(stored: StoredChain, query: ScanQuery | undefined, queryKey: string, admission: Admission): { result: Promise<ScanResult>; hit: boolean } {
    const cacheKey = `${resultKeyPrefix(stored)}${queryKey}`;
    const cached = this.results.get(cacheKey);
    if (cached) return { result: cached, hit: true };
    const result = this.options.pool.scanStored(stored.prepared, query, stored.version, admission).then((scanned) => {
      this.recordEvaluation(scanned);
      return scanned;
    });
    this.results.set(cacheKey, result);
    const keys = this.cachedKeys.get(stored.symbol) ?? new Set<string>();
    this.cachedKeys.set(stored.symbol, keys.add(cacheKey));
    // A failure is not a result: the next asker tries again.
    result.catch(() => {
      if (this.results.get(cacheKey) === result) this.results.delete(cacheKey);
    });
    return { result, hit: false };
  }

  private recordEvaluation(result: ScanResult): void {
    const reachedEvaluation = result.candidatesConsidered - result.candidatesRejectedByLegFilters;
    this.options.metrics.evaluated(result.timings ? result.timings.evaluateMs / 1000 : 0, Number(reachedEvaluation));
  }

  private async measured(scan: () => Promise<ScanResult>): Promise<ScanResult> {
    this.options.metrics.scanStarted();
    let failed = true;
    try {
      const result = await scan();
      failed = false;
      return result;
    } finally {
      this.options.metrics.scanFinished({ failed });
    }
  }
}

/** What the result cache's keys of one stored chain version start with. */
function resultKeyPrefix(stored: StoredChain): string {
  return `${stored.symbol}\u0000${stored.version}\u0000`;
}

function stopReason(signal: AbortSignal): RpcError | Error {
  return signal.reason instanceof Error ? signal.reason : new Error("watch stopped");
}

/**
 * The end of one watch, by its caller or by the scanner's shutdown: each wait of the watch
 * ends early with the reason. One listener per signal for the watch's whole life, rather
 * than one per wait, since a watch waits a few times for every chain update.
 */
class WatchStop {
  private rejectWaiting: ((reason: unknown) => void) | undefined;
  private readonly onAbort = (): void => {
    const reject = this.rejectWaiting;
    this.rejectWaiting = undefined;
    reject?.(this.reason);
  };

  constructor(private readonly signals: readonly AbortSignal[]) {
    for (const signal of signals) signal.addEventListener("abort", this.onAbort, { once: true });
  }

  private get reason(): RpcError | Error | undefined {
    const aborted = this.signals.find((signal) => signal.aborted);
    return aborted ? stopReason(aborted) : undefined;
  }

  /** Waits for `work` (one wait at a time), or rejects with the reason the watch stopped. */
  unlessStopped<T>(work: Promise<T>): Promise<T> {
    const reason = this.reason;
    if (reason) return Promise.reject(reason);
    return new Promise<T>((resolve, reject) => {
      this.rejectWaiting = reject;
      work.then(resolve, reject);
    });
  }

  dispose(): void {
    for (const signal of this.signals) signal.removeEventListener("abort", this.onAbort);
  }
}
