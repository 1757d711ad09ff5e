// A universe watch says which of its symbols' market data is not live: the coordinator as a
// process on IBKR market data, through the real @stoqey/ib to the fake TWS over loopback. When
// TWS loses IBKR (1100) a message lists every symbol UNAVAILABLE in `market_data`, the symbols
// still SCANNED with their last top N; when it is back (1102) a message lists none. A watch
// paced at one message a second (as the page asks) hears the outage too: no spread moves while
// the data is down, so the status is the only news.
import { status, type ClientReadableStream } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketDataState, WatchUniverseRequest, type WatchUniverseResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { SymbolScanState } from "../../gen/ts/spreadscan/coordinator/v1/universe.js";
import { ScanQuery, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";

/** Bull puts 20 to 35 days out with $1 wings: a few dozen contracts a symbol, streamed within the lines. */
const QUERY = ScanQuery.fromPartial({
  strategies: [Strategy.STRATEGY_BULL_PUT],
  filters: { minDte: 20, maxDte: 35, minShortDelta: 0.2, maxShortDelta: 0.3, maxWidth: 1 },
  limit: 6,
});
const SYMBOLS = ["SPY", "QQQ"];

let stack: IbkrCoordinatorStack;

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 7, maxLines: 200 },
    coordinatorEnv: { IB_CLIENT_ID: "5", IB_MAX_LINES: "80", IB_LOOKUP_TIMEOUT: "5" },
    tickMs: 200,
  });
}, 60_000);

afterAll(() => stack.stop());

describe("a universe watch on IBKR market data", () => {
  it("lists the symbols whose data is not live while TWS has lost IBKR, and none once it is back", async () => {
    const call: ClientReadableStream<WatchUniverseResponse> = stack.client.watchUniverse(
      WatchUniverseRequest.fromPartial({ symbols: SYMBOLS, query: QUERY, minIntervalMs: 1 }),
    );
    const messages: WatchUniverseResponse[] = [];
    const errors: unknown[] = [];
    call.on("data", (message: WatchUniverseResponse) => messages.push(message));
    call.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) errors.push(error);
    });
    const states = (message: WatchUniverseResponse | undefined) => message?.marketData.map((marketData) => [marketData.symbol, marketData.state]);
    try {
      await expect.poll(() => messages.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
      expect(messages[0]!.initial).toBe(true);
      expect(messages[0]!.marketData).toEqual([]);
      expect(messages[0]!.symbols.map((symbol) => symbol.state)).toEqual(SYMBOLS.map(() => SymbolScanState.SYMBOL_SCAN_STATE_SCANNED));

      stack.fake.sendConnectivity(1100);
      const down = SYMBOLS.map((symbol) => [symbol, MarketDataState.MARKET_DATA_STATE_UNAVAILABLE]);
      await expect.poll(() => states(messages.at(-1)), { timeout: 20_000 }).toEqual(down);
      const lost = messages.at(-1)!;
      expect(lost.marketData[0]?.reason).toContain("1100");
      // The feeds keep their last chains: the symbols stay in the merged list.
      expect(lost.symbols.map((symbol) => symbol.state)).toEqual(SYMBOLS.map(() => SymbolScanState.SYMBOL_SCAN_STATE_SCANNED));
      expect(lost.spreads.length).toBeGreaterThan(0);

      stack.fake.sendConnectivity(1102);
      await expect.poll(() => states(messages.at(-1)), { timeout: 20_000 }).toEqual([]);
      expect(errors).toEqual([]);
      expect(messages.map((message) => message.sequence)).toEqual(messages.map((_, index) => BigInt(index + 1)));
    } finally {
      call.cancel();
    }
  });
  it("tells a watch paced at one message a second of the outage, though no spread moves, and of the end of it", async () => {
    const call: ClientReadableStream<WatchUniverseResponse> = stack.client.watchUniverse(
      WatchUniverseRequest.fromPartial({ symbols: ["SPY"], query: QUERY, minIntervalMs: 1000 }),
    );
    const messages: WatchUniverseResponse[] = [];
    const errors: unknown[] = [];
    call.on("data", (message: WatchUniverseResponse) => messages.push(message));
    call.on("error", (error: Error & { code: status }) => {
      if (error.code !== status.CANCELLED) errors.push(error);
    });
    const states = (message: WatchUniverseResponse | undefined) => message?.marketData.map((marketData) => [marketData.symbol, marketData.state]);
    try {
      // Past the snapshot: the market ticks, and the watch follows it at its pace.
      await expect.poll(() => messages.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(messages.at(-1)!.marketData).toEqual([]);

      stack.fake.sendConnectivity(1100);
      await expect.poll(() => states(messages.at(-1)), { timeout: 20_000 }).toEqual([["SPY", MarketDataState.MARKET_DATA_STATE_UNAVAILABLE]]);
      expect(messages.at(-1)!.marketData[0]?.reason).toContain("1100");

      stack.fake.sendConnectivity(1102);
      await expect.poll(() => states(messages.at(-1)), { timeout: 20_000 }).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      call.cancel();
    }
  });
});
