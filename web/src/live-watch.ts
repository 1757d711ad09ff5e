// A live table: WatchSpreads through the gateway, each message's full top N shown with the
// spreads it added marked, and the market data state in the banner. One watch at a time: a new
// scan or watch, or Stop, ends the one before.
import type { SpreadsUpdate } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { MarketDataStatus } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { coordinator } from "./coordinator.js";
import type { ScanRequestInit } from "./scan-form.js";

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

/** Runs until stopped; rejects with the call's error (a refused query, the coordinator gone). */
export async function watch(request: ScanRequestInit, view: WatchView): Promise<void> {
  stopWatch();
  const abort = new AbortController();
  running = abort;
  try {
    const stream = coordinator.watchSpreads({ symbol: request.symbol, query: request.query, minIntervalMs: WATCH_INTERVAL_MS }, { signal: abort.signal });
    for await (const message of stream) {
      if (message.status) view.status(message.status);
      if (message.update) view.update(message.update);
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    if (running === abort) running = undefined;
  }
}
