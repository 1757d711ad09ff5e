// WatchUniverse: the live merged top N of many symbols. Each symbol is watched as WatchSpreads
// watches it (SpreadFeeds.watch: one market data feed per symbol, shared with every other
// watcher of it); the latest top N of each is kept (watch-universe-board.ts) and merged. The
// first message goes once every symbol has its first top N or has failed; after it, a message
// whenever what the caller sees changes, at most one per interval. While a message waits for
// the caller to drain, or for the interval, the feeds' updates only overwrite each symbol's
// latest: the next message is made from the newest, nothing queues.
//
// A symbol whose feed ends (an unknown symbol, a scanner gone for long) shows FAILED and the
// others go on; the watch ends when the caller cancels, on shutdown (UNAVAILABLE, as
// WatchSpreads), or when every symbol has failed.
import { setTimeout as sleep } from "node:timers/promises";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { WatchUniverseRequest, WatchUniverseResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { RpcError, unavailable } from "../../common/errors.js";
import type { CallContext, StreamSink } from "../../common/handlers.js";
import { unlessAborted } from "../../common/unless-aborted.js";
import { asRpcError } from "../scan-request.js";
import type { SpreadFeeds } from "../spread-feeds.js";
import type { WatchlistLookup } from "../watchlists/watchlist-lookup.js";
import { UniverseBoard } from "./watch-universe-board.js";
import { validWatchUniverseRequest, watchableSymbols } from "./watch-universe-request.js";
import { watchlistSymbols } from "./universe-scan.js";

/** Fewest milliseconds between two messages when the request leaves it 0: the scanner's own default for a watch. */
export const DEFAULT_UNIVERSE_INTERVAL_MS = 250;

export interface UniverseWatchParts {
  readonly feeds: Pick<SpreadFeeds, "watch" | "stopping">;
  /** Where a named watchlist is read; absent while the coordinator keeps none (a watchlist request is then UNIMPLEMENTED). */
  readonly watchlists: WatchlistLookup | undefined;
}

/** Wakes the sender when a feed brought news; news that comes while it is busy waits as one flag. */
class Wakeup {
  private pending = false;
  private wake: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  async next(signal: AbortSignal): Promise<void> {
    if (!this.pending) await unlessAborted(new Promise<void>((resolve) => (this.wake = resolve)), signal);
    this.wake = undefined;
    this.pending = false;
  }
}

export async function watchUniverse(
  parts: UniverseWatchParts,
  request: WatchUniverseRequest,
  sink: StreamSink<WatchUniverseResponse>,
  context: Pick<CallContext, "caller" | "signal" | "logger">,
): Promise<void> {
  const valid = validWatchUniverseRequest(request);
  const symbols = valid.symbols ?? watchableSymbols(valid.watchlist ?? "", await watchlistSymbols(parts.watchlists, valid.watchlist ?? "", context));
  const intervalMs = valid.minIntervalMs > 0 ? valid.minIntervalMs : DEFAULT_UNIVERSE_INTERVAL_MS;
  // Each symbol's top N need not be longer than what of it can rank: the merged limit, or its cap.
  const perSymbol = valid.perSymbolLimit > 0 ? Math.min(valid.perSymbolLimit, valid.limit) : valid.limit;
  const query = ScanQuery.fromPartial({ ...valid.query.query, limit: perSymbol });
  const board = new UniverseBoard(symbols, valid);
  const wakeup = new Wakeup();
  const done = new AbortController();
  const feedSignal = AbortSignal.any([context.signal, done.signal]);
  const signal = AbortSignal.any([context.signal, parts.feeds.stopping]);

  const feeds = symbols.map((symbol, index) =>
    parts.feeds
      .watch(symbol, query, valid.minIntervalMs, feedSignal, (message) => {
        board.observe(index, message);
        wakeup.notify();
        return Promise.resolve();
      })
      // A feed's watch returns only once stopped; one that ends by itself (a scanner closing the stream
      // without a status) has no more news for its symbol, which must not look live.
      .then(() => {
        throw unavailable(`the live feed of ${symbol} ended`);
      })
      .catch((error: unknown) => {
        // The watch's own end (the caller gone, the shutdown) is not the symbol's failure.
        if (feedSignal.aborted || parts.feeds.stopping.aborted) return;
        if (!(error instanceof RpcError)) context.logger.error({ err: error, symbol }, "a universe watch's symbol failed unexpectedly");
        else context.logger.info({ symbol, code: error.code, reason: error.message }, "a universe watch's symbol failed; the others go on");
        board.fail(index, asRpcError(error));
        wakeup.notify();
      }),
  );

  let sequence = 0n;
  let sentIds: readonly string[] = [];
  let sentFingerprint: Buffer | undefined;
  try {
    for (;;) {
      await wakeup.next(signal);
      const everyFailed = board.everyFailed();
      if (everyFailed) throw everyFailed;
      if (sequence === 0n && !board.complete) continue;
      const view = board.view();
      if (sentFingerprint?.equals(view.fingerprint)) continue;
      const ids = view.spreads.map((spread) => spread.id);
      const previous = new Set(sentIds);
      const current = new Set(ids);
      sequence += 1n;
      await sink.send({
        sequence,
        initial: sequence === 1n,
        spreads: view.spreads,
        // As WatchSpreads: the snapshot adds every id, there being no previous message.
        addedIds: ids.filter((id) => !previous.has(id)),
        removedIds: sentIds.filter((id) => !current.has(id)),
        symbols: view.symbols,
        marketData: view.marketData,
        updateTime: new Date(),
      });
      sentIds = ids;
      sentFingerprint = view.fingerprint;
      await sleep(intervalMs, undefined, { signal }).catch((error: unknown) => {
        throw signal.aborted ? (signal.reason as Error) : error;
      });
    }
  } finally {
    done.abort();
    await Promise.all(feeds);
  }
}
