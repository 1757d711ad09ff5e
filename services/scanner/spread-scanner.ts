// The scanner's domain: the chain store, the result cache shared by scans and watchers, and
// the watch loop; the scans themselves run on the worker pool. gRPC stays in
// scanner-service.ts; this file speaks messages and errors.
import { setTimeout as sleep } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import type { ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult, SpreadsUpdate } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import type { UpdateMode } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { invalidArgument, notFound, unavailable, type RpcError } from "../common/errors.js";
import type { ChainStore, StoredChain } from "./chain-store.js";
import { EngineInputError, resolveQuery } from "./engine/index.js";
import { normalizedQueryKey } from "./query-key.js";
import type { ScanPool } from "./scan-pool.js";
import type { ScannerMetrics } from "./scanner-metrics.js";

/**
 * The engine's refusal as the gRPC answer it calls for: one BadRequest violation per field.
 * Refusals on the pool's threads arrive converted already; these are the main thread's own
 * checks (the query before it is sent, the chain before it is prepared).
 */
function asInvalidArgument(error: unknown): unknown {
  return error instanceof EngineInputError ? invalidArgument(error.violations) : error;
}

export interface SpreadScannerOptions {
  readonly store: ChainStore;
  readonly pool: ScanPool;
  readonly metrics: ScannerMetrics;
  /** Scan results kept for reuse, entries. */
  readonly resultCacheEntries: number;
  /** Used when a watcher asks for 0, milliseconds. */
  readonly defaultWatchIntervalMs: number;
}

export class SpreadScanner {
  // Promises, so that watchers and scans asking for the same version and query while it is
  // being evaluated share that one evaluation.
  private readonly results: LRUCache<string, Promise<ScanResult>>;
  private readonly shutdown = new AbortController();
  private readonly updating = new Map<string, Promise<void>>();
  private preparations = 0;

  constructor(private readonly options: SpreadScannerOptions) {
    this.results = new LRUCache({ max: options.resultCacheEntries });
  }

  /** Scans an inline chain (never cached: it has no version); stops with `signal`. */
  scanInline(symbol: string, chain: OptionChain, query: ScanQuery | undefined, signal: AbortSignal): Promise<ScanResult> {
    return this.measured(async () => {
      this.validatedQueryKey(query);
      const result = await this.options.pool.scan(OptionChain.encode({ ...chain, symbol }).finish(), query, 0n, signal);
      this.recordEvaluation(result);
      return result;
    });
  }

  /** Scans the latest chain stored for the symbol, from the result cache when it has this version and query. */
  scanStored(symbol: string, query: ScanQuery | undefined): Promise<ScanResult> {
    return this.measured(async () => {
      const stored = this.storedOrNotFound(symbol);
      const { result, hit } = this.resultFor(stored, query, this.validatedQueryKey(query));
      if (hit) this.options.metrics.cacheHit();
      return result;
    });
  }

  /**
   * Stores or merges a chain. Updates of one symbol run one after another, so that a merge
   * always starts from the version before it; the preparation runs on the pool.
   */
  update(symbol: string, chain: OptionChain, mode: UpdateMode): Promise<{ stored: StoredChain; changed: boolean }> {
    const previous = this.updating.get(symbol) ?? Promise.resolve();
    const next = previous.then(
      () => this.applyUpdate(symbol, chain, mode),
      () => this.applyUpdate(symbol, chain, mode),
    );
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.updating.set(symbol, settled);
    void settled.then(() => {
      if (this.updating.get(symbol) === settled) this.updating.delete(symbol);
    });
    return next;
  }

