// A watcher whose transport never drains holds one pending chain update, not a queue: its
// updates coalesce, and the other watchers of the symbol are not held up.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { UpdateMode } from "../../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { ChainStore } from "../../../services/scanner/chain-store.js";
import { ScanPool } from "../../../services/scanner/scan-pool.js";
import { ScannerMetrics } from "../../../services/scanner/scanner-metrics.js";
import { SpreadScanner } from "../../../services/scanner/spread-scanner.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const QUERY = ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minDte: 20, maxDte: 45, maxWidth: 5 }, limit: 5 });

describe("watch coalescing", () => {
  it("keeps one pending update for a watcher that never drains, while another gets every change", async () => {
    const registry = new Registry();
    const store = new ChainStore(300_000);
    const metrics = new ScannerMetrics(registry, () => store.size);
    const pool = new ScanPool({ maxConcurrentScans: 2, maxQueuedScans: 8, retryAfterMs: 500 });
    const scanner = new SpreadScanner({ store, pool, metrics, resultCacheEntries: 100, defaultWatchIntervalMs: 1 });
    const chainAt = (spot: number) => generateSyntheticChain({ symbol: "IWM", spot, seed: 7, asOf: AS_OF });
    await scanner.update("IWM", chainAt(230), UpdateMode.UPDATE_MODE_REPLACE);

    const stop = new AbortController();
    let stuckSends = 0;
    const stuck = scanner.watch("IWM", QUERY, 1, stop.signal, () => {
      stuckSends++;
      return new Promise<void>(() => undefined);
    });
    const received: SpreadsUpdate[] = [];
    let onReceived: (() => void) | undefined;
    const reading = scanner.watch("IWM", QUERY, 1, stop.signal, (update) => {
      received.push(update);
      onReceived?.();
      return Promise.resolve();
    });
    const receivedVersion = (version: bigint) =>
      new Promise<void>((resolve) => {
        onReceived = () => {
          if (received.at(-1)?.result?.chainVersion === version) resolve();
        };
        onReceived();
      });

    let version = 1n;
    for (let step = 1; step <= 30; step++) {
      version = (await scanner.update("IWM", chainAt(230 + step), UpdateMode.UPDATE_MODE_REPLACE)).stored.version;
      await receivedVersion(version);
    }

    expect(stuckSends).toBe(1);
    const coalesced = await registry.getSingleMetricAsString("spreadscan_updates_coalesced_total");
    expect(Number(/^spreadscan_updates_coalesced_total (\d+)$/m.exec(coalesced)?.[1])).toBe(29);
    expect(received.at(-1)?.result?.chainVersion).toBe(31n);
    expect(received.map((update) => update.sequence)).toEqual(received.map((_, index) => BigInt(index + 1)));

    stop.abort(new Error("test over"));
    await expect(stuck).rejects.toThrow("test over");
    await expect(reading).rejects.toThrow("test over");
    expect(metrics.activeWatchers()).toBe(0);
    store.close();
    await pool.close();
  });
});
