// WatchAlerts: a saved scan's kept events after the caller's sequence, then each new one. New
// events are read from the database, the one record of them: at once when this coordinator
// wrote them (AlertSignals), and otherwise at the next poll, so that events another
// coordinator of the cluster wrote arrive within one poll interval.
import { status } from "@grpc/grpc-js";
import type { SavedScanServiceServer, WatchAlertsRequest, WatchAlertsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { notFound, RpcError } from "../../common/errors.js";
import { serverStreamHandler, type HandlerOptions, type StreamSink } from "../../common/handlers.js";
import { ownerOf } from "../owner.js";
import type { SavedScanLookup } from "../saved-scans/saved-scan-lookup.js";
import { watchlistNameOf } from "../watchlists/watchlist-input.js";
import type { AlertSignals } from "./alert-signals.js";
import { alertEventOf, type AlertStore, type SavedScanKey } from "./alert-store.js";

/** Events read from the database at once; a stream further behind reads again at once. */
const READ_BATCH = 100;

export interface WatchAlertsParts {
  readonly store: AlertStore;
  readonly savedScans: SavedScanLookup;
  readonly signals: AlertSignals;
  /** How often a stream looks for events other coordinators wrote, milliseconds. */
  readonly pollMs: number;
}

function outOfRange(after: number, prunedThrough: number): RpcError {
  return new RpcError(status.OUT_OF_RANGE, `events up to sequence ${prunedThrough} are past their retention and no longer kept`, {
    fieldViolations: [{ field: "after_sequence", description: `must be at least ${prunedThrough} (or 0 for every kept event); got ${after}` }],
  });
}

function deleted(name: string): RpcError {
  return notFound(`the saved scan ${JSON.stringify(name)} was deleted while this stream read its alerts`);
}

/** Resolves at the next local write of the saved scan's events, at the poll interval, or when the call ends. */
function nextWake(parts: WatchAlertsParts, key: SavedScanKey, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, parts.pollMs);
    const unsubscribe = parts.signals.subscribe(key, done);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function watchAlertsHandler(parts: WatchAlertsParts, options: HandlerOptions): SavedScanServiceServer["watchAlerts"] {
  return serverStreamHandler(
    "WatchAlerts",
    async (request: WatchAlertsRequest, sink: StreamSink<WatchAlertsResponse>, context) => {
      const name = watchlistNameOf(request.savedScan, "saved_scan");
      const key = { owner: ownerOf(context.caller), name };
      if (!(await parts.savedScans.get(key.owner, name))) throw notFound(`no saved scan named ${JSON.stringify(name)}`);
      const after = request.afterSequence > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(request.afterSequence);
      let cursor = after;
      let sent = false;
      let stateSeen = false;
      for (;;) {
        context.signal.throwIfAborted();
        // Read before the events: a prune between the two reads shows as a gap, caught below.
        const state = await parts.store.state(key);
        // Deleting the saved scan deletes its state (the foreign key's cascade); one created
        // again under the name starts its sequence again. Either ends this stream.
        if ((stateSeen && !state) || (sent && state && state.last_sequence < cursor)) throw deleted(name);
        stateSeen ||= state !== undefined;
        const prunedThrough = state?.pruned_through ?? 0;
        // 0 asks for whatever is kept; a later sequence asks for everything after it.
        if (cursor > 0 && cursor < prunedThrough) throw outOfRange(after, prunedThrough);
        const events = await parts.store.eventsAfter(key, cursor, READ_BATCH);
        for (const row of events) {
          if (cursor > 0 && row.sequence !== cursor + 1) throw outOfRange(after, row.sequence - 1);
          // Waits while the transport is full; rejects once the caller has gone.
          await sink.send({ event: alertEventOf(row) });
          cursor = row.sequence;
          sent = true;
        }
        if (events.length < READ_BATCH) await nextWake(parts, key, context.signal);
      }
    },
    options,
  );
}
