// WatchSpreads' min_interval_ms on a clock the test moves: after the first message, at most one
// message per interval, measured from the last one sent; chain updates that arrive while a
// message waits are coalesced, and the latest wins. What the watch does next is read as one
// ordered stream of events (a sleep asked for, a message sent), so that nothing depends on
// how fast the machine is.
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { UpdateMode } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { ChainStore } from "../../../services/scanner/chain-store.js";
import { ScanPool } from "../../../services/scanner/scan-pool.js";
import { ScannerMetrics } from "../../../services/scanner/scanner-metrics.js";
import { SpreadScanner } from "../../../services/scanner/spread-scanner.js";
import { EventLog } from "../../support/event-log.js";
import { ManualClock } from "../../support/manual-clock.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 20, maxDte: 45, maxWidth: 5 }, limit: 5 });
const START_MS = 1_000_000;
const DEFAULT_INTERVAL_MS = 250;

type WatchEvent = { readonly kind: "sleep"; readonly ms: number } | { readonly kind: "message"; readonly update: SpreadsUpdate; readonly at: number };

/**
 * One turn of the event loop: the watch does its bookkeeping after a send (noting when it
 * sent) in promise callbacks only, all of which run before this resolves.
 */
const afterSend = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function watchedScanner() {
  const events = new EventLog<WatchEvent>();
  const clock = new ManualClock(START_MS, (ms) => events.push({ kind: "sleep", ms }));
  const registry = new Registry();
  const store = new ChainStore(3_600_000);
  const metrics = new ScannerMetrics(registry, () => store.size);
  const pool = new ScanPool({ maxConcurrentScans: 2, maxQueuedScans: 8, retryAfterMs: 500 });
  const scanner = new SpreadScanner({ store, pool, metrics, resultCacheEntries: 100, defaultWatchIntervalMs: DEFAULT_INTERVAL_MS, clock });
  const stop = new AbortController();
  cleanups.push(
    () => pool.close(),
    () => store.close(),
    () => stop.abort(new Error("test over")),
  );
  // Spots $2 apart: each chain has another top N, so every update is news.
  const update = async (spot: number): Promise<bigint> =>
    (await scanner.update("IWM", generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: AS_OF }), UpdateMode.UPDATE_MODE_REPLACE)).stored.version;
  const watch = (minIntervalMs: number): Promise<void> => {
    const watching = scanner.watch("IWM", QUERY, minIntervalMs, stop.signal, (message) => {
      events.push({ kind: "message", update: message, at: clock.now() });
      return Promise.resolve();
    });
    watching.catch(() => undefined);
    return watching;
  };
  const coalesced = async (): Promise<number> =>
    Number(/^spreadscan_updates_coalesced_total (\d+)$/m.exec(await registry.getSingleMetricAsString("spreadscan_updates_coalesced_total"))?.[1]);
  return { events, clock, update, watch, coalesced };
}

describe("WatchSpreads' min_interval_ms", () => {
  it("sends at most one message per interval after the first, the latest of the updates that arrived meanwhile", async () => {
    const { events, clock, update, watch, coalesced } = watchedScanner();
    const first = await update(230);
    void watch(1_000);
    expect(await events.next()).toMatchObject({ kind: "message", at: START_MS, update: { sequence: 1n, initial: true, result: { chainVersion: first } } });
    await afterSend();

    // 200 ms after it, an update: the watch waits out the rest of the interval instead of sending.
    clock.advance(200);
    const waitedFor = await update(232);
    expect(await events.next()).toEqual({ kind: "sleep", ms: 800 });
    // Two more while it waits: coalesced, nothing sent.
    await update(234);
    const latest = await update(236);
    expect(latest).toBe(waitedFor + 2n);
    expect(await coalesced()).toBe(2);
    expect(events.unread).toBe(0);

    // At the end of the interval, one message: the latest chain's, changes counted from the first message.
    clock.advance(800);
    const second = await events.next();
    expect(second).toMatchObject({ kind: "message", at: START_MS + 1_000, update: { sequence: 2n, initial: false, result: { chainVersion: latest } } });
    await afterSend();

    // The next interval runs from that message: an update 100 ms later waits 900 ms.
    clock.advance(100);
    const third = await update(238);
    expect(await events.next()).toEqual({ kind: "sleep", ms: 900 });
    clock.advance(900);
    expect(await events.next()).toMatchObject({ kind: "message", at: START_MS + 2_000, update: { sequence: 3n, result: { chainVersion: third } } });
    await afterSend();

    // An update after a quiet spell longer than the interval goes out at once.
    clock.advance(5_000);
    const fourth = await update(240);
    expect(await events.next()).toMatchObject({ kind: "message", at: START_MS + 7_000, update: { sequence: 4n, result: { chainVersion: fourth } } });
    expect(events.unread).toBe(0);
  });

  it("takes the scanner's default interval when asked for 0", async () => {
    const { events, clock, update, watch } = watchedScanner();
    await update(230);
    void watch(0);
    expect(await events.next()).toMatchObject({ kind: "message", update: { sequence: 1n } });
    await afterSend();
    clock.advance(50);
    const next = await update(232);
    expect(await events.next()).toEqual({ kind: "sleep", ms: DEFAULT_INTERVAL_MS - 50 });
    clock.advance(DEFAULT_INTERVAL_MS - 50);
    expect(await events.next()).toMatchObject({ kind: "message", update: { sequence: 2n, result: { chainVersion: next } } });
  });
});
