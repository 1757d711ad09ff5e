// A live table: WatchSpreads (one symbol) or WatchUniverse (several, or a watchlist, over one
// stream) through the gateway, each message's full top N shown with the spreads it added marked,
// and the market data state in the banner. One watch at a time: a new scan or watch, or Stop,
// ends the one before.
import type { SpreadsUpdate } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { MarketDataStatus, WatchUniverseResponse } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { coordinator } from "./coordinator.js";
import type { ScanRequestInit } from "./scan-form.js";
import type { UniverseRequest } from "./scope.js";

/** Fewest milliseconds between two messages: a table a person reads, not a ticker. */
const WATCH_INTERVAL_MS = 1000;

export interface WatchView {
  update(update: SpreadsUpdate): void;
  status(status: MarketDataStatus): void;
}

let running: AbortController | undefined;

export function stopWatch(): void {
  running?.abort();
  running = undefined;
}

/** Reads a stream until it ends or is stopped; rejects with the call's error (a refused query, the coordinator gone). */
async function follow<Message>(open: (signal: AbortSignal) => AsyncIterable<Message>, each: (message: Message) => void): Promise<void> {
  stopWatch();
  const abort = new AbortController();
  running = abort;
  try {
    for await (const message of open(abort.signal)) each(message);
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    if (running === abort) running = undefined;
  }
}

export function watch(request: ScanRequestInit, view: WatchView): Promise<void> {
  return follow(
    (signal) => coordinator.watchSpreads({ symbol: request.symbol, query: request.query, minIntervalMs: WATCH_INTERVAL_MS }, { signal }),
    (message) => {
      if (message.status) view.status(message.status);
      if (message.update) view.update(message.update);
    },
  );
}

/** Each message carries the whole merged top N and every symbol's state: the view shows it as it is. */
export function watchUniverse(request: UniverseRequest, show: (message: WatchUniverseResponse) => void): Promise<void> {
  return follow((signal) => coordinator.watchUniverse({ ...request, minIntervalMs: WATCH_INTERVAL_MS }, { signal }), show);
}
