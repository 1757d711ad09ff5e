// Two watchers of one symbol with different queries share the symbol's market data feed (one
// chain in the scanner), never each other's spreads: each one's top N is its own query's scan
// of that chain. The coordinator as a process on the simulated market, the scanner as a
// process; the market stands still here (one tick an hour), so that the scanner's stored chain
// is the one both watches ranked, and the scanner's own Scan of it is the reference.
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchSpreadsRequest, type WatchSpreadsResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { ScanQuery, SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanRequest, ScannerServiceClient } from "../../gen/ts/spreadscan/scanner/v1/scanner_service.js";
import { callUnary } from "../support/echo-server.js";
import { startPair, type Pair } from "../support/coordinator-pair.js";

const PUTS = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 7, maxDte: 30, maxShortDelta: 0.3, maxWidth: 5 },
  sort: SortKey.SORT_KEY_SCORE,
  limit: 8,
});
const CALLS = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BEAR_CALL],
  filters: { minDte: 20, maxDte: 60, maxShortDelta: 0.25, maxWidth: 2 },
  sort: SortKey.SORT_KEY_POP,
  limit: 5,
});

let pair: Pair;
let scanner: InstanceType<typeof ScannerServiceClient>;

beforeAll(async () => {
  pair = await startPair({ SIMULATED_TICK_INTERVAL: "3600" });
  scanner = new ScannerServiceClient(`127.0.0.1:${pair.scannerPort}`, credentials.createInsecure());
});

afterAll(() => {
  scanner.close();
  pair.close();
});

/** Opens a watch and keeps what it hears. */
function watch(query: ScanQuery): { call: ClientReadableStream<WatchSpreadsResponse>; messages: WatchSpreadsResponse[] } {
  const call = pair.client.watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: "IWM", query, minIntervalMs: 1 }));
  const messages: WatchSpreadsResponse[] = [];
  call.on("data", (message: WatchSpreadsResponse) => messages.push(message));
  call.on("error", () => undefined);
  return { call, messages };
}

const feeds = async (): Promise<number> =>
  Number(/^spreadscan_market_feeds(?:\{[^}]*\})? (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${pair.adminPort}/metrics`)).text())?.[1]);

describe("two watchers of one symbol with different queries", () => {
  it("share one feed, and each gets its own query's top N of the chain", async () => {
    const puts = watch(PUTS);
    const calls = watch(CALLS);
    try {
      await expect.poll(() => puts.messages.length > 0 && calls.messages.length > 0, { timeout: 30_000 }).toBe(true);
      expect(await feeds()).toBe(1);
      for (const [query, watcher] of [
        [PUTS, puts],
        [CALLS, calls],
      ] as const) {
        const watched = watcher.messages.at(-1)?.update?.result;
        const { response, error } = await callUnary(scanner.scan.bind(scanner), ScanRequest.fromPartial({ symbol: "IWM", query }));
        expect(error).toBeUndefined();
        const scanned = response?.result;
        // The same chain, ranked by the watcher's own query.
        expect(watched?.chainVersion).toBe(scanned?.chainVersion);
        expect(scanned?.spreads.length).toBeGreaterThan(0);
        expect(watched?.spreads.map((spread) => spread.id)).toEqual(scanned?.spreads.map((spread) => spread.id));
      }
      // Two queries, two different lists: neither watcher got the other's.
      const ids = (messages: WatchSpreadsResponse[]) => messages.at(-1)?.update?.result?.spreads.map((spread) => spread.id) ?? [];
      expect(ids(puts.messages).some((id) => ids(calls.messages).includes(id))).toBe(false);
    } finally {
      puts.call.cancel();
      calls.call.cancel();
    }
  });
});