  private async applyUpdate(symbol: string, chain: OptionChain, mode: UpdateMode): Promise<{ stored: StoredChain; changed: boolean }> {
    try {
      const planned = this.options.store.plan(symbol, chain, mode);
      if ("unchanged" in planned) return { stored: planned.unchanged, changed: false };
      // A key of its own: the version is only given when it is committed.
      this.preparations++;
      const prepared = await this.options.pool.prepare(planned.encoded, `${symbol}#${this.preparations}`);
      return { stored: this.options.store.commit(planned, prepared), changed: true };
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
    const stopped = AbortSignal.any([signal, this.shutdown.signal]);
    const { store, metrics } = this.options;
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
      let sentIds: string[] = [];
      let sentSpreads: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const publish = async (result: ScanResult, initial: boolean): Promise<void> => {
        const ids = result.spreads.map((spread) => spread.id);
        const previous = new Set(sentIds);
        const current = new Set(ids);
        sequence++;
        await send({
          sequence,
          initial,
          result,
          addedIds: ids.filter((id) => !previous.has(id)),
          removedIds: sentIds.filter((id) => !current.has(id)),
        });
        metrics.streamMessages.inc();
        sentIds = ids;
        sentSpreads = encodeSpreads(result);
        sentAt = Date.now();
      };

      const first = await this.untilStopped(stopped, this.resultFor(this.storedOrNotFound(symbol), query, key).result);
      await this.untilStopped(stopped, publish(first, true));
      for (;;) {
        if (!updates.pending) await this.untilStopped(stopped, new Promise<void>((resolve) => (updates.wake = resolve)));
        const wait = sentAt + interval - Date.now();
        // The race below ends the wait when the watch stops; the timer itself is short.
        if (wait > 0) await this.untilStopped(stopped, sleep(wait));
        updates.pending = false;
        const stored = store.get(symbol);
        if (!stored) continue;
        const result = await this.untilStopped(stopped, this.resultFor(stored, query, key).result);
        // Only a different top N is news; a chain update that leaves it as it was sends nothing.
        if (!encodeSpreads(result).equals(sentSpreads)) await this.untilStopped(stopped, publish(result, false));
      }
    } finally {
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
   */
  private resultFor(stored: StoredChain, query: ScanQuery | undefined, queryKey: string): { result: Promise<ScanResult>; hit: boolean } {
    const cacheKey = `${stored.symbol}\u0000${stored.version}\u0000${queryKey}`;
    const cached = this.results.get(cacheKey);
    if (cached) return { result: cached, hit: true };
    const result = this.options.pool.scan(stored.prepared, query, stored.version).then((scanned) => {
      this.recordEvaluation(scanned);
      return scanned;
    });
    this.results.set(cacheKey, result);
    // A refusal (the pool full, say) is not a result: the next asker tries again.
    result.catch(() => {
      if (this.results.get(cacheKey) === result) this.results.delete(cacheKey);
    });
    return { result, hit: false };
  }

  private recordEvaluation(result: ScanResult): void {
    this.options.metrics.evaluated(result.timings ? result.timings.evaluateMs / 1000 : 0, Number(result.candidatesEvaluated));
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

  /** Waits for `work`, or rejects with the reason the watch was stopped. */
  private async untilStopped<T>(stopped: AbortSignal, work: Promise<T>): Promise<T> {
    if (stopped.aborted) throw stopReason(stopped);
    let onAbort: (() => void) | undefined;
    const abort = new Promise<never>((_, reject) => {
      onAbort = () => reject(stopReason(stopped));
      stopped.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([work, abort]);
    } finally {
      if (onAbort) stopped.removeEventListener("abort", onAbort);
    }
  }
}

function stopReason(signal: AbortSignal): RpcError | Error {
  return signal.reason instanceof Error ? signal.reason : new Error("watch stopped");
}

// Watchers with one query share one result object per version: encode its spreads once.
const encodedSpreads = new WeakMap<ScanResult, Buffer>();

/** A result's spreads in their wire form: equal bytes, equal top N. */
function encodeSpreads(result: ScanResult): Buffer {
  let encoded = encodedSpreads.get(result);
  if (!encoded) {
    encoded = Buffer.concat(result.spreads.map((spread) => Spread.encode(spread).finish()));
    encodedSpreads.set(result, encoded);
  }
  return encoded;
}
